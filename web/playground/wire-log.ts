// The terminal's wire log: this page's own connections (the terminal's and the snippet runs'),
// a line per frame, at most LINES_PER_SECOND of them; the rest are counted, and the inspector has
// them all, so a flood cannot bury the terminal.

import { describeFrame } from '../../core/wire/describe';
import type { FrameRow } from '../inspector/frame-store';
import { payloadBytes } from '../lib/bytes';
import type { TerminalView } from './terminal';

const LINES_PER_SECOND = 60;

export class WireLog {
  private budget = { second: 0, lines: 0, skipped: 0 };

  constructor(private readonly terminal: TerminalView) {}

  /** Logs a frame if it belongs to the terminal or a run, and the second's budget allows. */
  log(record: FrameRow): void {
    const role = record.lane.role;
    if (role !== 'terminal' && role !== 'run') return;
    const now = Math.floor(performance.now() / 1000);
    if (now !== this.budget.second) {
      if (this.budget.skipped > 0)
        this.terminal.print(
          `… ${this.budget.skipped} more frames not logged here; the inspector has them`,
          'system',
        );
      this.budget = { second: now, lines: 0, skipped: 0 };
    }
    if (++this.budget.lines > LINES_PER_SECOND) {
      this.budget.skipped++;
      return;
    }
    const event = record.event;
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
    );
    this.terminal.print(
      `${record.lane.label} ${event.conn} ${line}`,
      event.dir === 'client' ? 'wire-out' : 'wire-in',
    );
  }
}
