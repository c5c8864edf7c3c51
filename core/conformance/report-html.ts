// The conformance report as one self-contained HTML file: inline CSS, no script, every case
// foldable (<details>) with the bytes it sent and the frames that came back. Everything that came
// from the run, the server's close reasons above all, is escaped.
import type { Verdict } from './case';
import { GROUPS } from './case';
import type { CaseResult, ConformanceReport, HexDump, ReceivedFrame } from './report';
import { summaryLine } from './report';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const VERDICT_LABEL: Record<Verdict, string> = { pass: 'pass', 'non-strict': 'non-strict', fail: 'fail' };

const CSS = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:72rem;padding:1.5rem;color:#1b1f24;background:#fff}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.75rem 0 .5rem;border-bottom:1px solid #d0d7de;padding-bottom:.25rem}
.meta{color:#4b5563;margin:.15rem 0}.summary{font-size:1.1rem;font-weight:600;margin:.75rem 0}
details{border:1px solid #d0d7de;border-radius:6px;margin:.3rem 0;background:#fafbfc}
summary{cursor:pointer;padding:.35rem .6rem;display:flex;gap:.75rem;align-items:baseline}
summary .id{font-family:ui-monospace,Menlo,Consolas,monospace;min-width:4.5rem}
summary .title{flex:1}summary .ms{color:#4b5563;font-variant-numeric:tabular-nums}
.verdict{display:inline-block;min-width:5.5rem;text-align:center;border-radius:999px;padding:0 .5rem;font-size:.85rem;font-weight:600}
.pass{background:#dafbe1;color:#116329}.non-strict{background:#fff3c4;color:#7a4b00}.fail{background:#ffe0e0;color:#a40e26}
.body{padding:.25rem .9rem .8rem;border-top:1px solid #d0d7de;background:#fff}
pre{font:12.5px/1.4 ui-monospace,Menlo,Consolas,monospace;background:#f6f8fa;padding:.5rem;border-radius:4px;white-space:pre-wrap;word-break:break-all;margin:.25rem 0}
table{border-collapse:collapse;width:100%;font-size:.9rem}th:nth-child(-n+3),td:nth-child(-n+3){width:6.5rem;white-space:nowrap}th,td{text-align:left;padding:.2rem .4rem;border-bottom:1px solid #eaeef2;vertical-align:top}
.violation{color:#a40e26}
`;

/** `81 85 2a 3e …`, 32 bytes a line. */
function hexLines(dump: HexDump): string {
  const pairs = dump.hex.match(/../g) ?? [];
  const lines: string[] = [];
  for (let i = 0; i < pairs.length; i += 32) lines.push(pairs.slice(i, i + 32).join(' '));
  if (dump.truncated) lines.push(`… ${dump.bytes - pairs.length} more bytes`);
  return lines.join('\n');
}

function frameRow(frame: ReceivedFrame): string {
  const flags = [frame.fin ? 'FIN' : '', frame.rsv, frame.masked ? 'MASK' : ''].filter(Boolean).join(' ');
  const close = frame.close
    ? ` close ${frame.close.code ?? '(no code)'}${frame.close.reason ? ` ${JSON.stringify(frame.close.reason)}` : ''}`
    : '';
  const violation = frame.violation ? `<div class="violation">${escapeHtml(frame.violation)}</div>` : '';
  return (
    `<tr><td>${escapeHtml(frame.opcodeName)}</td><td>${escapeHtml(flags)}</td>` +
    `<td>${frame.payloadLength}</td><td>${escapeHtml(close)}${violation}<pre>${escapeHtml(hexLines(frame.wire))}</pre></td></tr>`
  );
}

function caseBlock(result: CaseResult): string {
  const frames = result.received.frames;
  const omitted = result.received.framesOmitted;
  const table =
    frames.length === 0
      ? '<p>No frames.</p>'
      : `<table><thead><tr><th>opcode</th><th>flags</th><th>length</th><th>bytes</th></tr></thead><tbody>${frames
          .map(frameRow)
          .join('')}</tbody></table>${omitted > 0 ? `<p>… and ${omitted} more frames.</p>` : ''}`;
  // A case that did not pass is open from the start: its reason and bytes are what the reader came for.
  const open = result.verdict === 'pass' ? '' : ' open';
  return `<details class="case" id="case-${escapeHtml(result.id)}"${open}>
<summary><span class="id">${escapeHtml(result.id)}</span><span class="verdict ${result.verdict}">${VERDICT_LABEL[result.verdict]}</span><span class="title">${escapeHtml(result.title)}</span><span class="ms">${result.durationMs} ms</span></summary>
<div class="body">
<p><strong>${escapeHtml(result.reason)}</strong> (RFC 6455 ${escapeHtml(result.section)})</p>
<p>Sent ${result.sent.bytes} bytes in ${result.sent.writes} write${result.sent.writes === 1 ? '' : 's'}${result.sent.written < result.sent.bytes ? ` (${result.sent.written} written before the connection ended)` : ''}:</p>
<pre>${escapeHtml(hexLines(result.sent))}</pre>
<p>Received: ${escapeHtml(result.received.summary)}</p>
${table}
</div>
</details>`;
}

/** One HTML document for the whole report; pure, so the page can build the same file. */
export function renderReportHtml(report: ConformanceReport): string {
  const groups = new Map<string, CaseResult[]>();
  for (const result of report.results) {
    const list = groups.get(result.group) ?? [];
    list.push(result);
    groups.set(result.group, list);
  }
  const order = [...Object.values(GROUPS), ...groups.keys()].filter((g, i, all) => all.indexOf(g) === i);
  const sections = order
    .filter((group) => groups.has(group))
    .map((group) => `<h2>${escapeHtml(group)}</h2>\n${groups.get(group)!.map(caseBlock).join('\n')}`)
    .join('\n');
  const echo = report.echo
    ? report.echo.prefix || report.echo.suffix
      ? `text echoed as ${JSON.stringify(`${report.echo.prefix}…${report.echo.suffix}`)}`
      : 'text echoed as sent'
    : 'did not echo a probe text';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>WebSocket conformance: ${escapeHtml(report.target)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>WebSocket conformance report</h1>
<p class="meta">Target: <code>${escapeHtml(report.target)}</code> (${escapeHtml(echo)})</p>
<p class="meta">Run ${escapeHtml(report.startedAt)}, ${report.durationMs} ms, ${report.timeoutMs} ms allowed per case</p>
<p class="summary">${escapeHtml(summaryLine(report.summary))}</p>
<p class="meta"><span class="verdict pass">pass</span> does what RFC 6455 requires. <span class="verdict non-strict">non-strict</span> does what it must, not what it should (e.g. the wrong close code). <span class="verdict fail">fail</span> breaks a MUST.</p>
${sections}
</body>
</html>
`;
}
