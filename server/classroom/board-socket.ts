// `/teach/board`: the instructor's board, live. Each socket is sent the whole board on connect and
// again after each change, at most every BOARD_MIN_INTERVAL_MS. A board that does not read is not
// queued for: while its socket holds more than the send limit, it is sent nothing, and once it
// drains it gets the board as it is then, so a slow board skips to the latest state.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { BoardMessage, BoardRow } from '../../core/classroom/board';
import { isAllowedHost, isSameOrigin } from '../host-check';
import { rejectHandshake } from '../reject-handshake';
import { isInstructor } from './instructor';

export const BOARD_MIN_INTERVAL_MS = 100;
/** How often a board is sent again with nothing reported: connection counts change on their own. */
export const BOARD_REFRESH_MS = 2000;
export const BOARD_MAX_SOCKETS = 8;
export const BOARD_SEND_LIMIT = 256 * 1024;

/** What the board shows: one server's progress store, or a class's shared board (shared-board.ts). */
export interface BoardSource {
  rows(): BoardRow[];
  /** Called after every change; returns how to stop. */
  onChange(listener: () => void): () => void;
}

export interface BoardSocketOptions {
  store: BoardSource;
  instructorToken: string;
  allowedHosts: readonly string[];
  /** The server's clock, as the store's `lastActivity`. */
  now: () => number;
  /** Unsent bytes per board past which it is sent nothing until it drains (BOARD_SEND_LIMIT). */
  sendLimit?: number;
}

interface Viewer {
  ws: WebSocket;
  /** The board last sent, so an unchanged one is not sent again. */
  sent: string;
}

export class BoardSockets {
  private readonly server = new WebSocketServer({
    noServer: true,
    maxPayload: 1024,
    perMessageDeflate: false,
  });
  private readonly viewers = new Set<Viewer>();
  private timer: NodeJS.Timeout | null = null;
  private lastSend = 0;
  private readonly stopListening: () => void;
  private refresh: NodeJS.Timeout | null = null;

  constructor(private readonly options: BoardSocketOptions) {
    this.stopListening = options.store.onChange(() => this.soon());
  }

  get count(): number {
    return this.viewers.size;
  }

  /**
   * The upgrade: the checks `/tap` makes (Host against DNS rebinding, Origin against cross-site
   * hijacking, RFC 6455 §10.2), then the instructor token. Refusals are plain HTTP answers and are
   * not journaled: the board is the instructor's, not a connection for the learners' tap.
   */
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const { host, origin } = req.headers;
    if (!isAllowedHost(host, this.options.allowedHosts)) {
      rejectHandshake(socket, 403, `Host "${host ?? ''}" is not allowed (DNS rebinding guard)`);
      return;
    }
    if (!isSameOrigin(origin, host)) {
      rejectHandshake(socket, 403, `the board only accepts pages from this server, not Origin ${origin}`);
      return;
    }
    if (!isInstructor(req, this.options.instructorToken)) {
      rejectHandshake(socket, 403, 'the board is for the instructor: open the /teach link wslab printed');
      return;
    }
    if (this.viewers.size >= BOARD_MAX_SOCKETS) {
      rejectHandshake(socket, 503, `the board has ${BOARD_MAX_SOCKETS} viewers already`, [
        ['Retry-After', '5'],
      ]);
      return;
    }
    this.server.handleUpgrade(req, socket, head, (ws) => {
      const viewer: Viewer = { ws, sent: '' };
      this.viewers.add(viewer);
      ws.on('error', () => {});
      ws.on('message', () => {});
      ws.once('close', () => {
        this.viewers.delete(viewer);
        if (this.viewers.size === 0 && this.refresh) {
          clearInterval(this.refresh);
          this.refresh = null;
        }
      });
      this.refresh ??= setInterval(() => this.sendAll(), BOARD_REFRESH_MS).unref();
      this.send(viewer, this.board());
    });
  }

  close(): void {
    this.stopListening();
    if (this.timer) clearTimeout(this.timer);
    if (this.refresh) clearInterval(this.refresh);
    this.timer = null;
    this.refresh = null;
    for (const { ws } of this.viewers) ws.close(1001, 'server shutting down');
    this.viewers.clear();
  }

  private soon(): void {
    if (this.timer || this.viewers.size === 0) return;
    const wait = Math.max(0, this.lastSend + BOARD_MIN_INTERVAL_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.sendAll();
    }, wait);
    this.timer.unref();
  }

  private sendAll(): void {
    this.lastSend = performance.now();
    if (this.viewers.size === 0) return;
    const board = this.board();
    let behind = false;
    for (const viewer of this.viewers) if (!this.send(viewer, board)) behind = true;
    // A viewer over its limit is tried again once its socket has had time to drain.
    if (behind && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.sendAll();
      }, BOARD_MIN_INTERVAL_MS * 5);
      this.timer.unref();
    }
  }

  /** Sends unless the viewer already has this board or is over its limit; false when over. */
  private send(viewer: Viewer, board: { rows: string; message: () => string }): boolean {
    if (viewer.ws.readyState !== viewer.ws.OPEN) return true;
    if (viewer.sent === board.rows) return true;
    if (viewer.ws.bufferedAmount > (this.options.sendLimit ?? BOARD_SEND_LIMIT)) return false;
    viewer.sent = board.rows;
    viewer.ws.send(board.message());
    return true;
  }

  private board(): { rows: string; message: () => string } {
    const rows = this.options.store.rows();
    const key = JSON.stringify(rows);
    return {
      rows: key,
      message: () => {
        const message: BoardMessage = { type: 'board', now: this.options.now(), rows };
        return JSON.stringify(message);
      },
    };
  }
}
