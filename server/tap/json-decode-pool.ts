// The sockets' thread's side of the tap's JSON decode worker: one worker for all JSON
// subscribers, started with the first of them (what it is sent before it has booted waits in its
// port). Each subscriber's turns go to it in order and come back in order (one worker, one
// message port), so each socket gets its events in journal order.
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../ts-worker';
import type { DecodeAnswer, DecodeReady, DecodeTurn } from './json-decode-protocol';

type AnswerHandler = (answer: DecodeAnswer) => void;

export class JsonDecodePool {
  private worker: Worker | null = null;
  private readonly handlers = new Map<number, AnswerHandler>();
  private nextId = 1;

  /** Starts the worker; false when it could not start within `timeoutMs`. */
  async ready(timeoutMs = 30_000): Promise<boolean> {
    const worker = this.start();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      worker.postMessage({ type: 'ping' });
      for (;;) {
        const [message] = (await once(worker, 'message', { signal: controller.signal })) as [DecodeReady];
        if (message.type === 'ready') return this.worker === worker;
      }
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A number for a new subscriber, whose answers go to `onAnswer`. */
  register(onAnswer: AnswerHandler): number {
    const id = this.nextId++;
    this.handlers.set(id, onAnswer);
    return id;
  }

  post(turn: DecodeTurn): void {
    const transfer = turn.parts.flatMap((part) =>
      'bytes' in part ? [part.bytes.buffer as ArrayBuffer] : [],
    );
    this.start().postMessage(turn, transfer);
  }

  /** The subscriber has gone: the worker drops its decoder, and late answers are ignored. */
  forget(id: number): void {
    if (!this.handlers.delete(id)) return;
    this.worker?.postMessage({ type: 'forget', subscriber: id });
  }

  close(): void {
    const worker = this.worker;
    this.worker = null;
    this.handlers.clear();
    void worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = startTsWorker(new URL('./json-decode-worker.ts', import.meta.url), null);
    // The sockets' thread decides when the server stops; this worker only serves it.
    worker.unref();
    worker.on('message', (answer: DecodeAnswer | DecodeReady) => {
      if (answer.type === 'answer') this.handlers.get(answer.subscriber)?.(answer);
    });
    const failed = (why: string): void => {
      if (this.worker !== worker) return;
      this.worker = null;
      // Every subscriber it served lost its decoder state: each is told and closed; a new
      // subscriber gets a new worker.
      const handlers = [...this.handlers];
      this.handlers.clear();
      for (const [subscriber, handler] of handlers)
        handler({ type: 'answer', subscriber, inRing: 0, json: null, decodedBytes: 0, error: why });
    };
    worker.once('error', (error) => failed(`the tap's decoder failed: ${error.message}`));
    worker.once('exit', (code) => failed(`the tap's decoder stopped (exit code ${code})`));
    this.worker = worker;
    return worker;
  }
}
