// A plain `ws` client of the local Live API for integration tests: it keeps every server message
// (with the frame type it came in) and reads them in order, as a learner's code would.
import { once } from 'node:events';
import { expect } from 'vitest';
import { WebSocket } from 'ws';
import type { LiveServerMessage, Part } from '../../core/live/live-messages';
import { LIVE_PATH } from '../../core/routes';

/** A model the public reference documents for the Live API. */
export const LIVE_MODEL = 'models/gemini-live-2.5-flash-preview';

export class LiveClient {
  readonly received: { message: LiveServerMessage; isBinary: boolean }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private cursor = 0;
  private wake: (() => void) | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      this.received.push({ message: JSON.parse(data.toString('utf8')) as LiveServerMessage, isBinary });
      this.wake?.();
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', (code: number, reason: Buffer) => {
        resolve({ code, reason: reason.toString('utf8') });
        this.wake?.();
      });
    });
  }

  /** Opens a connection on `port`; its messages are recorded from the very first byte. */
  static async open(port: number, query = '', path = LIVE_PATH): Promise<LiveClient> {
    const client = new LiveClient(new WebSocket(`ws://127.0.0.1:${port}${path}${query}`));
    await once(client.socket, 'open');
    return client;
  }

  /** Opens a connection and completes the setup. */
  static async ready(
    port: number,
    query = '',
    setup: Record<string, unknown> = {},
    path = LIVE_PATH,
  ): Promise<LiveClient> {
    const client = await LiveClient.open(port, query, path);
    client.send({ setup: { model: LIVE_MODEL, ...setup } });
    expect(await client.until((m) => m.setupComplete !== undefined)).toEqual([{ setupComplete: {} }]);
    return client;
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  /** The messages after the last one read, up to and including the first that matches. */
  async until(
    match: (message: LiveServerMessage) => boolean,
    timeoutMs = 5000,
  ): Promise<LiveServerMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.received.findIndex((entry, i) => i >= this.cursor && match(entry.message));
      if (at >= 0) {
        const read = this.received.slice(this.cursor, at + 1).map((entry) => entry.message);
        this.cursor = at + 1;
        return read;
      }
      if (this.socket.readyState === WebSocket.CLOSED) {
        throw new Error(`closed before the expected message; unread: ${JSON.stringify(this.unread())}`);
      }
      if (Date.now() > deadline) throw new Error(`timed out; unread: ${JSON.stringify(this.unread())}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  unread(): LiveServerMessage[] {
    return this.received.slice(this.cursor).map((entry) => entry.message);
  }

  close(): void {
    this.socket.close();
  }
}

export const isTurnComplete = (m: LiveServerMessage): boolean => m.serverContent?.turnComplete === true;

export const partsOf = (messages: LiveServerMessage[]): Part[] =>
  messages.flatMap((m) => m.serverContent?.modelTurn?.parts ?? []);

export const textOf = (messages: LiveServerMessage[]): string =>
  partsOf(messages)
    .map((p) => p.text ?? '')
    .join('');

export function textTurn(text: string, turnComplete = true): unknown {
  return { clientContent: { turns: [{ role: 'user', parts: [{ text }] }], turnComplete } };
}

/** A 500 Hz square wave at ±8000: every sample is well above the silence level, so counts are exact. */
export function speech(ms: number, rate = 16_000): Int16Array {
  const samples = new Int16Array((ms * rate) / 1000);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.floor(i / (rate / 1000)) % 2 ? -8000 : 8000;
  return samples;
}

export function silence(ms: number, rate = 16_000): Int16Array {
  return new Int16Array((ms * rate) / 1000);
}

export function audioInput(samples: Int16Array, mimeType = 'audio/pcm;rate=16000'): unknown {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).toString('base64');
  return { realtimeInput: { audio: { mimeType, data } } };
}

/** Streams audio as a microphone would, 20 ms a message. */
export function streamAudio(client: LiveClient, samples: Int16Array): void {
  for (let at = 0; at < samples.length; at += 320) client.send(audioInput(samples.subarray(at, at + 320)));
}
