// Records the microphone in the page and delivers 16-bit PCM chunks at the rate a snippet asked
// for. Snippets run in a worker, which has neither getUserMedia nor an AudioContext, so the page
// records for them (web/audio/audio-bridge.ts carries the chunks across).
import workletSource from './capture-worklet.js?raw';
import { Chunker, StreamResampler } from './stream-resampler';

export interface CaptureOptions {
  /** Output rate, Hz: 16 000 for the Live API. */
  sampleRate: number;
  /** Chunk length, ms: the Live API suggests 20 to 100. */
  chunkMs: number;
  onChunk(samples: Int16Array): void;
  /** The device stopped on its own (unplugged, permission revoked). */
  onEnded(reason: string): void;
}

export interface Capture {
  /** The device's name, when the browser tells it. */
  readonly deviceLabel: string;
  /** The rate the sound card records at, before resampling. */
  readonly deviceRate: number;
  stop(): void;
}

const loadedWorklets = new WeakMap<AudioContext, Promise<void>>();

function loadWorklet(context: AudioContext): Promise<void> {
  let loaded = loadedWorklets.get(context);
  if (!loaded) {
    const url = URL.createObjectURL(new Blob([workletSource], { type: 'text/javascript' }));
    loaded = context.audioWorklet.addModule(url).finally(() => URL.revokeObjectURL(url));
    loadedWorklets.set(context, loaded);
  }
  return loaded;
}

/** getUserMedia's errors, said so that a learner knows what to do. */
export function explainMediaError(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
      return 'the microphone permission was denied: allow it for this page (the icon in the address bar) and run again';
    case 'NotFoundError':
      return 'no microphone was found: connect one and run again';
    case 'NotReadableError':
      return 'the microphone is busy or failed: close other programs using it and run again';
    case 'SecurityError':
      return 'the page is not a secure context: open it on http://localhost or http://127.0.0.1';
    default:
      return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

export async function startCapture(context: AudioContext, options: CaptureOptions): Promise<Capture> {
  if (!navigator.mediaDevices?.getUserMedia)
    throw Object.assign(new Error('this browser has no getUserMedia here'), { name: 'SecurityError' });
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
  const [track] = stream.getAudioTracks();
  try {
    await loadWorklet(context);
  } catch (error) {
    for (const t of stream.getTracks()) t.stop();
    throw error;
  }
  const source = context.createMediaStreamSource(stream);
  const node = new AudioWorkletNode(context, 'wslab-capture', { numberOfInputs: 1, numberOfOutputs: 1 });
  // A muted path to the speakers, so the browser keeps pulling audio through the node.
  const mute = context.createGain();
  mute.gain.value = 0;
  source.connect(node).connect(mute).connect(context.destination);

  const resampler = new StreamResampler(context.sampleRate, options.sampleRate);
  const chunker = new Chunker(Math.round((options.sampleRate * options.chunkMs) / 1000), (chunk) =>
    options.onChunk(chunk),
  );
  node.port.onmessage = (event: MessageEvent<Float32Array>) => chunker.push(resampler.push(event.data));

  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    node.port.onmessage = null;
    node.port.close();
    source.disconnect();
    node.disconnect();
    mute.disconnect();
    for (const t of stream.getTracks()) t.stop();
  };
  track?.addEventListener('ended', () => {
    if (stopped) return;
    stop();
    options.onEnded('the microphone stopped (unplugged, or its permission was taken back)');
  });
  return { deviceLabel: track?.label ?? '', deviceRate: context.sampleRate, stop };
}
