// `/teach`: the instructor's board. The server let this page in by the token in its address and
// left the token in an HttpOnly cookie, which the board's socket carries; the address loses the
// token at once, so that neither a screenshot nor the history shows it.
import '../styles.css';
import './teach.css';
import type { BoardMessage } from '../../core/classroom/board';
import { TEACH_BOARD_PATH, TEACH_PATH } from '../../core/routes';
import { byTestId } from '../lib/dom';
import { Theme } from '../lib/theme';
import { serverWsUrl } from '../lib/urls';
import { BoardView } from './board-view';

history.replaceState(null, '', TEACH_PATH);

const colours = new Theme();
document.querySelector('.app-head')!.append(colours.button);
const status = byTestId(document, 'board-status');
const view = new BoardView(location.origin);
byTestId(document, 'board').append(view.element);

// Reconnects after a drop, waiting longer each time up to this.
const MAX_RETRY_MS = 10_000;
let retryMs = 500;

function connect(): void {
  const socket = new WebSocket(`${serverWsUrl()}${TEACH_BOARD_PATH}`);
  let opened = false;
  socket.onopen = () => {
    opened = true;
    retryMs = 500;
    status.textContent = 'live';
    status.dataset.state = 'live';
  };
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as BoardMessage;
    if (message.type === 'board') view.show(message);
  };
  socket.onclose = () => {
    status.dataset.state = 'down';
    // A socket refused before it opened is most likely a board without the token's cookie (a
    // new browser profile, or the server restarted with another token).
    status.textContent = opened
      ? `connection lost; trying again in ${Math.round(retryMs / 1000)} s…`
      : `cannot reach the board; if wslab restarted, open its new /teach link (trying again in ${Math.round(retryMs / 1000)} s)`;
    setTimeout(connect, retryMs);
    retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
  };
}
connect();
