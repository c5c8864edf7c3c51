// The conformance report in the page: a dialog as large as the window allows (the workbench pane is
// small), a summary line, the cases grouped by section with each verdict as a word and a colour,
// a filter for the cases that did not pass, a way to each case's connection in the inspector, and
// the same self-contained HTML file the command line writes.
import type { Verdict } from '../../core/conformance/case';
import { GROUPS } from '../../core/conformance/case';
import type { CaseResult, ConformanceReport } from '../../core/conformance/report';
import { renderReportHtml } from '../../core/conformance/report-html';
import { h } from '../lib/dom';

export interface CheckReportOptions {
  onShowConnection?: (result: CaseResult) => boolean;
}

type Filter = 'all' | 'not-passed' | 'fail';

// A mark as well as a colour: the verdict is never told by colour alone.
const VERDICT_TEXT: Record<Verdict, string> = {
  pass: '✓ pass',
  'non-strict': '~ non-strict',
  fail: '✗ fail',
};

/** `wslab-conformance-127.0.0.1-8765.html`: the target's host, in characters every file system takes. */
export function reportFileName(target: string): string {
  let host = 'server';
  try {
    host = new URL(target).host;
  } catch {
    // An unreadable target keeps the plain name.
  }
  return `wslab-conformance-${host.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-|-$/g, '') || 'server'}.html`;
}

export class CheckReportView {
  readonly element: HTMLDialogElement;
  private readonly title = h('h2', { id: 'check-report-title' });
  private readonly summary = h('p', { className: 'check-summary', 'data-testid': 'check-summary' });
  private readonly meta = h('p', { className: 'muted check-meta', 'data-testid': 'check-meta' });
  private readonly filter = h(
    'select',
    { 'data-testid': 'check-filter', 'aria-label': 'Cases shown' },
    h('option', { value: 'all' }, 'all cases'),
    h('option', { value: 'not-passed' }, 'cases that did not pass'),
    h('option', { value: 'fail' }, 'failed cases'),
  );
  private readonly note = h('p', { className: 'check-note', 'data-testid': 'check-note', role: 'status' });
  private readonly body = h('div', { className: 'check-table-wrap', tabindex: 0, 'aria-label': 'Cases' });
  private report: ConformanceReport | null = null;

  constructor(private readonly options: CheckReportOptions = {}) {
    const download = h('button', { type: 'button', 'data-testid': 'check-download' }, 'Download report');
    const close = h('button', { type: 'button', 'data-testid': 'check-close' }, 'Close');
    this.element = h(
      'dialog',
      { className: 'check-report', 'data-testid': 'check-report', 'aria-labelledby': 'check-report-title' },
      h(
        'header',
        { className: 'check-report-head' },
        this.title,
        this.summary,
        this.meta,
        h('div', { className: 'check-report-tools' }, h('label', {}, 'Show ', this.filter), download, close),
        this.note,
      ),
      this.body,
    );
    this.filter.addEventListener('change', () => this.draw());
    download.addEventListener('click', () => this.download());
    close.addEventListener('click', () => this.element.close());
  }

  show(report: ConformanceReport, cancelled: boolean): void {
    this.report = report;
    const { total, pass, nonStrict, fail } = report.summary;
    this.title.textContent = `Conformance of ${report.target}`;
    this.summary.textContent = `${pass} passed, ${nonStrict} non-strict, ${fail} failed`;
    this.summary.dataset.verdict = fail > 0 ? 'fail' : nonStrict > 0 ? 'non-strict' : 'pass';
    const seconds = (report.durationMs / 1000).toFixed(1);
    this.meta.textContent = `${total} case${total === 1 ? '' : 's'} in ${seconds} s${
      cancelled ? ', cancelled before the end' : ''
    }${report.echo ? '' : '; the server did not echo a probe text, so every echo case fails'}.`;
    // Failures first: when some case did not pass, those are what the reader came for.
    this.filter.value = fail + nonStrict > 0 ? 'not-passed' : 'all';
    this.note.textContent = '';
    this.draw();
    this.open();
  }

  open(): void {
    if (!this.report) return;
    if (!this.element.isConnected) document.body.append(this.element);
    if (!this.element.open) this.element.showModal();
  }

  private draw(): void {
    const report = this.report;
    if (!report) return;
    const filter = this.filter.value as Filter;
    const shown = report.results.filter(
      (r) => filter === 'all' || (filter === 'fail' ? r.verdict === 'fail' : r.verdict !== 'pass'),
    );
    if (report.results.length === 0) {
      this.body.replaceChildren(
        h('p', { className: 'check-empty' }, 'No case ran: the check was cancelled first.'),
      );
      return;
    }
    if (shown.length === 0) {
      const what = filter === 'fail' ? 'failed' : 'did not pass';
      this.body.replaceChildren(h('p', { className: 'check-empty' }, `No case ${what}.`));
      return;
    }
    const groups = new Map<string, CaseResult[]>();
    for (const result of shown) groups.set(result.group, [...(groups.get(result.group) ?? []), result]);
    const order = [...Object.values(GROUPS), ...groups.keys()].filter((g, i, all) => all.indexOf(g) === i);
    const table = h(
      'table',
      { className: 'check-table', 'data-testid': 'check-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Case'),
          h('th', { scope: 'col' }, 'What it sends'),
          h('th', { scope: 'col' }, 'Verdict'),
          h('th', { scope: 'col' }, 'RFC 6455'),
          h('th', { scope: 'col', className: 'num' }, 'Time'),
          h('th', { scope: 'col' }, 'Connection'),
        ),
      ),
    );
    for (const group of order) {
      const results = groups.get(group);
      if (!results) continue;
      const all = report.results.filter((r) => r.group === group);
      const passed = all.filter((r) => r.verdict === 'pass').length;
      table.append(
        h(
          'tbody',
          { 'data-testid': 'check-group' },
          h(
            'tr',
            { className: 'check-group' },
            h('th', { colspan: 6, scope: 'rowgroup' }, `${group} — ${passed} of ${all.length} passed`),
          ),
          ...results.map((result) => this.row(result)),
        ),
      );
    }
    this.body.replaceChildren(table);
  }

  private row(result: CaseResult): HTMLTableRowElement {
    // The accessible name starts with the visible words, so a voice command can say them.
    const words = result.conn ? `Show ${result.conn}` : 'no connection';
    const show = h(
      'button',
      {
        type: 'button',
        className: 'check-show',
        'data-testid': 'check-show-frames',
        'data-conn': result.conn,
        'aria-label': result.conn
          ? `${words}: the connection of case ${result.id}, in the inspector`
          : undefined,
        disabled: !result.conn || !this.options.onShowConnection,
      },
      words,
    );
    show.addEventListener('click', () => {
      if (this.options.onShowConnection?.(result)) this.element.close();
      else
        this.note.textContent = `The inspector no longer holds case ${result.id}’s connection (${result.conn}): the tap keeps recent traffic only.`;
    });
    return h(
      'tr',
      { 'data-testid': 'check-case', 'data-case': result.id, 'data-verdict': result.verdict },
      h('td', { className: 'mono' }, result.id),
      h(
        'td',
        {},
        result.title,
        result.verdict === 'pass' ? null : h('span', { className: 'check-reason' }, result.reason),
      ),
      h(
        'td',
        {},
        h(
          'span',
          { className: 'check-verdict', 'data-verdict': result.verdict },
          VERDICT_TEXT[result.verdict],
        ),
      ),
      h('td', { className: 'mono' }, result.section),
      h('td', { className: 'num' }, `${result.durationMs} ms`),
      h('td', {}, show),
    );
  }

  private download(): void {
    const report = this.report;
    if (!report) return;
    const blob = new Blob([renderReportHtml(report)], { type: 'text/html' });
    const link = h('a', { href: URL.createObjectURL(blob), download: reportFileName(report.target) });
    document.body.append(link);
    link.click();
    link.remove();
    // The download has its own copy once it started.
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }
}
