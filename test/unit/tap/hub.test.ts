import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TapErrorEvent } from '../../../core/tap/events';
import { TapHub, type TapSink } from '../../../server/tap/hub';

const utf8 = new TextDecoder();

/**
 * A subscriber as the hub sees one: it takes text and says how much is still queued. `stalled`
 * makes it a peer that reads nothing, so every message sent stays queued.
 */
class FakeSubscriber implements TapSink {
  readonly messages: Record<string, unknown>[][] = [];
  bufferedAmount = 0;
  stalled = false;

  send(data: string | Uint8Array): void {
    const text = typeof data === 'string' ? data : utf8.decode(data);
    if (this.stalled) this.bufferedAmount += text.length;
    this.messages.push(JSON.parse(text));
  }

  /** Every event received, in order, flattened out of their batches. */
  get events(): Record<string, unknown>[] {
    return this.messages.flat();
  }

  codes(): unknown[] {
    return this.events.map((event) => (event.type === 'error' ? event.message : event.type));
  }
}

// Events told apart by their message: the hub passes any event on as it is.
const event = (label: string): TapErrorEvent => ({
  type: 'error',
  conn: 'c1',
  t: 0,
  code: 'TAP_BEHIND',
  message: label,
});

const hubs: TapHub[] = [];
function hub(options: ConstructorParameters<typeof TapHub>[0] = {}): TapHub {
  // On this thread: the test reads what the hub delivers without a worker in between.
  const created = new TapHub({ thread: false, ...options });
  hubs.push(created);
  return created;
}

/** Lets the hub send a new subscriber its hello and history. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

afterEach(async () => {
  for (const created of hubs.splice(0)) await created.close();
});

describe('TapHub', () => {
  it('greets a new subscriber with hello and the history, then sends it live events', async () => {
    const tap = hub({ historySize: 2, payloadCap: 1024, maxPayload: 4096 });
    for (const label of ['A', 'B', 'C']) tap.publish(event(label));
    const subscriber = new FakeSubscriber();
    tap.subscribe(subscriber);
    await settle();
    expect(subscriber.events[0]).toMatchObject({
      type: 'hello',
      history: 2,
      payloadCap: 1024,
      maxPayload: 4096,
    });
    // The history keeps the last two events only.
    expect(subscriber.codes()).toEqual(['hello', 'B', 'C']);
    tap.publish(event('D'));
    await tap.flush();
    expect(subscriber.codes()).toEqual(['hello', 'B', 'C', 'D']);
  });

  it('sends each live batch once to every subscriber, and counts what it published', async () => {
    const tap = hub();
    const first = new FakeSubscriber();
    const second = new FakeSubscriber();
    tap.subscribe(first);
    tap.subscribe(second);
    await settle();
    tap.publish(event('A'));
    tap.publish(event('B'));
    await tap.flush();
    expect(first.messages.at(-1)?.map((e) => e.message)).toEqual(['A', 'B']);
    expect(second.codes()).toEqual(first.codes());
    expect(tap.published).toBe(2);
  });

  it('skips a subscriber over its send limit, then tells it how many events it missed', async () => {
    const tap = hub({ maxBufferedBytes: 100 });
    const slow = new FakeSubscriber();
    const fast = new FakeSubscriber();
    tap.subscribe(slow);
    tap.subscribe(fast);
    await settle();
    slow.bufferedAmount = 101;
    tap.publish(event('A'));
    await tap.flush();
    tap.publish(event('B'));
    tap.publish(event('C'));
    await tap.flush();
    expect(slow.codes()).toEqual(['hello']);
    expect(fast.codes()).toEqual(['hello', 'A', 'B', 'C']);

    slow.bufferedAmount = 0;
    tap.publish(event('D'));
    await tap.flush();
    expect(slow.messages.slice(1)).toEqual([
      [expect.objectContaining({ type: 'dropped', count: 3 })],
      [event('D')],
    ]);
  });

  it('tells a subscriber what it missed once it drains, even when no new event comes', async () => {
    const tap = hub({ maxBufferedBytes: 100 });
    const slow = new FakeSubscriber();
    tap.subscribe(slow);
    await settle();
    slow.bufferedAmount = 500;
    tap.publish(event('A'));
    await tap.flush();
    slow.bufferedAmount = 0;
    await vi.waitFor(() => expect(slow.events.at(-1)).toMatchObject({ type: 'dropped', count: 1 }), {
      timeout: 2000,
    });
  });

  it('does not count the history a new subscriber is still reading against its limit', async () => {
    const tap = hub({ maxBufferedBytes: 1000 });
    for (let i = 0; i < 30; i++) tap.publish(event(`H${i}`));
    const reader = new FakeSubscriber();
    reader.stalled = true;
    tap.subscribe(reader);
    await settle();
    expect(reader.bufferedAmount).toBeGreaterThan(1500);
    tap.publish(event('live'));
    await tap.flush();
    expect(reader.codes().at(-1)).toBe('live');
    // Past the history's allowance it is behind like any other.
    reader.bufferedAmount += 1000;
    tap.publish(event('later'));
    await tap.flush();
    expect(reader.codes().at(-1)).toBe('live');
  });

  it('sends nothing more to a subscriber once it has unsubscribed', async () => {
    const tap = hub();
    const leaving = new FakeSubscriber();
    const staying = new FakeSubscriber();
    const unsubscribe = tap.subscribe(leaving);
    tap.subscribe(staying);
    await settle();
    unsubscribe();
    tap.publish(event('A'));
    await tap.flush();
    expect(leaving.codes()).toEqual(['hello']);
    expect(staying.codes()).toEqual(['hello', 'A']);
  });

  it('sends no history to a subscriber that left before it was ready', async () => {
    const tap = hub();
    tap.publish(event('A'));
    const gone = new FakeSubscriber();
    tap.subscribe(gone)();
    await settle();
    expect(gone.messages).toEqual([]);
  });

  it('keeps serving the others when one subscriber throws on send', async () => {
    const tap = hub();
    const broken: TapSink = {
      bufferedAmount: 0,
      send() {
        throw new Error('socket gone');
      },
    };
    const healthy = new FakeSubscriber();
    tap.subscribe(broken);
    tap.subscribe(healthy);
    await settle();
    tap.publish(event('A'));
    await tap.flush();
    expect(healthy.codes()).toEqual(['hello', 'A']);
  });
});
