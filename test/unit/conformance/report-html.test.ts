import { describe, expect, it } from 'vitest';
import type { ConformanceReport } from '../../../core/conformance/report';
import { escapeHtml, renderReportHtml } from '../../../core/conformance/report-html';
import { formatReportTable } from '../../../core/conformance/report-table';

const HOSTILE = '<script>alert("x")</script>&\'';

function report(): ConformanceReport {
  return {
    target: `ws://127.0.0.1:1/${HOSTILE}`,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 12,
    timeoutMs: 2000,
    echo: { prefix: HOSTILE, suffix: '' },
    summary: { total: 2, pass: 1, nonStrict: 0, fail: 1 },
    results: [
      {
        id: '7.7.1',
        title: 'A close with the valid code 1000 is answered',
        group: 'Closing handshake',
        section: '§7.4.1',
        verdict: 'pass',
        reason: 'Answered the close with 1000 normal',
        durationMs: 3,
        sent: { bytes: 6, hex: '8882aabbccdd', truncated: false, writes: 1, written: 6 },
        received: {
          frames: [
            {
              opcodeName: 'close',
              fin: true,
              rsv: '',
              masked: false,
              payloadLength: 2,
              wire: { bytes: 4, hex: '880203e8', truncated: false },
              close: { code: 1000, reason: '' },
            },
          ],
          framesOmitted: 0,
          close: { code: 1000, reason: '' },
          end: 'close-frame',
          summary: '1 frame; close 1000 normal',
        },
      },
      {
        id: '3.1.1',
        title: 'RSV1 set on a text frame fails the connection',
        group: 'Reserved bits',
        section: '§5.2',
        verdict: 'fail',
        reason: `Closed normally (1000 normal ${JSON.stringify(HOSTILE)})`,
        durationMs: 2,
        sent: { bytes: 5000, hex: 'ab'.repeat(2048), truncated: true, writes: 5000, written: 30 },
        received: {
          frames: [
            {
              opcodeName: 'close',
              fin: true,
              rsv: 'RSV1',
              masked: false,
              payloadLength: 30,
              wire: { bytes: 32, hex: '00', truncated: false },
              close: { code: 1000, reason: HOSTILE },
              violation: HOSTILE,
            },
          ],
          framesOmitted: 3,
          close: { code: 1000, reason: HOSTILE },
          end: 'close-frame',
          summary: `1 frame; close 1000 normal ${JSON.stringify(HOSTILE)}`,
        },
      },
    ],
  };
}

describe('the HTML conformance report', () => {
  it('escapes the five characters HTML gives meaning to', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('escapes everything that came from the run: target, reasons, close reasons, violations', () => {
    const html = renderReportHtml(report());
    expect(html).not.toContain('<script');
    expect(html).not.toContain(HOSTILE);
    expect(html).toContain('&lt;script&gt;alert(');
  });

  it('is one self-contained file: inline CSS, no script, nothing fetched', () => {
    const html = renderReportHtml(report());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|\ssrc=|\shref=/i);
  });

  it('shows each case with its verdict, reason, and the hex sent and received', () => {
    const html = renderReportHtml(report());
    expect(html).toContain('<details class="case" id="case-7.7.1">');
    expect(html).toContain('<details class="case" id="case-3.1.1" open>');
    expect(html).toContain('<span class="verdict fail">fail</span>');
    expect(html).toContain('88 82 aa bb cc dd');
    expect(html).toContain('88 02 03 e8');
    expect(html).toContain('… 2952 more bytes');
    expect(html).toContain('… and 3 more frames.');
    expect(html).toContain('Sent 5000 bytes in 5000 writes (30 written before the connection ended)');
    expect(html).toContain('Sent 6 bytes in 1 write:');
    expect(html).toContain('2 cases: 1 pass, 0 non-strict, 1 fail');
  });

  it('prints a terminal table with the reason under a case that did not pass', () => {
    const table = formatReportTable(report());
    expect(table).toMatch(/^id\s+verdict\s+time\s+title$/m);
    expect(table).toMatch(/^7\.7\.1\s+pass\s+3 ms {2}A close with the valid code 1000 is answered$/m);
    expect(table).toContain('↳ Closed normally');
    expect(table.trimEnd().endsWith('2 cases: 1 pass, 0 non-strict, 1 fail (0.0 s)')).toBe(true);
  });
});
