// "Check a server": runs the conformance suite from the page, through the workbench's control
// socket (the server opens the connections: a browser's WebSocket cannot send a bad frame), with a
// progress bar and a Cancel, then the report in a dialog. Every case's connection is on the tap
// as kind `workbench`, so the report can point the inspector at it.
import type { CaseResult, ConformanceReport } from '../../core/conformance/report';
import type { WorkbenchReply } from '../../core/workbench/control-protocol';
import { h } from '../lib/dom';
import { echoUrl } from '../lib/urls';
import { CheckReportView } from './check-report-view';
import { WorkbenchClient } from './workbench-client';
import './check.css';

export interface CheckPanelOptions {
  /** Shows a case's connection in the inspector; false when the inspector no longer has it. */
  onShowConnection?: (result: CaseResult) => boolean;
  /** The learner sent frames or started a check (a lesson step counts it as their try). */
  onLearnerAct?: () => void;
}

type CheckState = 'idle' | 'starting' | 'running' | 'cancelling';

export class CheckPanel {
  readonly element: HTMLElement;
  private readonly client: WorkbenchClient;
  private readonly target = h('input', {
    type: 'text',
    'data-testid': 'check-target',
    'aria-label': 'Server to check (a ws:// or wss:// URL)',
    spellcheck: 'false',
  });
  private readonly cases = h('input', {
    type: 'text',
    'data-testid': 'check-cases',
    'aria-label': 'Cases to run (empty: all; or ids and patterns like 5, 6.*)',
    placeholder: 'all, or e.g. 5, 6.*',
    spellcheck: 'false',
    size: 12,
  });
  private readonly checkButton = h(
    'button',
    { type: 'button', className: 'primary', 'data-testid': 'check-server' },
    'Check a server',
  );
  private readonly cancelButton = h(
    'button',
    { type: 'button', 'data-testid': 'check-cancel', hidden: true },
    'Cancel',
  );
  private readonly reportButton = h(
    'button',
    { type: 'button', 'data-testid': 'check-open-report', hidden: true },
    'Show the report',
  );
  private readonly progress = h('progress', {
    'data-testid': 'check-progress',
    'aria-label': 'Cases done',
    max: 1,
    value: 0,
  });
  private readonly progressText = h('span', { 'data-testid': 'check-progress-text' });
  private readonly progressRow = h(
    'div',
    { className: 'wb-row wb-check-progress', hidden: true },
    this.progress,
    this.progressText,
  );
  private readonly status = h('p', {
    className: 'wb-check-status',
    'data-testid': 'check-status',
    role: 'status',
  });
  private readonly report: CheckReportView;
  private state: CheckState = 'idle';
  private tally = { pass: 0, nonStrict: 0, fail: 0 };

  constructor(private readonly options: CheckPanelOptions = {}) {
    this.client = new WorkbenchClient(
      (reply) => this.onReply(reply),
      (why) => {
        if (this.state !== 'idle') this.finish(`The check stopped: ${why}.`, true);
      },
    );
    this.report = new CheckReportView({ onShowConnection: options.onShowConnection });
    this.target.value = echoUrl();
    this.element = h(
      'section',
      { className: 'wb-check', 'data-testid': 'check-panel', 'aria-labelledby': 'wb-check-title' },
      h('h3', { id: 'wb-check-title' }, 'Conformance'),
      h(
        'div',
        { className: 'wb-row' },
        h('label', { className: 'wb-field wb-check-target' }, h('span', {}, 'server'), this.target),
        h('label', { className: 'wb-field' }, h('span', {}, 'cases'), this.cases),
      ),
      h('div', { className: 'wb-row' }, this.checkButton, this.cancelButton, this.reportButton),
      this.progressRow,
      this.status,
    );
    this.checkButton.addEventListener('click', () => void this.start());
    this.cancelButton.addEventListener('click', () => this.cancel());
    this.reportButton.addEventListener('click', () => this.report.open());
    for (const field of [this.target, this.cases]) {
      field.addEventListener('keydown', (event) => {
        if (event.key === 'Enter') {
          event.preventDefault();
          void this.start();
        }
      });
    }
  }

  private async start(): Promise<void> {
    if (this.state !== 'idle') return;
    const text = this.target.value.trim();
    // This server's own echo goes without a target: the server then knows it is its own.
    const target = text === '' || text === echoUrl() ? null : text;
    const cases = this.cases.value.split(/[\s,]+/).filter(Boolean);
    this.options.onLearnerAct?.();
    this.setState('starting');
    this.tally = { pass: 0, nonStrict: 0, fail: 0 };
    this.say(`Connecting to ${target ?? 'this server’s echo'}…`);
    try {
      await this.client.check(target, cases);
    } catch (error) {
      this.finish(`The check could not start: ${(error as Error).message}.`, true);
    }
  }

  private cancel(): void {
    if (this.state !== 'running' && this.state !== 'starting') return;
    this.setState('cancelling');
    this.say('Cancelling: the cases under way finish first…');
    void this.client.cancel().catch(() => {});
  }

  private onReply(reply: WorkbenchReply): void {
    switch (reply.type) {
      case 'checking':
        this.setState('running');
        this.progress.max = reply.total;
        this.progress.value = 0;
        this.progressText.textContent = `0 of ${reply.total} cases`;
        this.progressRow.hidden = false;
        this.say(`Checking ${reply.target}: each case on a connection of its own, in the inspector.`);
        break;
      case 'progress': {
        this.progress.max = reply.total;
        this.progress.value = reply.done;
        this.progressText.textContent = `${reply.done} of ${reply.total} cases`;
        const verdict = reply.result.verdict;
        if (verdict === 'pass') this.tally.pass++;
        else if (verdict === 'non-strict') this.tally.nonStrict++;
        else this.tally.fail++;
        if (this.state === 'running') {
          const { pass, nonStrict, fail } = this.tally;
          this.say(`So far: ${pass} passed, ${nonStrict} non-strict, ${fail} failed.`);
        }
        break;
      }
      case 'report':
        this.showReport(reply.report, reply.cancelled);
        break;
      case 'error':
        // Errors of the raw sender's own messages never come here: this socket only checks.
        if (this.state !== 'idle') this.finish(errorText(reply.code, reply.message), true);
        break;
      default:
        break;
    }
  }

  private showReport(report: ConformanceReport, cancelled: boolean): void {
    const { total, pass, nonStrict, fail } = report.summary;
    this.progress.value = cancelled ? this.progress.value : this.progress.max;
    const line = `${pass} passed, ${nonStrict} non-strict, ${fail} failed`;
    this.finish(
      cancelled ? `Cancelled after ${total} cases: ${line}.` : `Done: ${line} (${total} cases).`,
      false,
    );
    this.report.show(report, cancelled);
    this.reportButton.hidden = false;
  }

  private finish(message: string, isError: boolean): void {
    this.setState('idle');
    this.say(message, isError);
  }

  private say(message: string, isError = false): void {
    this.status.textContent = message;
    this.status.toggleAttribute('data-error', isError);
  }

  private setState(state: CheckState): void {
    this.state = state;
    const busy = state !== 'idle';
    this.element.dataset.state = state;
    this.checkButton.disabled = busy;
    this.target.disabled = busy;
    this.cases.disabled = busy;
    this.cancelButton.hidden = !busy;
    this.cancelButton.disabled = state === 'cancelling';
    // The focus stays on a control that is there: Cancel while running, the button after.
    if (busy && document.activeElement === this.checkButton) this.cancelButton.focus();
    if (!busy && document.activeElement === this.cancelButton) this.checkButton.focus();
  }
}

/** The server's refusal, in the words a person needs. */
function errorText(code: string, message: string): string {
  switch (code) {
    case 'FORBIDDEN_TARGET':
      return `That server is refused: ${message}.`;
    case 'CHECK_FAILED':
      return `Nothing was checked: ${message}.`;
    case 'BAD_TARGET':
      return `That is not a server address: ${message}. Use ws://host:port/path.`;
    case 'NO_CASES':
      return `No case has that number: ${message}. Leave cases empty to run them all.`;
    case 'TOO_MANY_CHECKS':
    case 'CHECK_RUNNING':
      return `Not now: ${message}.`;
    default:
      return `The check stopped: ${message}.`;
  }
}
