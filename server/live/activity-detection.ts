// The speech detector a session's `setup` asks for. `realtimeInputConfig.automaticActivityDetection`
// in the public reference sets the quiet that ends speech (`silenceDurationMs`) and how readily
// speech is taken to start or end (`startOfSpeechSensitivity`, `endOfSpeechSensitivity`); where
// setup says nothing, the endpoint's query (`silenceMs`, `silenceLevel`) decides.
import { INPUT_AUDIO_RATE } from '../../core/live/live-messages';
import type { SessionSetup } from './client-messages';
import { SpeechDetector } from './speech-detector';

export interface DetectionDefaults {
  /** Quiet input, in ms of audio, that ends the user's speech. */
  silenceMs: number;
  /** A sample louder than this (0 to 32767) is speech. */
  silenceLevel: number;
}

type DetectionSetup = Pick<
  SessionSetup,
  'silenceMs' | 'prefixPaddingMs' | 'startSensitivity' | 'endSensitivity'
>;

/** The longest prefix held back: the held samples are a buffer a client fills. */
const MAX_PREFIX_MS = 10_000;

/**
 * The reference says which way each sensitivity moves detection, not by how much: halving or
 * doubling the level and the silence window is the stand-in's own choice. An explicit
 * `silenceDurationMs` wins over the end sensitivity.
 */
export function detectorFor(setup: DetectionSetup, defaults: DetectionDefaults): SpeechDetector {
  let silenceMs = setup.silenceMs ?? defaults.silenceMs;
  if (setup.silenceMs === undefined && setup.endSensitivity === 'END_SENSITIVITY_HIGH') silenceMs /= 2;
  if (setup.silenceMs === undefined && setup.endSensitivity === 'END_SENSITIVITY_LOW') silenceMs *= 2;
  let level = defaults.silenceLevel;
  // HIGH: "start of speech will be detected more often", so quieter input counts as speech.
  if (setup.startSensitivity === 'START_SENSITIVITY_HIGH') level /= 2;
  if (setup.startSensitivity === 'START_SENSITIVITY_LOW') level *= 2;
  // prefixPaddingMs: "the required duration of detected speech before start-of-speech is committed".
  const prefixMs = Math.min(setup.prefixPaddingMs ?? 0, MAX_PREFIX_MS);
  return new SpeechDetector(
    (silenceMs * INPUT_AUDIO_RATE) / 1000,
    Math.min(32_767, Math.round(level)),
    (prefixMs * INPUT_AUDIO_RATE) / 1000,
  );
}
