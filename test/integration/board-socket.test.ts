// The board's socket under a board that stops reading: bounded like a tap subscriber, it is sent
// nothing past its limit and, once it reads again, the board as it is then rather than a queue.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { BoardMessage, ProgressReport } from '../../core/classroom/board';
import { BoardSockets } from '../../server/classroom/board-socket';
import { ProgressStore } from '../../server/classroom/progress';

const TOKEN = 'teach-me-the-protocol-0123456789';
const LIMIT = 64 * 1024;
const LEARNERS = 1000;

let server: Server | null = null;
let boards: BoardSockets | null = null;

afterEach(async () => {
  boards?.close();
  if (server) await new Promise((resolve) => server!.close(resolve));
  server?.closeAllConnections();
});

function report(round: number): ProgressReport {
  return {
    nickname: `learner with a long enough name ${round}`.slice(0, 40),
    lesson: { slug: 'frames', title: 'x'.repeat(150), step: 1 + (round % 9), steps: 10 },
    checks: { passed: 0, total: 3 },
    shareTraffic: false,
  };
}

describe('a board that stops reading', () => {
  it('holds at most its limit unsent, then gets the latest board, not every one it missed', async () => {
    const store = new ProgressStore(() => performance.now(), {
      maxLearners: 1000,
      idleMs: 60_000,
      burst: 1000,
      perSecond: 1000,
    });
    boards = new BoardSockets({
      store,
      instructorToken: TOKEN,
      allowedHosts: [],
      now: () => performance.now(),
      sendLimit: LIMIT,
    });
    const board = boards;
    server = createServer();
    server.on('upgrade', (req, socket, head) => board.handle(req, socket, head));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;

    const client = new WebSocket(`ws://127.0.0.1:${port}/teach/board?token=${TOKEN}`);
    const received: BoardMessage[] = [];
    client.on('message', (data) => received.push(JSON.parse(String(data)) as BoardMessage));
    await once(client, 'message');
    // The board stops reading: its TCP socket is paused, so the server's side fills up.
    (client as unknown as { _socket: Socket })._socket.pause();
    const before = received.length;

    // Each board some 300 KB; 40 rounds of changes, one every 110 ms: far more than the socket
    // buffers of a loopback connection hold.
    let peak = 0;
    const rounds = 40;
    for (let round = 0; round < rounds; round++) {
      for (let n = 1; n <= LEARNERS; n++) store.report({ id: `l${n}`, number: n }, report(round));
      await new Promise((resolve) => setTimeout(resolve, 110));
      for (const ws of (board as unknown as { viewers: Set<{ ws: WebSocket }> }).viewers)
        peak = Math.max(peak, ws.ws.bufferedAmount);
    }
    const boardBytes = JSON.stringify(store.rows()).length;
    // Over the limit by at most the one board sent while it was still under it.
    expect(peak).toBeLessThanOrEqual(LIMIT + boardBytes + 1024);

    (client as unknown as { _socket: Socket })._socket.resume();
    const latestStep = 1 + ((rounds - 1) % 9);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const last = received.at(-1);
      if (last && last.rows.length === LEARNERS && last.rows.every((row) => row.lesson?.step === latestStep))
        break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const last = received.at(-1)!;
    expect(last.rows.every((row) => row.lesson?.step === latestStep)).toBe(true);
    // Far fewer boards than rounds of changes reached it: the missed ones were skipped, not queued.
    expect(received.length - before).toBeLessThan(rounds / 2);
    client.close();
  });
});
