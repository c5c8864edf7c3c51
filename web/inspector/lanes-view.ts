// The inspector's connection lanes: one row per connection (the newest few dozen), with its
// role, path, state, any protocol error, and its opening handshake folded up beneath it. A lane's
// head filters the frame list to that connection. Only lanes whose version changed are redrawn.

import { h } from '../lib/dom';
import { exportUrl } from '../lib/urls';
import { type Connections, isOwnLane, type Lane } from './connections';
import { handshakeSummary, httpExchangeSummary, renderHandshake } from './handshake-card';

const LANES_SHOWN = 60;
// Long-polling makes an HTTP exchange every few seconds for as long as it lasts: only the newest
// few per path are listed, so they never push the WebSockets out of the list.
export const HTTP_LANES_PER_PATH = 6;

export interface LanesViewOptions {
  /** A recording from a file: no per-connection downloads. */
  recording: boolean;
  exportBase: string;
  /** The lane's head was pressed: show only its frames, or all again. */
  onPickLane(key: string): void;
  /** A lane's handshake card was opened or closed (after it was filled). */
  onHandshakeToggle?(lane: HTMLElement, open: boolean): void;
  /** The newest connection at the top (the inspector-first view). */
  newestFirst?: boolean;
}

export class LanesView {
  readonly element: HTMLElement;
  private readonly entries = new Map<string, { element: HTMLElement; version: number }>();
  private drawnVersion = -1;
  private picked: string | null = null;
  /** List the sockets wslab's own pages opened (chat, terminal, snippets). */
  private showOwn = true;

  constructor(
    private readonly connections: Connections,
    private readonly options: LanesViewOptions,
  ) {
    this.element = h('div', { className: 'lanes', role: 'list', 'aria-label': 'Connections' });
  }

  /** The lane the frame list is filtered to, if any. */
  setPicked(key: string | null): void {
    if (key === this.picked) return;
    this.picked = key;
    this.drawnVersion = -1;
  }

  setShowOwn(show: boolean): void {
    if (show === this.showOwn) return;
    this.showOwn = show;
    this.drawnVersion = -1;
  }

  /** Draws the lanes again from scratch at the next render (after a clear). */
  invalidate(): void {
    this.drawnVersion = -1;
  }

  render(): void {
    if (this.connections.version === this.drawnVersion) return;
    this.drawnVersion = this.connections.version;
    const order = this.connections.order;
    const { shown, foldedHttp, ownHidden } = this.pick(order);
    const wanted = new Set(shown);
    for (const [key, entry] of this.entries) {
      if (!wanted.has(key)) {
        entry.element.remove();
        this.entries.delete(key);
      }
    }
    const box = this.element;
    const newestFirst = this.options.newestFirst ?? false;
    // The note on lanes not listed sits on the side of the older ones.
    let previous: Element | null = newestFirst ? null : box.querySelector('.lanes-hidden');
    for (const key of shown) {
      const lane = this.connections.lanes.get(key);
      if (!lane) continue;
      let entry = this.entries.get(key);
      if (!entry) {
        entry = { element: this.laneElement(lane), version: -1 };
        this.entries.set(key, entry);
      }
      if (entry.version !== lane.version || entry.element.dataset.selected !== String(this.picked === key)) {
        this.updateLane(entry.element, lane);
        entry.version = lane.version;
      }
      const expected: Element | null = previous ? previous.nextElementSibling : box.firstElementChild;
      if (expected !== entry.element) box.insertBefore(entry.element, expected);
      previous = entry.element;
    }
    const hidden = order.length - shown.length - ownHidden;
    box.dataset.hidden = String(hidden);
    box.dataset.ownHidden = String(ownHidden);
    let note = box.querySelector<HTMLElement>('.lanes-hidden');
    if (hidden > 0 || ownHidden > 0) {
      note ??= h('div', { className: 'lanes-hidden muted', role: 'listitem', 'data-testid': 'lanes-hidden' });
      const older =
        hidden === 0
          ? ''
          : foldedHttp === hidden
            ? `${hidden} older HTTP exchange${hidden === 1 ? '' : 's'} not listed (the newest ${HTTP_LANES_PER_PATH} per path are)`
            : `${hidden} older connection${hidden === 1 ? '' : 's'} not listed${foldedHttp > 0 ? `, ${foldedHttp} of them HTTP exchanges` : ''} (their frames are still ${newestFirst ? 'listed' : 'below'})`;
      const own =
        ownHidden === 0
          ? ''
          : `${ownHidden} of wslab’s own connection${ownHidden === 1 ? '' : 's'} hidden (tick “wslab’s own” to show ${ownHidden === 1 ? 'it' : 'them'})`;
      note.textContent = [older, own].filter(Boolean).join(' · ');
      if (newestFirst ? box.lastElementChild !== note : box.firstElementChild !== note) {
        if (newestFirst) box.append(note);
        else box.prepend(note);
      }
    } else note?.remove();
  }

  /**
   * The newest lanes, at most a few HTTP exchanges per path among them, without wslab's own when
   * those are hidden; oldest first unless the view wants the newest first.
   */
  private pick(order: readonly string[]): { shown: string[]; foldedHttp: number; ownHidden: number } {
    const shown: string[] = [];
    const perPath = new Map<string, number>();
    let foldedHttp = 0;
    let ownHidden = 0;
    for (let i = order.length - 1; i >= 0; i--) {
      const key = order[i]!;
      const lane = this.connections.lanes.get(key);
      // The lane the frames are filtered to is always listed, however old.
      const picked = key === this.picked;
      if (!this.showOwn && lane && isOwnLane(lane) && !picked) {
        ownHidden++;
        continue;
      }
      if (shown.length >= LANES_SHOWN && !picked) continue;
      const open = lane?.open;
      if (open?.kind === 'http') {
        const count = perPath.get(open.path) ?? 0;
        perPath.set(open.path, count + 1);
        if (count >= HTTP_LANES_PER_PATH && !picked) {
          foldedHttp++;
          continue;
        }
      }
      shown.push(key);
    }
    return { shown: this.options.newestFirst ? shown : shown.reverse(), foldedHttp, ownHidden };
  }

  private laneElement(lane: Lane): HTMLElement {
    const button = h('button', {
      type: 'button',
      className: 'lane-head',
      onclick: () => this.options.onPickLane(lane.key),
    });
    const details = h(
      'details',
      { className: 'handshake', 'data-testid': 'handshake' },
      h('summary', {}),
      h('div', { className: 'handshake-content' }),
    );
    const element = h(
      'div',
      { className: 'lane', role: 'listitem', 'data-testid': 'connection', 'data-key': lane.key },
      button,
      details,
    );
    details.addEventListener('toggle', () => {
      if (details.open) this.fillHandshake(details, lane);
      this.options.onHandshakeToggle?.(element, details.open);
    });
    return element;
  }

  private fillHandshake(details: HTMLElement, lane: Lane): void {
    const content = details.querySelector('.handshake-content')!;
    const { exportBase } = this.options;
    const children: (HTMLElement | null)[] = [
      lane.handshake
        ? renderHandshake(lane.handshake, lane.open?.upstream)
        : h('p', { className: 'muted' }, 'No handshake seen yet.'),
      !this.options.recording && !lane.lost
        ? h(
            'p',
            { className: 'lane-exports' },
            'Download this connection: ',
            h(
              'a',
              {
                href: exportUrl(exportBase, 'har', lane.conn),
                download: `wslab-${lane.conn}.har`,
                'data-testid': 'export-conn-har',
              },
              'HAR',
            ),
            ' · ',
            h(
              'a',
              {
                href: exportUrl(exportBase, 'pcapng', lane.conn),
                download: `wslab-${lane.conn}.pcapng`,
                'data-testid': 'export-conn-pcapng',
              },
              'pcapng',
            ),
          )
        : null,
    ];
    content.replaceChildren(...children.filter((child) => child !== null));
  }

  private updateLane(element: HTMLElement, lane: Lane): void {
    const selected = this.picked === lane.key;
    element.dataset.role = lane.role;
    element.dataset.label = lane.label;
    element.dataset.conn = lane.conn;
    element.dataset.selected = String(selected);
    const state = this.connections.state(lane);
    element.dataset.state = state.split(' ')[0]!;
    const button = element.querySelector<HTMLButtonElement>('.lane-head')!;
    const path = lane.open
      ? `${lane.open.path}${lane.open.query ? `?${new URLSearchParams(lane.open.query)}` : ''}`
      : '';
    button.replaceChildren(
      ...[
        h('span', { className: `role role-${lane.role}` }, lane.label),
        h('span', { className: 'conn' }, lane.conn),
        h('span', { className: 'path', title: path }, path),
        lane.handshake?.deflate
          ? h(
              'span',
              {
                className: 'deflate',
                'data-testid': 'lane-deflate',
                title: 'permessage-deflate was negotiated (RFC 7692): open the handshake for its parameters',
              },
              'deflate',
            )
          : null,
        h(
          'span',
          { className: 'state' },
          lane.open?.kind === 'http' ? state : `${state} · ${lane.frames} frames`,
        ),
      ].filter((child) => child !== null),
    );
    const error = lane.errors[lane.errors.length - 1];
    let errorLine = element.querySelector<HTMLElement>('.lane-error');
    if (error) {
      errorLine ??= element.insertBefore(h('div', { className: 'lane-error warn' }), button.nextSibling);
      errorLine.textContent = `${error.dir ? `${error.dir} broke the rules: ` : ''}${error.code}${error.closeCode ? ` (close ${error.closeCode})` : ''}: ${error.message}`;
    }
    button.setAttribute('aria-pressed', String(selected));
    // Named by what it shows (WCAG 2.5.3, label in name); what pressing it does is its description.
    button.setAttribute(
      'aria-description',
      selected ? 'Showing only this connection’s frames' : 'Show only this connection’s frames',
    );
    const details = element.querySelector<HTMLDetailsElement>('details')!;
    const summary = details.querySelector('summary')!;
    if (lane.handshake) {
      summary.replaceChildren(
        lane.open?.kind === 'http' ? httpExchangeSummary(lane.handshake) : handshakeSummary(lane.handshake),
      );
      details.hidden = false;
      if (details.open) this.fillHandshake(details, lane);
    } else {
      summary.textContent = 'handshake…';
    }
  }
}
