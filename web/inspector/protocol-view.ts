// What a frame means in its lane's application protocol: the label at the start of its row, and
// at the top of its detail the decoded fields as a tree, the protocol's order warnings, and links
// to the related frames (an emit and its ack, a packet and its binary attachments, a subscription
// and its messages) that select them when clicked.
import type { DecodedMessage } from '../../core/protocols/protocol';
import { PROTOCOLS } from '../../core/protocols/registry';
import { h } from '../lib/dom';
import type { FrameRow, FrameStore } from './frame-store';
import { renderJsonTree } from './json-tree';
import './protocol-view.css';

/** Links shown per frame; a long subscription's other messages are counted beyond these. */
const MAX_LINKS = 6;

const titleOf = (decoded: DecodedMessage): string =>
  PROTOCOLS.find((p) => p.id === decoded.protocol)?.title ?? decoded.protocol;

/** The warnings' texts, for a row's `data-warning` and its tooltip. */
export function protocolWarningText(decoded: DecodedMessage | undefined): string {
  return decoded ? decoded.warnings.map((w) => w.text).join('; ') : '';
}

/** Fills a row's preview cell: the decoded label (when the lane speaks a known protocol), then the text. */
export function fillPreview(cell: HTMLElement, decoded: DecodedMessage | undefined, text: string): void {
  if (!decoded) {
    cell.textContent = text;
    return;
  }
  cell.replaceChildren(
    h(
      'span',
      {
        className: 'protocol-label',
        'data-testid': 'protocol-label',
        'data-protocol': decoded.protocol,
        'data-kind': decoded.kind,
        title: `${titleOf(decoded)}: ${decoded.label}`,
      },
      decoded.label,
    ),
    ` ${text}`,
  );
}

/** The other frames of the same lane that share a link key with this one, oldest first. */
export function linkedFrames(store: FrameStore, record: FrameRow): FrameRow[] {
  const keys = record.protocol?.links;
  if (!keys || keys.length === 0) return [];
  const found: FrameRow[] = [];
  for (let id = store.firstId; id < store.firstId + store.size; id++) {
    const other = store.get(id);
    if (!other || other === record || other.lane !== record.lane || !other.protocol) continue;
    if (other.protocol.links.some((key) => keys.includes(key))) found.push(other);
  }
  return found;
}

export function renderProtocolDetail(
  record: FrameRow,
  store: FrameStore,
  onPick: (id: number) => void,
): HTMLElement | null {
  const decoded = record.protocol;
  if (!decoded) return null;
  const linked = linkedFrames(store, record);
  const shown = linked.slice(0, MAX_LINKS);
  return h(
    'section',
    {
      className: 'protocol-detail',
      'data-testid': 'protocol-detail',
      'data-protocol': decoded.protocol,
      'aria-label': `${titleOf(decoded)} message`,
    },
    h(
      'div',
      { className: 'protocol-heading' },
      h('span', { className: 'muted' }, `${titleOf(decoded)} · `),
      h('strong', { 'data-testid': 'protocol-kind' }, decoded.label),
    ),
    decoded.warnings.length > 0
      ? h(
          'div',
          {
            className: 'sequence-warning',
            'data-testid': 'protocol-warning',
            'data-level': decoded.warnings.some((w) => w.level === 'error') ? 'error' : 'caution',
            role: 'alert',
          },
          ...decoded.warnings.map((w) =>
            h(
              'p',
              { 'data-code': w.code },
              h('span', { className: 'sequence-warning-icon', 'aria-hidden': 'true' }, '⚠ '),
              h('strong', {}, w.level === 'error' ? 'Out of order: ' : 'Careful: '),
              w.text,
            ),
          ),
        )
      : null,
    shown.length > 0
      ? h(
          'div',
          { className: 'protocol-links', role: 'group', 'aria-label': 'Related frames' },
          ...shown.map((other) =>
            h(
              'button',
              {
                type: 'button',
                className: 'protocol-link',
                'data-testid': 'protocol-link',
                'data-target': String(other.id),
                title: `Select this ${other.event.dir === 'client' ? 'client' : 'server'} frame`,
                onclick: () => onPick(other.id),
              },
              `linked: ${other.protocol?.label ?? ''} ${other.event.dir === 'client' ? '→' : '←'}`,
            ),
          ),
          linked.length > shown.length
            ? h('span', { className: 'muted' }, `and ${linked.length - shown.length} more`)
            : null,
        )
      : null,
    renderJsonTree(decoded.tree),
  );
}
