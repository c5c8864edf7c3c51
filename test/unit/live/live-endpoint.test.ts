// The adapter between a LiveSession and a socket, driven with a stand-in socket and fake timers:
// what it sends when, and that it leaves no timer behind and lets nothing escape a handler.
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { LIVE_PATH, livePath } from '../../../core/routes';
import { liveEndpoint, serveLive } from '../../../server/live/live-endpoint';
import { LIVE_DEFAULTS, type LiveOptions, parseLiveOptions } from '../../../server/live/live-options';

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  sent: { data: string; binary: boolean }[] = [];
  closedWith: [number, string] | null = null;
  terminated = false;
  failSends = false;

  send(data: string, options: { binary: boolean }): void {
    if (this.failSends) throw new Error('socket exploded');
    this.sent.push({ data, binary: options.binary });
  }

  close(code: number, reason: string): void {
    this.closedWith = [code, reason];
    this.readyState = 2;
  }

  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }

  /** What a client sends, as `ws` hands it over. */
  receive(message: unknown): void {
    this.emit('message', Buffer.from(JSON.stringify(message)), false);
  }

  messages(): unknown[] {
    return this.sent.map((entry) => JSON.parse(entry.data));
  }
}

function serve(overrides: Partial<LiveOptions> = {}): FakeSocket {
  const socket = new FakeSocket();
  serveLive(socket as unknown as WebSocket, { ...LIVE_DEFAULTS, ...overrides });
  return socket;
}

const setup = {
  setup: { model: 'models/gemini-2.0-flash-live-001', generationConfig: { responseModalities: ['TEXT'] } },
};
const turn = { clientContent: { turns: [{ parts: [{ text: 'hi' }] }], turnComplete: true } };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('serveLive', () => {
  it('streams one message each chunkMs', () => {
    const socket = serve({ chunkMs: 100 });
    socket.receive(setup);
    socket.receive(turn);
    expect(socket.messages()).toEqual([{ setupComplete: {} }]);
    vi.advanceTimersByTime(99);
    expect(socket.sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(socket.messages()[1]).toEqual({
      serverContent: { modelTurn: { parts: [{ text: 'You said ' }] } },
    });
    vi.advanceTimersByTime(400);
    expect(socket.messages().at(-1)).toMatchObject({ serverContent: { turnComplete: true } });
  });

  it('clears every timer when the socket closes, mid-answer included', () => {
    const socket = serve({ chunkMs: 100 });
    socket.receive(setup);
    socket.receive(turn);
    vi.advanceTimersByTime(100);
    expect(vi.getTimerCount()).toBe(4); // the stream, the goAway, the connection's and the session's limits
    socket.emit('close', 1000, Buffer.alloc(0));
    expect(vi.getTimerCount()).toBe(0);
    const count = socket.sent.length;
    vi.advanceTimersByTime(LIVE_DEFAULTS.sessionMs);
    expect(socket.sent).toHaveLength(count);
  });

  it('clears every timer when it closes the session itself', () => {
    const socket = serve();
    socket.receive(turn);
    expect(socket.closedWith).toEqual([1008, 'the first message must be setup, got clientContent']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends goAway timeLeft before the connection limit, then closes with 1011 at the limit', () => {
    const socket = serve({ sessionMs: 60_000, goAwayMs: 10_000 });
    socket.receive(setup);
    vi.advanceTimersByTime(49_999);
    expect(socket.sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(socket.messages()[1]).toEqual({ goAway: { timeLeft: '10s' } });
    vi.advanceTimersByTime(10_000);
    expect(socket.closedWith).toEqual([1011, 'Deadline expired before operation could complete.']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends JSON in binary frames, as the public service does, and in text frames when asked to', () => {
    const socket = serve();
    socket.receive(setup);
    expect(socket.sent).toEqual([{ data: '{"setupComplete":{}}', binary: true }]);
    const text = serve({ binary: false });
    text.receive(setup);
    expect(text.sent).toEqual([{ data: '{"setupComplete":{}}', binary: false }]);
  });

  it('drops the connection without a close frame after dropAfter messages', () => {
    const socket = serve({ dropAfter: 1, chunkMs: 10 });
    socket.receive(setup);
    expect(socket.terminated).toBe(true);
    expect(socket.closedWith).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
    socket.receive(turn);
    vi.advanceTimersByTime(1000);
    expect(socket.sent).toHaveLength(1);
  });

  it('closes with 1011 instead of throwing when sending fails', () => {
    const socket = serve();
    socket.failSends = true;
    expect(() => socket.receive(setup)).not.toThrow();
    expect(socket.closedWith).toEqual([1011, 'internal error: socket exploded']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ignores messages once the session is closed', () => {
    const socket = serve();
    socket.emit('message', Buffer.from('not json'), false);
    expect(socket.closedWith?.[0]).toBe(1007);
    socket.receive(setup);
    expect(socket.sent).toEqual([]);
  });
});

describe('the live endpoint', () => {
  it('answers at the public path under /live only', () => {
    expect(LIVE_PATH).toBe(
      '/live/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent',
    );
    expect(liveEndpoint.kind).toBe('live');
    expect(liveEndpoint.matches(LIVE_PATH)).toBe(true);
    expect(liveEndpoint.matches(`${LIVE_PATH}/`)).toBe(false);
    expect(liveEndpoint.matches('/live')).toBe(false);
  });

  it('answers at every API version the SDKs open, and at no other', () => {
    for (const version of ['v1', 'v1beta', 'v1alpha'] as const) {
      expect(liveEndpoint.matches(livePath(version))).toBe(true);
    }
    expect(livePath('v1')).toBe(
      '/live/ws/google.ai.generativelanguage.v1.GenerativeService.BidiGenerateContent',
    );
    expect(liveEndpoint.matches(LIVE_PATH.replace('v1beta', 'v2'))).toBe(false);
    expect(liveEndpoint.matches(LIVE_PATH.replace('v1beta', 'v1beta2'))).toBe(false);
  });
});

describe('parseLiveOptions', () => {
  const parse = (query: string) => parseLiveOptions(new URLSearchParams(query));

  it('gives realistic defaults', () => {
    expect(parse('')).toEqual({ ok: true, value: LIVE_DEFAULTS });
    expect(LIVE_DEFAULTS).toMatchObject({
      chunkMs: 40,
      silenceMs: 500,
      sessionMs: 600_000,
      goAwayMs: 60_000,
      binary: true,
    });
  });

  it('reads timings, limits and faults', () => {
    expect(parse('chunkMs=0&silenceMs=80&silenceLevel=100&maxChunkMs=200&binary=0&dropAfter=3')).toEqual({
      ok: true,
      value: {
        ...LIVE_DEFAULTS,
        chunkMs: 0,
        silenceMs: 80,
        silenceLevel: 100,
        maxChunkMs: 200,
        binary: false,
        dropAfter: 3,
      },
    });
  });

  it('turns goAwayAfter into a session limit goAwayMs later', () => {
    expect(parse('goAwayAfter=500&goAwayMs=2000')).toMatchObject({
      value: { sessionMs: 2500, goAwayMs: 2000 },
    });
    expect(parse('goAwayAfter=500&sessionMs=9000')).toEqual({
      ok: false,
      error: 'give sessionMs or goAwayAfter, not both',
    });
  });

  it('accepts and ignores the credentials a public-endpoint URL carries', () => {
    expect(parse('key=abc&access_token=def')).toEqual({ ok: true, value: LIVE_DEFAULTS });
  });

  it.each([
    ['chunkMs=-1', /^chunkMs must be a whole number from 0 to 5000/],
    ['silenceMs=0', /^silenceMs must be a whole number from 1 to/],
    ['sessionMs=1e3', /^sessionMs must be a whole number/],
    ['binary=yes', /^binary must be 1 or 0, got "yes"$/],
    ['fragment=5', /^unknown live parameter "fragment"; known: chunkMs, /],
  ])('refuses %s, naming the rule', (query, error) => {
    const parsed = parse(query);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(error);
  });
});
