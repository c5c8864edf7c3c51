// Which of the page's two views this is, from its address (`/?view=inspector`), and the link to
// the other one. The server's `--inspect` sends `/` to the inspector-first view.
import { PAGE_VIEWS, type PageView, VIEW_PARAM } from '../../core/routes';
import { h } from './dom';

export function currentView(search = location.search): PageView {
  const asked = new URLSearchParams(search).get(VIEW_PARAM);
  return PAGE_VIEWS.find((view) => view === asked) ?? 'playground';
}

/** The header's link to the other view, with the key that follows it. */
export function viewSwitch(view: PageView): HTMLElement {
  const other: PageView = view === 'inspector' ? 'playground' : 'inspector';
  return h(
    'a',
    {
      className: 'view-switch',
      'data-testid': 'view-switch',
      href: `/?${VIEW_PARAM}=${other}`,
      title:
        other === 'inspector'
          ? 'The inspector alone, full width, newest frames first: for watching your own app through /proxy'
          : 'Lessons, chat, editor and terminal beside the inspector',
    },
    other === 'inspector' ? 'Inspector view' : 'Playground',
  );
}
