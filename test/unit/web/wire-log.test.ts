import { describe, expect, it } from 'vitest';
import type { TapFrameEvent } from '../../../core/tap/events';
import { Connections } from '../../../web/inspector/connections';
import type { LineStyle, TerminalView } from '../../../web/playground/terminal';
import { WireLog } from '../../../web/playground/wire-log';
import { testLane } from './lane';
import { testFrame } from './tap-events';

interface Printed {
  text: string;
  style: LineStyle;
  at: number | undefined;
}

function frame(t: number, opcode: number, fin: boolean, hex: string): TapFrameEvent {
  const bytes = Uint8Array.from(hex.split(' ').filter(Boolean), (pair) => Number.parseInt(pair, 16));
  return testFrame({
    t,
    fin,
    opcode,
    payload: { base64: btoa(String.fromCharCode(...bytes)), truncated: false },
  });
}

function setUp(role: 'run' | 'chat'): { log: WireLog; printed: Printed[]; clock: { now: number } } {
  const printed: Printed[] = [];
  const terminal: TerminalView = {
    print: (text, style, at) => printed.push({ text, style, at }),
    clear() {},
    focus() {},
    setTheme() {},
  };
  const connections = new Connections('http://127.0.0.1');
  connections.lanes.set('i/c1', testLane({ key: 'i/c1', role, label: role === 'run' ? 'run 1' : 'chat' }));
  const clock = { now: 10_000 };
  return { log: new WireLog(terminal, connections, () => clock.now), printed, clock };
}

describe('WireLog', () => {
  it("shows a binary message's continuations as bytes and a text message's as text", () => {
    const { log, printed } = setUp('run');
    log.take({
      instance: 'i',
      replayed: false,
      events: [
        frame(1, 0x2, false, '00 00'),
        frame(2, 0x0, false, '00 00'),
        frame(3, 0x0, true, '00 01'),
        frame(4, 0x1, false, '68 69'),
        frame(5, 0x0, true, '21 00'),
      ],
    });
    expect(printed.map((line) => line.text)).toEqual([
      'run 1 c1 ← binary 2 B 00 00 (not FIN)',
      'run 1 c1 ← continuation 2 B 00 00 (not FIN)',
      'run 1 c1 ← continuation 2 B 00 01',
      'run 1 c1 ← text 2 B "hi" (not FIN)',
      'run 1 c1 ← continuation 2 B "!\\u0000"',
    ]);
  });

  it("stamps each line with the server's time on the page's clock, as the hello pairs them", () => {
    const { log, printed, clock } = setUp('run');
    // On one machine the wall clocks agree: t = 500 is 500 ms after the server started.
    const started = performance.timeOrigin + 2000;
    log.greeted({ serverTime: started + 500 - 0.5, t: 500 });
    clock.now = 2600;
    log.take({ instance: 'i', replayed: false, events: [frame(550, 0x1, true, '68')] });
    expect(printed[0]!.at).toBeCloseTo(2550, 5);
  });

  it("logs only this page's terminal and runs, and skips replayed history", () => {
    const chat = setUp('chat');
    chat.log.take({ instance: 'i', replayed: false, events: [frame(1, 0x1, true, '68')] });
    expect(chat.printed).toEqual([]);
    const run = setUp('run');
    run.log.take({ instance: 'i', replayed: true, events: [frame(1, 0x1, true, '68')] });
    expect(run.printed).toEqual([]);
  });
});
