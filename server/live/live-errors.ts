// Every way the local Live API endpoint ends a session, with its close code and why that code.
// The public service reports a bad request the only way a WebSocket can: it closes the connection
// with a code and a reason. We do the same, with codes chosen by their RFC 6455 §7.4.1 meaning:
//
// - 1007 (invalid payload): the message itself is wrong — not JSON, not a known message, a field
//   of the wrong type, audio that is not base64 16-bit PCM. RFC 6455 §7.4.1 defines 1007 as "data
//   within a message that was not consistent with the type of the message", and the public
//   service closes with 1007 for the requests it calls invalid arguments: users report "1007
//   (invalid frame payload data) Request contains an invalid argument." (google-gemini/cookbook
//   issue 781). That generic reason says nothing a learner can act on, so where the service's
//   exact words are unknown the reason here is the stand-in's own, naming the field.
// - 1008 (policy violation): the message is well formed but breaks the session's rules — it comes
//   out of order (nothing before `setup`, `setup` only once) or names state that does not exist
//   (a `toolResponse` for a call never made), or the caller brought no credential where one is
//   required (the ephemeral-token endpoint without `access_token`). No other code fits a
//   sequence error, §7.4.1 names 1008 the generic code for "a message that violates its policy", and the public service closes
//   with 1008 when a request names an entity it cannot find: "Requested entity was not found"
//   after a toolResponse (google-gemini/deprecated-generative-ai-js issue 487), "models/… is not
//   found" for an unknown model. Which code the service gives a message out of order, a second
//   setup or a missing token is undocumented: 1008 there is the stand-in's choice.
// - 1009 (message too big): an audio chunk longer than the endpoint processes at once. §7.4.1 says
//   exactly this: "a message that is too big for it to process". The stand-in's choice: no report
//   shows the service's limit on one chunk.
// - 1011 at the connection's time limit, which `goAway` announced beforehand: what users of the
//   public service report, with its reason word for word (kizuna-ai-lab/sokuji#179: `goAway`
//   with `timeLeft: "50s"`, then 1011 "Deadline expired before operation could complete.").
// - 1008 at the session's time limit, and for a resumption handle that names nothing: the
//   stand-in's choice, as no report shows the public service's. 1008 because a rule of the
//   session was broken, and because retrying the same request cannot help.
// - 1011 (internal error): a bug of ours; the other connections carry on.

export const LiveErrorCode = {
  /** The message is not JSON, or a binary message is not UTF-8 JSON. */
  MALFORMED_JSON: 1007,
  /** The JSON is not an object holding exactly one known message kind. */
  UNKNOWN_MESSAGE: 1007,
  /**
   * A message holds a field its type does not define. The public service reads protobuf JSON and
   * refuses it with 1007 and the parser's words (`Invalid JSON payload received. Unknown name …`).
   */
  UNKNOWN_FIELD: 1007,
  /** A field is missing, or has the wrong type or value. */
  INVALID_FIELD: 1007,
  /** An audio blob is not valid base64, not 16-bit PCM, or not `audio/pcm`. */
  INVALID_AUDIO: 1007,
  /** An audio chunk lasts longer than `maxChunkMs`. */
  CHUNK_TOO_LONG: 1009,
  /** The first message was not `setup`. */
  SETUP_REQUIRED: 1008,
  /** A second `setup`: the configuration cannot change during a session. */
  SETUP_REPEATED: 1008,
  /**
   * `setup.model` names no Live model. The public service closes with 1008 and "models/NAME is not
   * found for API version VERSION, or is not supported for bidiGenerateContent…", as its users
   * report it (github.com/rudyll/stackchan-ai-server issue 5).
   */
  MODEL_NOT_FOUND: 1008,
  /** `activityStart`/`activityEnd` while the server detects activity itself. */
  ACTIVITY_SIGNAL_NOT_ALLOWED: 1008,
  /** A `toolResponse` id that matches no pending `toolCall`. */
  UNKNOWN_TOOL_CALL_ID: 1008,
  /** The ephemeral-token endpoint was reached without a token of the right shape. */
  TOKEN_REQUIRED: 1008,
  /** The connection's time limit ran out, after `goAway`. */
  CONNECTION_LIMIT: 1011,
  /** The session's time limit ran out: no context window compression. */
  SESSION_LIMIT: 1008,
  /** `setup.sessionResumption.handle` names no session kept here: unknown, expired or evicted. */
  SESSION_NOT_FOUND: 1008,
  /** The endpoint itself failed. */
  INTERNAL: 1011,
} as const;

export type LiveErrorName = keyof typeof LiveErrorCode;

/** Why and how a session ends: the stable name, the close code and the close frame's reason. */
export interface LiveClose {
  error: LiveErrorName;
  code: number;
  reason: string;
}

// RFC 6455 §5.5: a control frame's payload is at most 125 bytes, 2 of them the close code.
const MAX_REASON_BYTES = 123;

export function liveClose(error: LiveErrorName, reason: string): LiveClose {
  return { error, code: LiveErrorCode[error], reason: fitCloseReason(reason) };
}

/** Cuts a reason to 123 bytes of UTF-8 on a character boundary, marking the cut with `…`. */
export function fitCloseReason(reason: string): string {
  const encoder = new TextEncoder();
  if (encoder.encode(reason).length <= MAX_REASON_BYTES) return reason;
  const ellipsis = '…'; // 3 bytes
  let kept = '';
  let bytes = 0;
  for (const char of reason) {
    const size = encoder.encode(char).length;
    if (bytes + size > MAX_REASON_BYTES - 3) break;
    kept += char;
    bytes += size;
  }
  return kept + ellipsis;
}
