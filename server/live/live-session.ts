// One Live API session as a state machine, without sockets or timers: client messages go in
// (`receive`, `handle`), server messages come out, either at once (`Reaction.send`) or queued to
// be streamed one by one (`pull`, which the adapter calls on its streaming interval). Because a
// turn's answer waits in the queue, a new client turn can cut it short: the rest is dropped and
// the client told `interrupted: true`, as the public service does.
//
// The order rules (setup first and once, a toolResponse only for a pending call) are the page's
// SequenceChecker's: the session shows it every message both ways, and closes where it objects.

import {
  formatDuration,
  INPUT_AUDIO_RATE,
  type LiveServerMessage,
  type Modality,
  OUTPUT_AUDIO_MIME,
  OUTPUT_AUDIO_RATE,
  type Transcription,
} from '../../core/live/live-messages';
import { bytesFromSamples, levelOf, resample } from '../../core/live/pcm';
import { SequenceChecker } from '../../core/live/sequence-check';
import { toBase64 } from '../../core/wire/bytes';
import { detectorFor } from './activity-detection';
import {
  type ClientMessage,
  type ContextUpdate,
  type FunctionResponse,
  parseClientMessage,
  type RealtimeInput,
  type SessionSetup,
  type Turn,
} from './client-messages';
import { type LiveClose, type LiveErrorName, liveClose } from './live-errors';
import { unknownModelReason } from './live-models';
import {
  argumentsFor,
  chunkText,
  describeEchoedAudio,
  describeHeardAudio,
  type HeardAudio,
  mentionedFunction,
  replyToAudio,
  replyToText,
  replyToToolResult,
  speak,
  transcriptionPieces,
} from './model-replies';
import { ResumptionStore } from './resumption-store';
import type { SessionContext } from './session-context';
import { type Continuity, type ResumptionTracker, startContext } from './session-resumption';
import { SpeechDetector } from './speech-detector';
import { audioTokens, TokenLedger, textTokens } from './token-ledger';
import { type HeardSpeech, Utterance } from './utterance';

export interface SessionOptions {
  /** Quiet input, in ms of audio, that ends the user's speech. */
  silenceMs: number;
  /** A sample louder than this (0 to 32767) is speech. */
  silenceLevel: number;
  /** Longest audio chunk accepted in one message, in ms. */
  maxChunkMs: number;
  /** The API version of the path the client opened, as the service names it in errors. */
  apiVersion?: string;
}

/** What the adapter does right away: send these, then close if asked. */
export interface Reaction {
  send: LiveServerMessage[];
  close?: LiveClose;
}

/** Audio answers go out 100 ms a message. */
const AUDIO_CHUNK_SAMPLES = OUTPUT_AUDIO_RATE / 10;

/** A transcription as the messages that stream it, `finished` on the last (the SDKs' `Transcription`). */
function transcribed(text: string): Transcription[] {
  const pieces: Transcription[] = transcriptionPieces(text).map((piece) => ({ text: piece }));
  pieces[pieces.length - 1]!.finished = true;
  return pieces;
}

export class LiveSession {
  private setup: SessionSetup | null = null;
  private over = false;
  private queue: LiveServerMessage[] = [];
  /** Sees every message of the session in wire order: what is pending, what is out of order. */
  private readonly order = new SequenceChecker();
  /** The function each call made and not yet answered names, by call id. */
  private readonly callNames = new Map<string, string>();
  private results: { name: string; response: unknown }[] = [];
  private callCount = 0;
  /** User text of turns not yet answered (`turnComplete` not yet sent). */
  private unanswered = '';
  /** Built again at setup, which may set its silence window and sensitivities. */
  private detector: SpeechDetector;
  private utterance: Utterance | null = null;
  /** TURN_INCLUDES_ALL_INPUT: the audio since the last turn, which the next one starts with. */
  private idle: Utterance | null = null;
  private readonly ledger = new TokenLedger();
  /** The turns, the session's clock and its compression: what resumption carries over. */
  private context: SessionContext | null = null;
  private resumption: ResumptionTracker | undefined;

  constructor(
    private readonly options: SessionOptions,
    private readonly continuity: Continuity = { store: new ResumptionStore(), timeScale: 1 },
  ) {
    this.detector = new SpeechDetector((options.silenceMs * INPUT_AUDIO_RATE) / 1000, options.silenceLevel);
  }

  /** `setup` arrived and was answered. */
  get configured(): boolean {
    return this.setup !== null;
  }

  /** The session has ended; it ignores anything else. */
  get ended(): boolean {
    return this.over;
  }

  /** Messages are waiting to be streamed. */
  get streaming(): boolean {
    return this.queue.length > 0;
  }

  /** Function calls sent and not yet answered. */
  get pendingCallIds(): string[] {
    return this.order.pendingCallIds;
  }

  /** Reads one WebSocket message's payload and reacts to it. */
  receive(data: string | Uint8Array): Reaction {
    if (this.over) return { send: [] };
    const parsed = parseClientMessage(data, { maxChunkMs: this.options.maxChunkMs });
    if (!parsed.ok) {
      this.end();
      return { send: [], close: parsed.close };
    }
    return this.handle(parsed.message);
  }

  handle(message: ClientMessage): Reaction {
    if (this.over) return { send: [] };
    const answered = message.kind === 'toolResponse' ? message.responses.map(({ id }) => id) : [];
    const pendingBefore = new Set(this.order.pendingCallIds);
    const refusal = this.order.checkClient(message.kind, answered).find((warning) => warning.close)?.close;
    if (refusal) return this.fail(refusal.error, refusal.reason);
    this.resumption?.consumed();
    if (message.kind === 'setup') {
      const unknownModel = unknownModelReason(message.setup.model, this.options.apiVersion ?? 'v1beta');
      if (unknownModel) return this.fail('MODEL_NOT_FOUND', unknownModel);
      this.detector = detectorFor(message.setup, this.options);
      if (message.setup.allInput) this.idle = new Utterance();
      this.setup = message.setup;
      this.ledger.read('TEXT', textTokens(message.setup.systemText));
      if (message.setup.functions.length)
        this.ledger.read('TEXT', textTokens(JSON.stringify(message.setup.functions)));
      const started = startContext(message.setup, this.ledger, this.continuity, () => this.callCount);
      if (!started.ok) return this.fail('SESSION_NOT_FOUND', started.reason);
      ({ context: this.context, tracker: this.resumption, callCount: this.callCount } = started);
      return { send: [this.sent({ setupComplete: {} })] };
    }
    // The checker refuses anything before setup, so the session is configured here.
    const setup = this.setup!;
    switch (message.kind) {
      case 'clientContent':
        return this.onClientContent(setup, message.turns, message.turnComplete);
      case 'realtimeInput':
        return this.onRealtimeInput(setup, message.input);
      case 'toolResponse':
        return this.onToolResponse(setup, message.responses, pendingBefore);
      case 'contextUpdate':
        return this.onContextUpdate(setup, message.update);
    }
  }

  // Nothing is answered: the SDK documents the update as applied, in order, to what follows.
  private onContextUpdate(setup: SessionSetup, update: ContextUpdate): Reaction {
    this.setup = {
      ...setup,
      ...(update.systemText !== undefined ? { systemText: update.systemText } : {}),
      ...(update.functions !== undefined ? { functions: update.functions } : {}),
    };
    if (update.systemText) this.ledger.read('TEXT', textTokens(update.systemText));
    if (update.functions?.length) this.ledger.read('TEXT', textTokens(JSON.stringify(update.functions)));
    return { send: [] };
  }

  /** The next message to stream, if any. */
  pull(): LiveServerMessage | undefined {
    const next = this.queue.shift();
    return next && this.sent(next);
  }

  /** The notice that the connection will end in `timeLeftMs`. */
  goAway(timeLeftMs: number): LiveServerMessage {
    return this.sent({ goAway: { timeLeft: formatDuration(timeLeftMs) } });
  }

  /** A message on its way out, with the resumption updates that go around it. */
  around(message: LiveServerMessage): LiveServerMessage[] {
    if (!this.resumption) return [message];
    return this.resumption.around(message).map((each) => (each === message ? each : this.sent(each)));
  }

  /** When the session reaches its time limit (on the store's clock) and why; undefined for never. */
  get sessionLimit(): { at: number; reason: string } | undefined {
    return this.context?.limit(this.continuity.timeScale);
  }

  /** Stops the session: nothing more is streamed or answered. */
  end(): void {
    this.over = true;
    this.queue = [];
  }

  private fail(error: LiveErrorName, reason: string): Reaction {
    this.end();
    return { send: [], close: liveClose(error, reason) };
  }

  /** A message on its way to the client: from now on the order rules count it (a call is pending). */
  private sent(message: LiveServerMessage): LiveServerMessage {
    this.order.check('server', message);
    return message;
  }

  private onClientContent(setup: SessionSetup, turns: Turn[], turnComplete: boolean): Reaction {
    // Client content always interrupts the model's current generation.
    const send = this.interrupt();
    for (const turn of turns) {
      this.ledger.read('TEXT', textTokens(turn.text));
      if (turn.role === 'user') this.unanswered += turn.text;
    }
    if (turnComplete) {
      const text = this.unanswered;
      this.unanswered = '';
      this.answerText(setup, text);
    }
    return { send };
  }

  private onRealtimeInput(setup: SessionSetup, input: RealtimeInput): Reaction {
    const manual = setup.manualActivity;
    if (!manual && (input.activityStart || input.activityEnd)) {
      const signal = input.activityStart ? 'activityStart' : 'activityEnd';
      return this.fail(
        'ACTIVITY_SIGNAL_NOT_ALLOWED',
        `${signal} needs realtimeInputConfig.automaticActivityDetection.disabled: true in setup`,
      );
    }
    const send: LiveServerMessage[] = [];
    if (input.activityStart) {
      if (setup.bargeIn) send.push(...this.interrupt());
      this.utterance = new Utterance();
    }
    if (input.frames > 0) this.context?.sawVideo();
    for (const chunk of input.audio) {
      this.ledger.hear(chunk.samples.length, INPUT_AUDIO_RATE);
      if (manual) this.utterance?.append(chunk.samples);
      else send.push(...this.detect(setup, chunk.samples));
    }
    if (input.text !== undefined) {
      send.push(...this.interrupt());
      this.ledger.read('TEXT', textTokens(input.text));
      this.answerText(setup, input.text);
    }
    if (input.activityEnd && this.utterance) this.finishUtterance(setup, 0);
    if (input.audioStreamEnd && !manual) {
      // The microphone was turned off: whatever speech was going on has ended.
      const trailing = this.detector.flush();
      if (trailing !== null && this.utterance) this.finishUtterance(setup, trailing);
    }
    return { send };
  }

  /** Answers the checker accepted: each id was pending, or cancelled (a late answer, ignored). */
  private onToolResponse(
    setup: SessionSetup,
    responses: FunctionResponse[],
    pendingBefore: ReadonlySet<string>,
  ): Reaction {
    for (const { id, response } of responses) {
      const name = this.callNames.get(id);
      if (!pendingBefore.has(id) || name === undefined) continue;
      this.callNames.delete(id);
      this.results.push({ name, response });
      this.ledger.read('TEXT', textTokens(JSON.stringify(response) ?? ''));
    }
    if (this.order.pendingCallIds.length === 0 && this.results.length) {
      const text = this.results.map((result) => replyToToolResult(result.name, result.response)).join(' ');
      this.results = [];
      this.answer(setup, text);
    }
    return { send: [] };
  }

  /** Runs activity detection over audio; speech starting while the model talks interrupts it. */
  private detect(setup: SessionSetup, samples: Int16Array): LiveServerMessage[] {
    const send: LiveServerMessage[] = [];
    let from = 0;
    for (const event of this.detector.feed(samples)) {
      if (event.type === 'start') {
        // activityHandling NO_INTERRUPTION: "the model's response will not be interrupted"; the
        // new turn's answer waits behind the one being streamed.
        if (setup.bargeIn) send.push(...this.interrupt());
        // TURN_INCLUDES_ALL_INPUT: "the user's turn includes all realtime input since the last
        // turn, including inactivity", so the quiet before the speech is part of it.
        this.idle?.append(samples.subarray(from, event.at));
        this.utterance = this.idle ?? new Utterance();
        // Speech that had to last prefixPaddingMs began in chunks already fed (the idle audio
        // holds them already).
        if (event.held && !this.idle) this.utterance.append(event.held);
        this.idle = null;
        from = event.at;
      } else {
        this.utterance?.append(samples.subarray(from, event.at));
        from = event.at;
        this.finishUtterance(setup, event.trailing);
      }
    }
    if (this.detector.inSpeech) this.utterance?.append(samples.subarray(from));
    else this.idle?.append(samples.subarray(from));
    return send;
  }

  private finishUtterance(setup: SessionSetup, trailing: number): void {
    const speech = this.utterance?.finish(trailing);
    this.utterance = null;
    if (setup.allInput) this.idle = new Utterance();
    if (speech && speech.count > 0) this.answerAudio(setup, speech);
  }

  /** Cuts the current answer short: cancels pending calls, drops what was not yet streamed. */
  private interrupt(): LiveServerMessage[] {
    const send: LiveServerMessage[] = [];
    const ids = this.order.pendingCallIds;
    if (ids.length) {
      send.push(this.sent({ toolCallCancellation: { ids } }));
      this.results = [];
    }
    if (this.queue.length || send.length) {
      // Calls cancelled or never sent: no answer to them will be taken.
      this.queue = [];
      this.callNames.clear();
      // The interrupted turn still ends, without generationComplete: "When model is interrupted
      // while generating there will be no generation_complete message in interrupted turn, it will
      // go through interrupted > turn_complete" (the SDKs' LiveServerContent.generationComplete).
      send.push(this.sent({ serverContent: { interrupted: true } }));
      send.push(this.sent({ serverContent: { turnComplete: true } }));
    }
    return send;
  }

  private answerText(setup: SessionSetup, text: string): void {
    this.context?.heard(text);
    const declaration = mentionedFunction(text, setup.functions);
    if (declaration) {
      const id = `call-${++this.callCount}`;
      const call = { id, name: declaration.name, args: argumentsFor(declaration, text) };
      this.callNames.set(id, declaration.name);
      this.queue.push({ toolCall: { functionCalls: [call] } });
      return;
    }
    this.answer(setup, this.context?.replyTo(text) ?? replyToText(text));
  }

  private answerAudio(setup: SessionSetup, speech: HeardSpeech): void {
    const heard: HeardAudio = {
      samples: speech.count,
      rate: INPUT_AUDIO_RATE,
      level: levelOf(speech.samples),
    };
    if (setup.inputTranscription) {
      // What was heard is known once speech ends, so its pieces come before the answer.
      const pieces = transcribed(describeHeardAudio(heard));
      for (const inputTranscription of pieces) this.queue.push({ serverContent: { inputTranscription } });
    }
    if (setup.modality === 'TEXT') {
      this.streamText(replyToAudio(heard));
    } else {
      const echoed = resample(speech.samples, INPUT_AUDIO_RATE, OUTPUT_AUDIO_RATE);
      this.streamAudio(setup, echoed, describeEchoedAudio(echoed.length, OUTPUT_AUDIO_RATE));
    }
  }

  /** Says `text` in the session's modality. */
  private answer(setup: SessionSetup, text: string): void {
    if (setup.modality === 'TEXT') this.streamText(text);
    else this.streamAudio(setup, speak(text, OUTPUT_AUDIO_RATE), text);
  }

  private streamText(text: string): void {
    for (const chunk of chunkText(text)) {
      this.queue.push({ serverContent: { modelTurn: { parts: [{ text: chunk }] } } });
    }
    this.completeTurn('TEXT', textTokens(text));
  }

  private streamAudio(setup: SessionSetup, samples: Int16Array, transcript: string): void {
    // The transcription streams beside the speech it describes: piece k of n follows the audio
    // chunk in which the k-th n-th of the speech begins (spoken words are evenly spaced here).
    const pieces = setup.outputTranscription ? transcribed(transcript) : [];
    let next = 0;
    for (let at = 0; at < samples.length; at += AUDIO_CHUNK_SAMPLES) {
      const data = toBase64(bytesFromSamples(samples.subarray(at, at + AUDIO_CHUNK_SAMPLES)));
      this.queue.push({
        serverContent: { modelTurn: { parts: [{ inlineData: { mimeType: OUTPUT_AUDIO_MIME, data } }] } },
      });
      const end = at + AUDIO_CHUNK_SAMPLES;
      while (next < pieces.length && (next * samples.length) / pieces.length < end) {
        this.queue.push({ serverContent: { outputTranscription: pieces[next++]! } });
      }
    }
    while (next < pieces.length) this.queue.push({ serverContent: { outputTranscription: pieces[next++]! } });
    this.completeTurn('AUDIO', audioTokens(samples.length, OUTPUT_AUDIO_RATE));
  }

  private completeTurn(modality: Modality, tokens: number): void {
    this.queue.push({ serverContent: { generationComplete: true } });
    this.context?.compress();
    this.queue.push({
      serverContent: { turnComplete: true },
      usageMetadata: this.ledger.answer(modality, tokens),
    });
    this.context?.record();
  }
}
