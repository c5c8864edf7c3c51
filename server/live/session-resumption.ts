// Session resumption, the server's half: with `setup.sessionResumption` the server tells the
// client, as the session goes, whether it could be resumed from here and with which handle
// (`sessionResumptionUpdate`); a later connection whose setup carries that handle continues the
// same session. What the reference says (Gemini API, `LiveServerSessionResumptionUpdate`):
//
// - `newHandle` names a state that can be resumed; it is empty when `resumable` is false, which
//   the server sends at points it cannot resume from, such as while the model executes function
//   calls or generates: resuming from an earlier handle then loses what happened since.
// - `lastConsumedClientMessageIndex` is sent only when `sessionResumption.transparent` is set:
//   the index of the last client message the saved state includes, so that a client reconnecting
//   after `goAway` knows which of its messages to send again.
//
// When updates come is not specified. Users of the public service see the handle arrive after a
// turn's `turnComplete` (googleapis/python-genai#2527); the stand-in sends one there, one after
// `setupComplete` (its choice: a client can resume before its first turn) and a not-resumable
// one as the model starts answering. The index counts every client message of this connection
// from 0, `setup` being 0 (the stand-in's reading; the reference does not say where counting
// starts), and names the last one the saved turns include. The JSON follows protobuf's: an int64
// is a string, and a false or empty field is left out, so a not-resumable update is `{}`.

import type { LiveServerMessage, SessionResumptionUpdate } from '../../core/live/live-messages';
import type { SessionSetup } from './client-messages';
import type { ResumptionStore, SessionSnapshot } from './resumption-store';
import { SessionContext } from './session-context';
import { formatSeconds, PUBLIC_LIMITS, scaled } from './session-limits';
import type { TokenLedger } from './token-ledger';

/** What lets a session outlive its connection: the server's store, and the connection's time scale. */
export interface Continuity {
  store: ResumptionStore;
  timeScale: number;
}

export type StartedContext =
  | { ok: true; context: SessionContext; tracker?: ResumptionTracker; callCount: number }
  | { ok: false; reason: string };

/**
 * The session's memory once `setup` is read (its instructions and tools already in the ledger):
 * new, or continued from the snapshot the setup's resumption handle names.
 */
export function startContext(
  setup: SessionSetup,
  ledger: TokenLedger,
  continuity: Continuity,
  callCount: () => number,
): StartedContext {
  const { store, timeScale } = continuity;
  const context = new SessionContext(ledger, store.time(), setup.compression);
  const settings = setup.resumption;
  let calls = 0;
  const lifetime = scaled(PUBLIC_LIMITS.handleLifetimeMs, timeScale);
  if (settings?.handle !== undefined) {
    const snapshot = store.find(settings.handle);
    if (!snapshot) {
      return {
        ok: false,
        reason: `setup.sessionResumption.handle names no session: unknown, or older than ${formatSeconds(lifetime)}`,
      };
    }
    context.restore(snapshot);
    calls = snapshot.callCount;
  }
  if (!settings) return { ok: true, context, callCount: calls };
  const tracker = new ResumptionTracker(store, settings, lifetime, () => context.snapshot(callCount()));
  tracker.consumed(); // the setup itself, message 0
  tracker.included();
  context.onRecord = () => tracker.included();
  return { ok: true, context, tracker, callCount: calls };
}

/** `setup.sessionResumption`, as read. */
export interface ResumptionSettings {
  /** The handle of the session to continue; absent for a new session. */
  handle?: string;
  /** Send `lastConsumedClientMessageIndex` with each update. */
  transparent: boolean;
}

export class ResumptionTracker {
  /** Index of the last client message consumed on this connection; setup is 0. */
  private index = -1;
  /**
   * Index of the last client message the saved turns include. Audio that arrives while an answer
   * streams is consumed but belongs to no turn yet, so it is not claimed.
   */
  private lastIncluded = -1;
  private resumable = true;

  constructor(
    private readonly store: ResumptionStore,
    private readonly settings: ResumptionSettings,
    private readonly handleLifetimeMs: number,
    private readonly capture: () => SessionSnapshot,
  ) {}

  /** A client message was read and taken into the session's state. */
  consumed(): void {
    this.index++;
  }

  /** The session's turns now include every message consumed so far. */
  included(): void {
    this.lastIncluded = this.index;
  }

  /** The message, with the updates that go before or after it. */
  around(message: LiveServerMessage): LiveServerMessage[] {
    if (message.setupComplete !== undefined) return [message, this.update()];
    if (message.serverContent?.turnComplete) {
      this.resumable = true;
      return [message, this.update()];
    }
    if (this.resumable && (message.serverContent !== undefined || message.toolCall !== undefined)) {
      // The model has started answering: a handle issued now would lose the answer.
      this.resumable = false;
      return [{ sessionResumptionUpdate: {} }, message];
    }
    return [message];
  }

  private update(): LiveServerMessage {
    const newHandle = this.store.keep(this.capture(), this.handleLifetimeMs);
    // A state too large for the store cannot be kept: say so, as a not-resumable update.
    if (newHandle === undefined) return { sessionResumptionUpdate: {} };
    const update: SessionResumptionUpdate = { newHandle, resumable: true };
    if (this.settings.transparent) update.lastConsumedClientMessageIndex = String(this.lastIncluded);
    return { sessionResumptionUpdate: update };
  }
}
