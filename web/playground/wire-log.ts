// The terminal's wire log: this page's own connections (the terminal's and the snippet runs'),
// a line per frame, at most LINES_PER_SECOND of them; the rest are counted, and the inspector has
// them all, so a flood cannot bury the terminal. It reads the tap's live batches itself, so
// pausing the inspector's list does not pause it, and stamps each line with the time the server
// saw the frame, so the terminal can put it among the snippet's own output.

import type { TapFrameEvent, TapHelloEvent } from '../../core/tap/events';
import { describeFrame } from '../../core/wire/describe';
import { Opcode } from '../../core/wire/opcodes';
import { Connections, type Lane } from '../inspector/connections';
import { payloadBytes } from '../lib/bytes';
import type { TapBatch } from '../tap/tap-client';
import type { TerminalView } from './terminal';

const LINES_PER_SECOND = 60;

export class WireLog {
  private budget = { second: 0, lines: 0, skipped: 0 };
  /**
   * The page's clock minus the server's. The hello pairs the server's `t` with its wall clock;
   * on one machine the page shares that clock, which places a frame within a millisecond. No
   * event can have happened after it arrived, which bounds it from above when the server's
   * clock is another machine's (and is the only measure before the hello).
   */
  private offset = Number.POSITIVE_INFINITY;
  /** Per connection and direction, the opcode of the data message under way (RFC 6455 §5.4). */
  private readonly messageOpcodes = new Map<string, number>();

  constructor(
    private readonly terminal: TerminalView,
    private readonly connections: Connections,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The tap said hello: `serverTime` (ms since the epoch, whole) is the moment of `t`. */
  greeted(hello: Pick<TapHelloEvent, 'serverTime' | 't'>): void {
    // Date.now() drops the fraction: half a millisecond on average.
    const wall = hello.serverTime + 0.5 - hello.t - performance.timeOrigin;
    const arrived = this.now() - hello.t;
    this.offset = Math.min(wall, arrived);
  }

  /** Takes a live batch, after the inspector has sorted its events into lanes. */
  take(batch: TapBatch): void {
    if (batch.replayed) return;
    const arrived = this.now();
    for (const event of batch.events) {
      if (typeof event.t === 'number' && Number.isFinite(event.t))
        this.offset = Math.min(this.offset, arrived - event.t);
    }
    for (const event of batch.events) {
      if (event.type !== 'frame') continue;
      const lane = this.connections.lanes.get(Connections.keyOf(batch.instance, event.conn));
      if (lane) this.log(lane, event, batch.instance);
    }
  }

  private log(lane: Lane, event: TapFrameEvent, instance: string): void {
    const key = `${instance}/${event.conn}/${event.dir}`;
    let messageOpcode: number | undefined;
    if (event.opcode === Opcode.TEXT || event.opcode === Opcode.BINARY) {
      messageOpcode = event.opcode;
      if (event.fin) this.messageOpcodes.delete(key);
      else this.messageOpcodes.set(key, event.opcode);
    } else if (event.opcode === Opcode.CONTINUATION) {
      messageOpcode = this.messageOpcodes.get(key);
      if (event.fin) this.messageOpcodes.delete(key);
    }
    if (lane.role !== 'terminal' && lane.role !== 'run') return;
    const at = Number.isFinite(this.offset) ? event.t + this.offset : this.now();
    const second = Math.floor(this.now() / 1000);
    if (second !== this.budget.second) {
      if (this.budget.skipped > 0)
        this.terminal.print(
          `… ${this.budget.skipped} more frames not logged here; the inspector has them`,
          'system',
          at,
        );
      this.budget = { second, lines: 0, skipped: 0 };
    }
    if (++this.budget.lines > LINES_PER_SECOND) {
      this.budget.skipped++;
      return;
    }
    const line = describeFrame(
      {
        opcode: event.opcode,
        fin: event.fin,
        rsv1: event.rsv1,
        rsv2: event.rsv2,
        rsv3: event.rsv3,
        payloadLength: event.payloadLength,
        payload: payloadBytes(event.payload),
        ...(event.opcodeName === 'close'
          ? { close: { code: event.closeCode ?? null, reason: event.closeReason ?? '' } }
          : {}),
      },
      event.dir,
      messageOpcode,
    );
    this.terminal.print(
      `${lane.label} ${event.conn} ${line}`,
      event.dir === 'client' ? 'wire-out' : 'wire-in',
      at,
    );
  }
}
