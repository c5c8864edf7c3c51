// The page's end of `/workbench`: one control socket, opened when first needed, that asks the
// server to open a raw connection, write bytes on it and end it, or to run a conformance check.
// Replies come back as they are (core/workbench/control-protocol.ts); this only turns them into calls.
import { WORKBENCH_PATH } from '../../core/routes';
import { toHex } from '../../core/wire/bytes';
import { parseWorkbenchReply, type WorkbenchReply } from '../../core/workbench/control-protocol';
import { serverWsUrl } from '../lib/urls';

export class WorkbenchClient {
  private socket: WebSocket | null = null;
  private ready: Promise<WebSocket> | null = null;

  constructor(
    private readonly onReply: (reply: WorkbenchReply) => void,
    /** The control socket itself closed or could not open: the page says so. */
    private readonly onLost: (why: string) => void,
  ) {}

  open(target: string | null): Promise<void> {
    return this.post(target ? { type: 'open', target } : { type: 'open' });
  }

  send(bytes: Uint8Array, writes: number[], pauseMs: number): Promise<void> {
    return this.post({ type: 'send', hex: toHex(bytes), writes, pauseMs });
  }

  close(): Promise<void> {
    return this.post({ type: 'close' });
  }

  /** Runs the conformance suite, or the cases the patterns pick; `target` null: this server's echo. */
  check(target: string | null, cases: string[]): Promise<void> {
    return this.post({ type: 'check', ...(target ? { target } : {}), ...(cases.length ? { cases } : {}) });
  }

  cancel(): Promise<void> {
    return this.post({ type: 'cancel' });
  }

  private async post(message: object): Promise<void> {
    const socket = await this.connect();
    socket.send(JSON.stringify(message));
  }

  private connect(): Promise<WebSocket> {
    if (this.ready && this.socket?.readyState === WebSocket.OPEN) return this.ready;
    if (this.ready && this.socket?.readyState === WebSocket.CONNECTING) return this.ready;
    const socket = new WebSocket(`${serverWsUrl()}${WORKBENCH_PATH}`);
    this.socket = socket;
    this.ready = new Promise<WebSocket>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(socket), { once: true });
      socket.addEventListener('message', (event) => {
        const reply = typeof event.data === 'string' ? parseWorkbenchReply(event.data) : null;
        if (reply) this.onReply(reply);
      });
      socket.addEventListener(
        'close',
        (event) => {
          if (this.socket === socket) this.socket = null;
          const why = `the workbench's control socket closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`;
          reject(new Error(why));
          this.onLost(why);
        },
        { once: true },
      );
    });
    return this.ready;
  }
}
