// The page's side of a snippet's microphone and speaker. The snippet's worker asks for them with
// messages (`mic-open`, `mic-close`, `audio-play`, `audio-stop`, see web/sandbox/worker-prelude.js);
// the page records and plays, and sends the chunks back. A run's microphones end with the run.
import type { BridgeEvents, BridgeRequest, MicState, Reply } from './bridge-protocol';
import { type Capture, explainMediaError, startCapture } from './microphone';
import { type PcmPlayer, pagePlayer } from './pcm-player';

const RATES = { min: 8_000, max: 48_000 };
const CHUNK_MS = { min: 10, max: 1_000 };

function inRange(value: unknown, range: { min: number; max: number }): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= range.min && value <= range.max;
}

export class AudioBridge {
  /** The current run's microphones by the worker's id; ids start again at 1 in each run. */
  private readonly captures = new Map<number, { capture: Capture | null; chunks: number }>();
  /** Counts runs, so a microphone that opens after its run ended is not taken for the next run's. */
  private generation = 0;

  constructor(
    private readonly events: BridgeEvents,
    private readonly player: PcmPlayer = pagePlayer,
  ) {}

  get micOpen(): boolean {
    return [...this.captures.values()].some((entry) => entry.capture !== null);
  }

  handle(request: BridgeRequest, reply: Reply): void {
    switch (request.type) {
      case 'mic-open':
        void this.open(request, reply);
        break;
      case 'mic-close':
        this.close(request.id, 'closed by the snippet');
        break;
      case 'audio-play':
        if (!(request.samples instanceof Int16Array) || !inRange(request.sampleRate, RATES)) {
          this.events.onNotice(
            `playAudio: needs 16-bit samples and a rate from ${RATES.min} to ${RATES.max} Hz`,
            'error',
          );
          return;
        }
        this.player.enqueue(request.samples, request.sampleRate);
        break;
      case 'audio-stop':
        this.player.stop();
        break;
    }
  }

  /** The run ended: its microphones stop; what it queued keeps playing only if it finished on its own. */
  endRun(finished: boolean): void {
    this.generation++;
    for (const id of [...this.captures.keys()]) this.close(id, 'the run ended');
    if (!finished) this.player.stop();
  }

  private async open(request: Extract<BridgeRequest, { type: 'mic-open' }>, reply: Reply): Promise<void> {
    const { id, sampleRate, chunkMs } = request;
    if (!inRange(sampleRate, RATES) || !inRange(chunkMs, CHUNK_MS)) {
      reply({
        type: 'mic-error',
        id,
        message: `sampleRate must be ${RATES.min}–${RATES.max} Hz and chunkMs ${CHUNK_MS.min}–${CHUNK_MS.max} ms`,
      });
      return;
    }
    const context = this.player.unlock();
    if (!context) {
      reply({ type: 'mic-error', id, message: 'this browser has no Web Audio' });
      return;
    }
    const generation = this.generation;
    const entry = { capture: null as Capture | null, chunks: 0 };
    this.captures.set(id, entry);
    if (!this.micOpen) this.events.onMicState({ on: false, asking: true });
    let capture: Capture;
    try {
      capture = await startCapture(context, {
        sampleRate,
        chunkMs,
        onChunk: (samples) => {
          entry.chunks++;
          reply({ type: 'mic-chunk', id, samples }, [samples.buffer]);
        },
        onEnded: (reason) => {
          if (this.captures.get(id) === entry) this.captures.delete(id);
          this.events.onNotice(`microphone off: ${reason}`, 'warn');
          reply({ type: 'mic-ended', id, reason });
          this.publish();
        },
      });
    } catch (error) {
      if (this.captures.get(id) === entry) this.captures.delete(id);
      this.publish();
      const message = explainMediaError(error);
      this.events.onNotice(`microphone: ${message}`, 'error');
      reply({ type: 'mic-error', id, message });
      return;
    }
    if (generation !== this.generation || this.captures.get(id) !== entry) {
      // The run ended (or closed this microphone) while the browser was asking for permission.
      capture.stop();
      this.publish();
      return;
    }
    entry.capture = capture;
    const rateNote =
      capture.deviceRate === sampleRate
        ? `${sampleRate / 1000} kHz`
        : `${capture.deviceRate / 1000} kHz resampled to ${sampleRate / 1000} kHz`;
    this.events.onNotice(
      `microphone on${capture.deviceLabel ? ` (${capture.deviceLabel})` : ''}: ${rateNote}, ${chunkMs} ms chunks of 16-bit PCM`,
      'system',
    );
    reply({ type: 'mic-opened', id, deviceLabel: capture.deviceLabel, deviceRate: capture.deviceRate });
    this.publish({ sampleRate, chunkMs, deviceLabel: capture.deviceLabel, deviceRate: capture.deviceRate });
  }

  private close(id: number, why: string): void {
    const entry = this.captures.get(id);
    if (entry === undefined) return;
    this.captures.delete(id);
    if (entry.capture) {
      entry.capture.stop();
      this.events.onNotice(`microphone off (${why}), ${entry.chunks} chunks sent to the snippet`, 'system');
    }
    this.publish();
  }

  private publish(details: Omit<MicState, 'on'> = {}): void {
    this.events.onMicState({ on: this.micOpen, ...details });
  }
}
