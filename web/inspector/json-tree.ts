// A parsed JSON value as a collapsible tree: objects and arrays are <details> elements, so
// they open and close with the mouse, Enter or Space, and screen readers announce them, with no
// script of ours. The value and the first two levels of fields in it start open (a Live API
// message's kind and what it holds); deeper ones are built only when opened, and
// long arrays show their first items, so a message of thousands of items costs nothing until read.
import { h } from '../lib/dom';
import { containerSummary, formatCount, shortString } from './message-json';
import './live-view.css';

/** The deepest level open from the start: 0 is the value itself, 1 its fields, 2 theirs. */
const OPEN_DEPTH = 2;
/** Children built per object or array; the rest are counted. */
const MAX_CHILDREN = 200;

function keyLabel(key: string | number | null): HTMLElement | null {
  if (key === null) return null;
  return h(
    'span',
    { className: typeof key === 'number' ? 'json-index' : 'json-key' },
    typeof key === 'number' ? String(key) : key,
    h('span', { className: 'json-punct' }, ': '),
  );
}

function leaf(value: unknown): HTMLElement {
  if (typeof value === 'string') {
    const { shown, rest } = shortString(value);
    return h(
      'span',
      { className: 'json-string', title: rest ? `a string of ${value.length} characters` : null },
      shown,
      rest ? h('span', { className: 'json-more' }, rest) : null,
    );
  }
  const kind = value === null ? 'null' : typeof value;
  return h('span', { className: `json-${kind}` }, value === null ? 'null' : String(value));
}

function children(value: object, depth: number): HTMLElement {
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.slice(0, MAX_CHILDREN).map((item, i) => [i, item])
    : Object.entries(value).slice(0, MAX_CHILDREN);
  const total = Array.isArray(value) ? value.length : Object.keys(value).length;
  const list = h('ul', { className: 'json-children' });
  for (const [key, child] of entries) list.appendChild(h('li', {}, node(child, key, depth + 1)));
  if (total > entries.length) {
    list.appendChild(
      h(
        'li',
        { className: 'json-more' },
        `… ${formatCount(total - entries.length)} more (the raw payload has them all)`,
      ),
    );
  }
  return list;
}

function node(value: unknown, key: string | number | null, depth: number): HTMLElement {
  const isContainer = typeof value === 'object' && value !== null;
  const empty = isContainer && (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0);
  if (!isContainer || empty) {
    return h(
      'div',
      { className: 'json-leaf' },
      keyLabel(key),
      empty ? h('span', { className: 'json-punct' }, Array.isArray(value) ? '[]' : '{}') : leaf(value),
    );
  }
  const open = depth <= OPEN_DEPTH;
  const details = h(
    'details',
    { className: 'json-node', open, 'data-depth': depth },
    h('summary', {}, keyLabel(key), h('span', { className: 'json-summary' }, containerSummary(value))),
  );
  if (open) details.appendChild(children(value, depth));
  else {
    // Built on first opening: a collapsed subtree may be large and is often never looked at.
    const fill = () => {
      if (details.open && details.childElementCount === 1) details.appendChild(children(value, depth));
    };
    details.addEventListener('toggle', fill);
  }
  return details;
}

/** The tree for a parsed JSON value. */
export function renderJsonTree(value: unknown): HTMLElement {
  return h(
    'div',
    {
      className: 'json-tree',
      'data-testid': 'json-tree',
      role: 'group',
      'aria-label': 'The message as JSON',
    },
    node(value, null, 0),
  );
}
