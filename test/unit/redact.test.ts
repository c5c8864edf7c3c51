import { describe, expect, it } from 'vitest';
import { REDACTED, redactHeaders, redactQuery, redactTarget } from '../../server/redact';

describe('keeping credentials out of the tap', () => {
  it('redacts key-like query parameters and keeps the rest as written', () => {
    expect(redactTarget('/live/ws/x?key=AIza123&chunkMs=10')).toBe(`/live/ws/x?key=${REDACTED}&chunkMs=10`);
    expect(redactTarget('/echo?fragment=3')).toBe('/echo?fragment=3');
    expect(redactTarget('/echo')).toBe('/echo');
  });

  it('redacts a secret inside a proxy target URL', () => {
    const target = encodeURIComponent('wss://example.test/ws?access_token=s3cret&x=1');
    const redacted = decodeURIComponent(redactTarget(`/proxy?target=${target}`));
    expect(redacted).not.toContain('s3cret');
    expect(redacted).toContain('x=1');
  });

  it('redacts credential headers', () => {
    expect(
      redactHeaders([
        ['Authorization', 'Bearer abc'],
        ['x-goog-api-key', 'AIza'],
        ['Origin', 'http://localhost'],
      ]),
    ).toEqual([
      ['Authorization', REDACTED],
      ['x-goog-api-key', REDACTED],
      ['Origin', 'http://localhost'],
    ]);
  });

  it('redacts query records, nested targets included', () => {
    expect(redactQuery({ key: 'AIza', target: 'ws://127.0.0.1:1/?token=t', n: '1' })).toEqual({
      key: REDACTED,
      target: `ws://127.0.0.1:1/?token=${REDACTED}`,
      n: '1',
    });
  });
});
