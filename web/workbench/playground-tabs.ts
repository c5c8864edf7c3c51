// Two tabs over the playground's middle: the snippet editor and the workbench share its room, one
// shown at a time (WAI-ARIA tabs: arrow keys move between them, Home and End to the ends).
import { h } from '../lib/dom';

export interface PlaygroundTab {
  label: string;
  testId: string;
  panel: HTMLElement;
}

/** Puts a tab list before the first panel; the first tab starts selected. Returns the list. */
export function mountTabs(tabs: PlaygroundTab[], onSelect?: (index: number) => void): HTMLElement {
  const buttons = tabs.map((tab, i) => {
    tab.panel.id ||= `panel-${tab.testId}`;
    tab.panel.setAttribute('role', 'tabpanel');
    return h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: `tab-${tab.testId}`,
        'data-testid': tab.testId,
        'aria-controls': tab.panel.id,
        'aria-selected': i === 0 ? 'true' : 'false',
        tabindex: i === 0 ? 0 : -1,
      },
      tab.label,
    );
  });
  const choose = (index: number, focus: boolean): void => {
    for (const [i, tab] of tabs.entries()) {
      const selected = i === index;
      buttons[i]!.setAttribute('aria-selected', String(selected));
      buttons[i]!.tabIndex = selected ? 0 : -1;
      tab.panel.hidden = !selected;
      tab.panel.setAttribute('aria-labelledby', buttons[i]!.id);
    }
    if (focus) buttons[index]!.focus();
    onSelect?.(index);
  };
  for (const [i, button] of buttons.entries()) {
    button.addEventListener('click', () => choose(i, false));
    button.addEventListener('keydown', (event) => {
      const last = buttons.length - 1;
      const next =
        event.key === 'ArrowRight'
          ? i === last
            ? 0
            : i + 1
          : event.key === 'ArrowLeft'
            ? i === 0
              ? last
              : i - 1
            : event.key === 'Home'
              ? 0
              : event.key === 'End'
                ? last
                : -1;
      if (next < 0) return;
      event.preventDefault();
      choose(next, true);
    });
  }
  const list = h(
    'div',
    { className: 'playground-tabs', role: 'tablist', 'aria-label': 'Snippet or workbench' },
    ...buttons,
  );
  tabs[0]!.panel.before(list);
  choose(0, false);
  return list;
}
