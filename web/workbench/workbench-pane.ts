// The workbench pane: every field of a frame (RFC 6455 §5.2) as a control, the frame's bytes live,
// a script of frames to send in one go, and the server's answer beside the frame it answers. The
// bytes go out on a raw TCP connection the server opens (a browser's WebSocket cannot send a bad
// frame); the tap shows that connection in the inspector as kind `workbench`.
import { toHex } from '../../core/wire/bytes';
import { opcodeName } from '../../core/wire/opcodes';
import type { WorkbenchReply } from '../../core/workbench/control-protocol';
import {
  type DraftChop,
  type DraftError,
  type DraftField,
  defaultDraft,
  draftBytes,
  type FrameDraft,
  pinMaskKey,
} from '../../core/workbench/frame-draft';
import { WORKBENCH_PRESETS } from '../../core/workbench/presets';
import { answeredFrame, type BuiltScript, buildScript, expectedFault } from '../../core/workbench/script';
import { h } from '../lib/dom';
import { CheckPanel, type CheckPanelOptions } from './check-panel';
import { renderDraftBytes } from './draft-bytes-view';
import { mountTabs } from './playground-tabs';
import { WorkbenchClient } from './workbench-client';
import './workbench.css';

interface QueuedFrame {
  draft: FrameDraft;
  sent: boolean;
  element: HTMLLIElement;
  verdict: HTMLElement;
}

type ConnectionState = 'idle' | 'opening' | 'open' | 'closed';

const OPCODE_CHOICES = Array.from({ length: 16 }, (_, opcode) => {
  const name = opcodeName(opcode);
  return { value: String(opcode), label: `0x${opcode.toString(16).toUpperCase()} ${name}` };
});

function select(
  testId: string,
  label: string,
  choices: { value: string; label: string }[],
): HTMLSelectElement {
  return h(
    'select',
    { 'data-testid': testId, 'aria-label': label },
    ...choices.map((choice) => h('option', { value: choice.value }, choice.label)),
  );
}

function checkbox(testId: string): HTMLInputElement {
  return h('input', { type: 'checkbox', 'data-testid': testId });
}

function labelled(text: string, control: HTMLElement, title?: string): HTMLLabelElement {
  return h('label', { className: 'wb-field', title }, h('span', {}, text), control);
}

/** One line for a queued frame: what it is and how big. */
function describeDraft(draft: FrameDraft, bytes: number | null): string {
  const flags = [
    draft.fin ? null : 'not FIN',
    draft.rsv1 ? 'RSV1' : null,
    draft.rsv2 ? 'RSV2' : null,
    draft.rsv3 ? 'RSV3' : null,
    draft.mask ? null : 'unmasked',
    draft.declaredLength !== null ? `says ${draft.declaredLength} B` : null,
  ].filter((flag) => flag !== null);
  const payload =
    draft.payload.kind === 'text'
      ? JSON.stringify(draft.payload.text.slice(0, 24))
      : `hex ${draft.payload.hex.slice(0, 24)}`;
  return `${opcodeName(draft.opcode)} ${payload}${flags.length ? ` (${flags.join(', ')})` : ''}${bytes === null ? '' : ` · ${bytes} B`}`;
}

export class WorkbenchPane {
  readonly element: HTMLElement;
  private readonly client: WorkbenchClient;
  private readonly fields = {
    preset: select('wb-preset', 'Preset', [
      { value: '', label: 'Start from a preset…' },
      ...WORKBENCH_PRESETS.map((preset) => ({ value: preset.id, label: preset.title })),
    ]),
    fin: checkbox('wb-fin'),
    rsv1: checkbox('wb-rsv1'),
    rsv2: checkbox('wb-rsv2'),
    rsv3: checkbox('wb-rsv3'),
    opcode: select('wb-opcode', 'Opcode', OPCODE_CHOICES),
    mask: checkbox('wb-mask'),
    maskKey: h('input', {
      type: 'text',
      'data-testid': 'wb-key',
      'aria-label': 'Masking key, 8 hex digits',
      size: 10,
      spellcheck: 'false',
    }),
    lengthForm: select('wb-length-form', 'Length form', [
      { value: 'minimal', label: 'minimal' },
      { value: '7', label: '7-bit' },
      { value: '16', label: '16-bit' },
      { value: '64', label: '64-bit' },
    ]),
    declared: h('input', {
      type: 'text',
      inputmode: 'numeric',
      'data-testid': 'wb-declared',
      'aria-label': 'Declared payload length (empty: the true length)',
      placeholder: 'true length',
      size: 10,
    }),
    payloadKind: select('wb-payload-kind', 'Payload as', [
      { value: 'text', label: 'text (UTF-8)' },
      { value: 'hex', label: 'hex bytes' },
    ]),
    payload: h('textarea', {
      'data-testid': 'wb-payload',
      'aria-label': 'Payload',
      rows: 2,
      spellcheck: 'false',
    }),
    chop: select('wb-chop', 'TCP writes', [
      { value: 'whole', label: 'all at once' },
      { value: 'every', label: 'every N bytes' },
      { value: 'at', label: 'split at offsets' },
    ]),
    chopValue: h('input', {
      type: 'text',
      'data-testid': 'wb-chop-value',
      'aria-label': 'Write size, or split offsets separated by commas',
      size: 10,
    }),
    pause: h('input', {
      type: 'text',
      inputmode: 'numeric',
      'data-testid': 'wb-pause',
      'aria-label': 'Pause between writes, milliseconds',
      value: '0',
      size: 5,
    }),
    target: h('input', {
      type: 'text',
      'data-testid': 'wb-target',
      'aria-label': 'Target WebSocket URL (empty: this server’s echo)',
      placeholder: 'this server’s echo (/echo)',
      spellcheck: 'false',
    }),
  };
  private readonly about = h('p', { className: 'muted wb-about', 'data-testid': 'wb-about' });
  private readonly bytesSlot = h('div', { className: 'wb-bytes-slot' });
  private readonly problem = h('p', { className: 'wb-problem', 'data-testid': 'wb-problem', role: 'alert' });
  private readonly expectation = h('p', { className: 'wb-expect', 'data-testid': 'wb-expect' });
  private readonly queueList = h('ol', {
    className: 'wb-script',
    'data-testid': 'wb-script',
    'aria-label': 'Script',
  });
  private readonly status = h('p', {
    className: 'wb-status',
    'data-testid': 'wb-status',
    role: 'status',
    'data-state': 'idle',
  });
  private readonly sendButton = h(
    'button',
    { type: 'button', className: 'primary', 'data-testid': 'wb-send', title: 'Send (Ctrl+Enter)' },
    'Send',
  );
  private readonly disconnectButton = h(
    'button',
    { type: 'button', 'data-testid': 'wb-disconnect', disabled: true },
    'End TCP',
  );

  private queue: QueuedFrame[] = [];
  private state: ConnectionState = 'idle';
  private conn: string | null = null;
  /** Bytes written on the current connection before the script in flight. */
  private baseline = 0;
  private written = 0;
  private batch: { built: BuiltScript; items: QueuedFrame[] } | null = null;
  private opened: { resolve(): void; reject(why: Error): void } | null = null;

  constructor(private readonly checkOptions: CheckPanelOptions = {}) {
    this.client = new WorkbenchClient(
      (reply) => this.onReply(reply),
      (why) => {
        this.failOpening(why);
        if (this.state === 'open' || this.state === 'opening') this.setState('closed', why);
      },
    );
    const f = this.fields;
    f.fin.checked = true;
    f.mask.checked = true;
    f.opcode.value = '1';
    f.maskKey.value = this.randomKey();
    f.payload.value = 'Hello';

    const addButton = h(
      'button',
      { type: 'button', 'data-testid': 'wb-add', title: 'Add this frame to the script' },
      'Add to script',
    );
    const clearButton = h('button', { type: 'button', 'data-testid': 'wb-clear' }, 'Clear script');
    const keyButton = h(
      'button',
      { type: 'button', 'data-testid': 'wb-new-key', title: 'A fresh random masking key' },
      'New key',
    );

    this.element = h(
      'section',
      { className: 'workbench-panel', 'data-testid': 'workbench', 'aria-label': 'Workbench' },
      h(
        'div',
        { className: 'wb-body' },
        new CheckPanel(checkOptions).element,
        h('div', { className: 'wb-row' }, f.preset),
        this.about,
        h(
          'fieldset',
          { className: 'wb-fields' },
          h('legend', {}, 'Frame'),
          h(
            'div',
            { className: 'wb-row' },
            labelled('FIN', f.fin, 'the final frame of a message'),
            labelled('RSV1', f.rsv1, 'reserved for extensions (permessage-deflate)'),
            labelled('RSV2', f.rsv2),
            labelled('RSV3', f.rsv3),
            labelled('opcode', f.opcode),
          ),
          h(
            'div',
            { className: 'wb-row' },
            labelled('MASK', f.mask, 'RFC 6455 §5.1: a client masks every frame'),
            labelled('key', f.maskKey),
            keyButton,
          ),
          h(
            'div',
            { className: 'wb-row' },
            labelled('length', f.lengthForm),
            labelled('declared', f.declared),
          ),
          h('div', { className: 'wb-row' }, labelled('payload', f.payloadKind)),
          f.payload,
          h(
            'div',
            { className: 'wb-row' },
            labelled('TCP writes', f.chop),
            f.chopValue,
            labelled('pause ms', f.pause, 'between writes, so the server reads them apart'),
          ),
        ),
        this.bytesSlot,
        this.problem,
        this.expectation,
        h('div', { className: 'wb-row' }, addButton, clearButton),
        this.queueList,
        h('div', { className: 'wb-row' }, labelled('target', f.target)),
        h('div', { className: 'wb-row' }, this.sendButton, this.disconnectButton),
        this.status,
      ),
    );

    for (const control of Object.values(f)) {
      if (control !== f.preset) control.addEventListener('input', () => this.refresh());
    }
    f.preset.addEventListener('change', () => this.loadPreset(f.preset.value));
    keyButton.addEventListener('click', () => {
      f.maskKey.value = this.randomKey();
      this.refresh();
    });
    addButton.addEventListener('click', () => this.addCurrent());
    clearButton.addEventListener('click', () => this.clearQueue());
    this.sendButton.addEventListener('click', () => void this.send());
    this.disconnectButton.addEventListener('click', () => void this.client.close().catch(() => {}));
    this.element.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        void this.send();
      }
    });
    this.setState('idle', 'Not connected. Send opens a raw TCP connection to the target.');
    this.refresh();
  }

  private randomKey(): string {
    return toHex(crypto.getRandomValues(new Uint8Array(4)));
  }

  /** The draft the fields describe. */
  private readDraft(): FrameDraft {
    const f = this.fields;
    const declared = f.declared.value.trim();
    const chopText = f.chopValue.value.trim();
    let chop: DraftChop = { kind: 'whole' };
    if (f.chop.value === 'every')
      chop = { kind: 'every', size: chopText === '' ? Number.NaN : Number(chopText) };
    else if (f.chop.value === 'at') {
      chop = {
        kind: 'at',
        offsets: chopText
          .split(/[\s,]+/)
          .filter(Boolean)
          .map(Number),
      };
    }
    return defaultDraft({
      fin: f.fin.checked,
      rsv1: f.rsv1.checked,
      rsv2: f.rsv2.checked,
      rsv3: f.rsv3.checked,
      opcode: Number(f.opcode.value),
      mask: f.mask.checked,
      maskKey: f.maskKey.value.trim() === '' ? 'random' : f.maskKey.value.trim(),
      lengthForm: f.lengthForm.value === 'minimal' ? 'minimal' : (Number(f.lengthForm.value) as 7 | 16 | 64),
      declaredLength: declared === '' ? null : Number(declared),
      payload:
        f.payloadKind.value === 'hex'
          ? { kind: 'hex', hex: f.payload.value }
          : { kind: 'text', text: f.payload.value },
      chop,
    });
  }

  private writeDraft(draft: FrameDraft): void {
    const f = this.fields;
    f.fin.checked = draft.fin;
    f.rsv1.checked = draft.rsv1;
    f.rsv2.checked = draft.rsv2;
    f.rsv3.checked = draft.rsv3;
    f.opcode.value = String(draft.opcode);
    f.mask.checked = draft.mask;
    f.maskKey.value = draft.maskKey === 'random' ? this.randomKey() : draft.maskKey;
    f.lengthForm.value = String(draft.lengthForm);
    f.declared.value = draft.declaredLength === null ? '' : String(draft.declaredLength);
    f.payloadKind.value = draft.payload.kind;
    f.payload.value = draft.payload.kind === 'text' ? draft.payload.text : draft.payload.hex;
    f.chop.value = draft.chop.kind;
    f.chopValue.value =
      draft.chop.kind === 'every'
        ? String(draft.chop.size)
        : draft.chop.kind === 'at'
          ? draft.chop.offsets.join(', ')
          : '';
  }

  /** Redraws the bytes, and says what is wrong with the fields or what a server will answer. */
  private refresh(): void {
    const f = this.fields;
    f.chopValue.hidden = f.chop.value === 'whole';
    f.chopValue.placeholder = f.chop.value === 'every' ? 'N bytes' : 'e.g. 1, 5';
    f.maskKey.disabled = !f.mask.checked;
    const draft = this.readDraft();
    const built = buildScript([draft]);
    for (const control of Object.values(f)) control.removeAttribute('aria-invalid');
    if (!built.ok) {
      this.showProblem(built.error);
      this.bytesSlot.replaceChildren();
      this.expectation.textContent = '';
      return;
    }
    this.problem.textContent = '';
    this.problem.hidden = true;
    this.bytesSlot.replaceChildren(renderDraftBytes(built.value.bytes));
    this.expect();
  }

  /**
   * What Send will write and what a server that follows RFC 6455 answers: the frames queued and
   * not yet sent when there are some, otherwise the frame in the fields.
   */
  private expect(): void {
    const pending = this.nextScript();
    const again = pending.length > 0 && pending.every((item) => item.sent);
    const script = buildScript(pending.length > 0 ? pending.map((item) => item.draft) : [this.readDraft()]);
    this.sendButton.textContent =
      pending.length === 0
        ? 'Send this frame'
        : again
          ? `Send the script again (${pending.length})`
          : `Send script (${pending.length})`;
    if (!script.ok) {
      this.expectation.textContent = '';
      return;
    }
    const fault = expectedFault(script.value);
    const what =
      pending.length > 0
        ? `Send writes the script${again ? ' again' : ''}: ${pending.length} frame${pending.length === 1 ? '' : 's'}, ${script.value.bytes.length} B.`
        : `Send writes this frame, ${script.value.bytes.length} B.`;
    const where = pending.length > 1 && fault ? ` frame ${fault.frame + 1}` : '';
    this.expectation.dataset.closeCode = fault ? String(fault.closeCode) : '';
    this.expectation.textContent = fault
      ? `${what} A server that follows RFC 6455 answers${where} with close ${fault.closeCode}: ${fault.message}.`
      : `${what} It breaks no rule a server checks as it reads.`;
  }

  private showProblem(error: DraftError & { index?: number }): void {
    const controls: Record<DraftField, HTMLElement> = {
      opcode: this.fields.opcode,
      maskKey: this.fields.maskKey,
      lengthForm: this.fields.lengthForm,
      declaredLength: this.fields.declared,
      payload: this.fields.payload,
      chop: this.fields.chopValue,
    };
    controls[error.field].setAttribute('aria-invalid', 'true');
    this.problem.hidden = false;
    this.problem.textContent = error.message;
  }

  private loadPreset(id: string): void {
    const preset = WORKBENCH_PRESETS.find((candidate) => candidate.id === id);
    if (!preset) return;
    this.clearQueue();
    for (const draft of preset.drafts) this.enqueue(draft);
    this.writeDraft(preset.drafts[preset.drafts.length - 1]!);
    this.about.textContent = `${preset.about} Expected: ${preset.expectClose === null ? 'no close' : `close ${preset.expectClose}`}.`;
    this.refresh();
  }

  private addCurrent(): void {
    const draft = this.readDraft();
    const built = buildScript([draft]);
    if (!built.ok) {
      this.showProblem(built.error);
      return;
    }
    // A script sent already is over: adding starts the next one.
    if (this.queue.length > 0 && this.queue.every((item) => item.sent)) this.clearQueue();
    this.enqueue(draft);
  }

  private enqueue(draft: FrameDraft): void {
    // The key a random mask got is kept, so the queued frame's bytes do not change.
    const pinned = pinMaskKey(draft);
    const bytes = draftBytes(pinned);
    const verdict = h('span', { className: 'wb-verdict', 'data-testid': 'wb-verdict' });
    const remove = h(
      'button',
      { type: 'button', className: 'wb-small', title: 'Take this frame out of the script' },
      'remove',
    );
    const edit = h(
      'button',
      { type: 'button', className: 'wb-small', title: 'Load this frame into the fields' },
      'edit',
    );
    const element = h(
      'li',
      { 'data-testid': 'wb-queued' },
      h('span', { className: 'wb-queued-text' }, describeDraft(pinned, bytes.ok ? bytes.value.length : null)),
      edit,
      remove,
      verdict,
    );
    const item: QueuedFrame = { draft: pinned, sent: false, element, verdict };
    remove.addEventListener('click', () => {
      this.queue = this.queue.filter((other) => other !== item);
      element.remove();
      this.expect();
    });
    edit.addEventListener('click', () => {
      this.writeDraft(item.draft);
      this.refresh();
    });
    this.queue.push(item);
    this.queueList.append(element);
    this.expect();
  }

  private clearQueue(): void {
    this.queue = [];
    this.queueList.replaceChildren();
    this.expect();
  }

  /** Sends the frames queued and not yet sent, or the frame in the fields when none are. */
  /**
   * The queued frames Send writes next: those not sent yet; once a script of several has been
   * sent, all of it again (Clear script starts another); none when the fields' frame goes alone.
   */
  private nextScript(): QueuedFrame[] {
    const pending = this.queue.filter((item) => !item.sent);
    if (pending.length > 0) return pending;
    return this.queue.length > 1 ? this.queue : [];
  }

  private async send(): Promise<void> {
    let items = this.nextScript();
    if (items.length === 0) {
      this.addCurrent();
      items = this.queue.filter((item) => !item.sent);
      if (items.length === 0) return;
    }
    const built = buildScript(items.map((item) => item.draft));
    if (!built.ok) {
      this.showProblem(built.error);
      return;
    }
    const pause = Number(this.fields.pause.value.trim() || '0');
    this.checkOptions.onLearnerAct?.();
    this.sendButton.disabled = true;
    try {
      if (this.state !== 'open') await this.open();
      for (const item of items) {
        item.sent = true;
        item.element.dataset.sent = 'true';
        // Sent again: the last answers belong to the last time.
        item.verdict.replaceChildren();
        delete item.element.dataset.verdict;
      }
      this.expect();
      this.batch = { built: built.value, items };
      this.baseline = this.written;
      this.written += built.value.bytes.length;
      await this.client.send(built.value.bytes, built.value.writes, Number.isFinite(pause) ? pause : 0);
    } catch (error) {
      this.setState('closed', (error as Error).message);
    } finally {
      this.sendButton.disabled = false;
    }
  }

  private open(): Promise<void> {
    const target = this.fields.target.value.trim();
    this.written = 0;
    this.conn = null;
    this.setState('opening', `Opening a raw TCP connection to ${target || 'this server’s echo'}…`);
    return new Promise<void>((resolve, reject) => {
      this.opened = { resolve, reject };
      this.client.open(target || null).catch((error: Error) => this.failOpening(error.message));
    });
  }

  private failOpening(why: string): void {
    const waiting = this.opened;
    this.opened = null;
    waiting?.reject(new Error(why));
  }

  private onReply(reply: WorkbenchReply): void {
    switch (reply.type) {
      case 'opened':
        this.conn = reply.conn;
        this.setState(
          'open',
          `Connected to ${reply.target}: ${reply.status}. The inspector shows it as workbench ${reply.conn}.`,
        );
        this.opened?.resolve();
        this.opened = null;
        break;
      case 'sent':
        this.status.textContent = `Sent ${reply.bytes} B in ${reply.writes} write${reply.writes === 1 ? '' : 's'}; waiting for the server.`;
        break;
      case 'received':
        if (reply.omitted) {
          this.answer(
            `… ${reply.omitted} frames not listed here (the inspector has them)`,
            reply.sentBytes,
            null,
          );
        }
        for (const frame of reply.frames)
          this.answer(frame.description, reply.sentBytes, frame.close?.code ?? null);
        break;
      case 'closed': {
        const what = reply.dropped
          ? reply.by === 'target'
            ? 'dropped: the server ended TCP without a close frame'
            : 'TCP ended by the workbench'
          : null;
        if (what) this.answer(what, reply.sentBytes, null, true);
        this.setState('closed', `${capitalise(reply.summary)}. Send again to open a new connection.`);
        break;
      }
      case 'error':
        if (this.opened) {
          this.failOpening(reply.message);
          this.setState('closed', `Could not open: ${reply.message}.`);
        } else {
          this.status.textContent = `${capitalise(reply.message)}.`;
        }
        this.status.dataset.error = reply.code;
        break;
    }
  }

  /** Shows an answer beside the frame of the script in flight it answers. */
  private answer(text: string, sentBytes: number, closeCode: number | null, dropped = false): void {
    const batch = this.batch;
    if (!batch) return;
    const index = answeredFrame(batch.built, sentBytes - this.baseline, closeCode);
    const item = batch.items[Math.max(0, index)];
    if (!item) return;
    const line = h(
      'span',
      {
        className: `wb-answer${closeCode !== null || dropped ? ' wb-answer-end' : ''}`,
        'data-close-code': closeCode === null ? '' : String(closeCode),
      },
      text,
    );
    item.verdict.append(line);
    if (closeCode !== null || dropped)
      item.element.dataset.verdict = closeCode === null ? 'dropped' : String(closeCode);
  }

  private setState(state: ConnectionState, text: string): void {
    this.state = state;
    this.status.dataset.state = state;
    delete this.status.dataset.error;
    this.status.textContent = text;
    this.disconnectButton.disabled = state !== 'open';
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Puts the workbench beside the snippet editor, the two under one pair of tabs. */
export function mountWorkbench(editorPanel: HTMLElement, options: CheckPanelOptions = {}): WorkbenchPane {
  const pane = new WorkbenchPane(options);
  editorPanel.after(pane.element);
  mountTabs([
    { label: 'Snippet', testId: 'tab-snippet', panel: editorPanel },
    { label: 'Workbench', testId: 'tab-workbench', panel: pane.element },
  ]);
  return pane;
}
