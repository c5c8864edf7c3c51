// What a snippet's worker asks of the page's microphone and speaker, and what the page tells its
// own views; shared by the bridge and by what must know these names before the bridge loads.

export interface MicState {
  on: boolean;
  /** The browser is asking the user (or opening the device): it can take as long as the user does. */
  asking?: boolean;
  /** What the snippet receives: rate and chunk length. */
  sampleRate?: number;
  chunkMs?: number;
  deviceLabel?: string;
  deviceRate?: number;
}

export interface BridgeEvents {
  onMicState(state: MicState): void;
  /** A line for the terminal about the microphone or the speaker. */
  onNotice(text: string, level: 'system' | 'warn' | 'error'): void;
}

export type Reply = (message: object, transfer?: Transferable[]) => void;

export type BridgeRequest =
  | { type: 'mic-open'; id: number; sampleRate: number; chunkMs: number }
  | { type: 'mic-close'; id: number }
  | { type: 'audio-play'; samples: Int16Array; sampleRate: number }
  | { type: 'audio-stop' };

export const BRIDGE_REQUESTS = new Set(['mic-open', 'mic-close', 'audio-play', 'audio-stop']);
