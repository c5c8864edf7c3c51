// A page's control socket on /workbench, for the integration tests: it keeps every reply and
// waits for the ones a test expects.
import { once } from 'node:events';
import { WebSocket } from 'ws';
import type { ReceivedFrame, WorkbenchReply } from '../../core/workbench/control-protocol';
import type { RunningServer } from '../../server/server';
import { wsUrl } from './harness';

export type Reply<T extends WorkbenchReply['type']> = Extract<WorkbenchReply, { type: T }>;

export class Control {
  readonly replies: WorkbenchReply[] = [];
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.replies.push(JSON.parse(String(data)) as WorkbenchReply);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async open(server: RunningServer): Promise<Control> {
    const socket = new WebSocket(wsUrl(server, '/workbench'));
    const control = new Control(socket);
    await once(socket, 'open');
    return control;
  }

  ask(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  all<T extends WorkbenchReply['type']>(type: T): Reply<T>[] {
    return this.replies.filter((r): r is Reply<T> => r.type === type);
  }

  /** The next reply of this type after the `skip` earlier ones, waited for at most `timeoutMs`. */
  async next<T extends WorkbenchReply['type']>(type: T, skip = 0, timeoutMs = 20_000): Promise<Reply<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.all(type);
      if (found.length > skip) return found[skip]!;
      if (Date.now() > deadline) {
        throw new Error(`no "${type}" reply in ${timeoutMs} ms; got ${JSON.stringify(this.replies)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until the target has sent `count` frames. */
  async frames(count: number): Promise<ReceivedFrame[]> {
    for (let skip = 0; this.framesReceived().length < count; skip++) await this.next('received', skip);
    return this.framesReceived();
  }

  /** Every frame the target sent until it closed. */
  framesReceived(): ReceivedFrame[] {
    return this.replies.flatMap((r) => (r.type === 'received' ? r.frames : []));
  }

  close(): void {
    this.socket.close();
  }
}
