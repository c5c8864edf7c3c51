import { describe, expect, it } from 'vitest';
import { reportFileName } from '../../../web/workbench/check-report-view';

describe('the downloaded report’s file name', () => {
  it('names the target’s host and port in characters every file system takes', () => {
    expect(reportFileName('ws://127.0.0.1:8765/echo')).toBe('wslab-conformance-127.0.0.1-8765.html');
    expect(reportFileName('wss://example.test/socket?x=1')).toBe('wslab-conformance-example.test.html');
    expect(reportFileName('ws://[::1]:9001/')).toBe('wslab-conformance-1-9001.html');
  });

  it('falls back to a plain name for a target that is not a URL', () => {
    expect(reportFileName('not a url')).toBe('wslab-conformance-server.html');
  });
});
