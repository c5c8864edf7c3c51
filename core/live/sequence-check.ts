// Checks the order of one Live API connection's messages, as the inspector sees them on the wire,
// and says what a server would object to before it closes the connection: a message before
// `setup`, a second `setup`, a message sent while `setupComplete` is still on its way, a
// `toolResponse` for a call that is not pending. Pure and browser-safe: the page imports it for
// its warnings, and the local Live API (server/live/live-session.ts) runs the same checker over
// its own sessions, closing the connection exactly where a warning here says it does.
//
// The tap watches from the server's side, so "before setupComplete" means before the server
// wrote it; a client that sent in the instant after that is not flagged, which errs on the quiet
// side.

import { isJsonObject, type JsonObject } from '../json';
import type { Direction } from '../wire/direction';
import { CLIENT_MESSAGE_KINDS, type ClientMessageKind } from './live-messages';

export type SequenceWarningCode =
  | 'BEFORE_SETUP'
  | 'SETUP_REPEATED'
  | 'BEFORE_SETUP_COMPLETE'
  | 'UNKNOWN_TOOL_CALL_ID'
  | 'CANCELLED_TOOL_CALL_ID'
  | 'DEPRECATED_MEDIA_CHUNKS';

/** How the local Live API ends a session for an error: its error name and close reason, word for word. */
export interface SequenceClose {
  error: 'SETUP_REQUIRED' | 'SETUP_REPEATED' | 'UNKNOWN_TOOL_CALL_ID';
  reason: string;
}

export interface SequenceWarning {
  code: SequenceWarningCode;
  /** `error`: the server closes the connection for it; `caution`: allowed, but asking for trouble. */
  level: 'error' | 'caution';
  text: string;
  /** On an error: the close the local Live API answers it with (code 1008, a policy violation). */
  close?: SequenceClose;
}

/** What a client message is: the one field among the four the API defines, or null. */
function clientKind(message: JsonObject): ClientMessageKind | null {
  for (const kind of CLIENT_MESSAGE_KINDS) if (kind in message) return kind;
  return null;
}

/** The string ids of a list of objects (`functionCalls`, `functionResponses`). */
function idsOf(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((item: unknown) =>
    isJsonObject(item) && typeof item.id === 'string' ? [item.id] : [],
  );
}

const quoted = (ids: Iterable<string>): string => [...ids].map((id) => JSON.stringify(id)).join(', ');

export class SequenceChecker {
  private setupSent = false;
  private setupComplete = false;
  /** Ids of the server's function calls that await a response, in the order they were made. */
  private readonly pending = new Set<string>();
  /** Calls the server withdrew with toolCallCancellation: a late answer is ignored, not refused. */
  private readonly cancelled = new Set<string>();

  /** Calls awaiting a toolResponse. */
  get pendingCallIds(): string[] {
    return [...this.pending];
  }

  /** Takes the connection's next message in wire order; returns what is wrong with it, if anything. */
  check(dir: Direction, message: unknown): SequenceWarning[] {
    if (!isJsonObject(message)) return [];
    return dir === 'client' ? this.fromClient(message) : this.fromServer(message);
  }

  private fromServer(message: JsonObject): SequenceWarning[] {
    if ('setupComplete' in message) this.setupComplete = true;
    const call = message.toolCall;
    if (isJsonObject(call)) {
      for (const id of idsOf(call.functionCalls)) this.pending.add(id);
    }
    const cancellation = message.toolCallCancellation;
    if (isJsonObject(cancellation) && Array.isArray(cancellation.ids)) {
      for (const id of cancellation.ids) {
        if (typeof id === 'string' && this.pending.delete(id)) this.cancelled.add(id);
      }
    }
    return [];
  }

  private fromClient(message: JsonObject): SequenceWarning[] {
    const kind = clientKind(message);
    if (kind === null) return [];
    const body = message.toolResponse;
    const warnings = this.checkClient(
      kind,
      kind === 'toolResponse' && isJsonObject(body) ? idsOf(body.functionResponses) : [],
    );
    const input = message.realtimeInput;
    if (isJsonObject(input) && input.mediaChunks !== undefined) {
      // BidiGenerateContentRealtimeInput.mediaChunks: "DEPRECATED: Use one of audio, video, or
      // text instead." The service (and the local Live API) still reads it.
      warnings.push({
        code: 'DEPRECATED_MEDIA_CHUNKS',
        level: 'caution',
        text: 'realtimeInput.mediaChunks is deprecated: send realtimeInput.audio (or video) instead, one blob a message',
      });
    }
    return warnings;
  }

  /**
   * Takes the client's next message, already read: its kind and, for a `toolResponse`, the ids
   * it answers. The same rules as `check`, for a reader that has parsed the message itself.
   */
  checkClient(kind: ClientMessageKind, responseIds: readonly string[]): SequenceWarning[] {
    if (kind === 'setup') {
      if (this.setupSent) {
        return [
          {
            code: 'SETUP_REPEATED',
            level: 'error',
            text: 'second setup: a session is configured once, by its first message (the local Live API closes with 1008 SETUP_REPEATED)',
            close: {
              error: 'SETUP_REPEATED',
              reason: 'setup was already sent; a session is configured once',
            },
          },
        ];
      }
      this.setupSent = true;
      return [];
    }
    if (!this.setupSent) {
      // BidiGenerateContentSetup: "Message to be sent in the first (and only in the first)
      // BidiGenerateContentClientMessage."
      return [
        {
          code: 'BEFORE_SETUP',
          level: 'error',
          text: `${kind} sent before setup: the first message must be setup, and the session is not ready until setupComplete (the local Live API closes with 1008 SETUP_REQUIRED)`,
          close: { error: 'SETUP_REQUIRED', reason: `the first message must be setup, got ${kind}` },
        },
      ];
    }
    const warnings: SequenceWarning[] = [];
    if (!this.setupComplete) {
      // BidiGenerateContentSetup: "Clients should wait for a BidiGenerateContentSetupComplete
      // message before sending any additional messages."
      warnings.push({
        code: 'BEFORE_SETUP_COMPLETE',
        level: 'caution',
        text: `${kind} sent before setupComplete arrived: clients should wait for it before sending more`,
      });
    }
    if (kind === 'toolResponse') warnings.push(...this.responses(responseIds));
    return warnings;
  }

  private responses(ids: readonly string[]): SequenceWarning[] {
    const warnings: SequenceWarning[] = [];
    // What was pending when the response was sent, before it answers any of it.
    const pendingBefore = [...this.pending];
    for (const id of ids) {
      if (this.pending.delete(id)) continue;
      if (this.cancelled.delete(id)) {
        warnings.push({
          code: 'CANCELLED_TOOL_CALL_ID',
          level: 'caution',
          text: `toolResponse id ${JSON.stringify(id)} answers a call the server cancelled (toolCallCancellation): it is ignored`,
        });
        continue;
      }
      const pending = pendingBefore.length ? `pending: ${quoted(pendingBefore)}` : 'none pending';
      warnings.push({
        code: 'UNKNOWN_TOOL_CALL_ID',
        level: 'error',
        text: `toolResponse id ${JSON.stringify(id)} matches no pending toolCall (${pending}; the local Live API closes with 1008 UNKNOWN_TOOL_CALL_ID)`,
        close: {
          error: 'UNKNOWN_TOOL_CALL_ID',
          reason: `toolResponse id ${JSON.stringify(id)} matches no toolCall (${pendingBefore.length ? `pending: ${pendingBefore.join(', ')}` : 'none pending'})`,
        },
      });
    }
    return warnings;
  }
}
