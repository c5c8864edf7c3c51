// The messages on `/workbench`, the page's control socket for the raw sender: one typed file both
// sides import. The page asks (open, send, close); the server reports what the raw TCP connection
// did (opened, sent, received, closed) or why it could not (error). Every message is one JSON object.
import type { CaseResult, ConformanceReport } from '../conformance/report';
import type { Result } from '../result';
import { base64ByteLength, fromBase64, fromHex } from '../wire/bytes';

/** Bytes one `send` may carry, so one message cannot make the server hold or write without bound. */
export const WORKBENCH_MAX_SEND_BYTES = 1024 * 1024;
/** TCP writes one `send` may be cut into. */
export const WORKBENCH_MAX_WRITES = 4096;
/** The longest pause between two writes, and the longest a whole send may take with its pauses. */
export const WORKBENCH_MAX_PAUSE_MS = 1000;
export const WORKBENCH_MAX_SEND_MS = 10_000;
/** Case patterns one `check` may name, and the longest one. */
export const CHECK_MAX_PATTERNS = 64;
export const CHECK_MAX_PATTERN_LENGTH = 64;

export type WorkbenchRequest =
  /** Open a raw TCP connection and do the opening handshake; `target` defaults to this server's echo. */
  | { type: 'open'; target?: string }
  /** Write these bytes, cut into writes of these sizes (all at once when absent), `pauseMs` apart. */
  | { type: 'send'; bytes: Uint8Array; writes: number[]; pauseMs: number }
  /** End the TCP connection (a FIN, no close frame: send one first to close cleanly). */
  | { type: 'close' }
  /**
   * Run the conformance suite against `target` (default: this server's echo), or only the cases
   * the patterns pick (`5`, `6.*`, `7.1.1`, as the command line takes them).
   */
  | { type: 'check'; target?: string; cases?: string[] }
  /** Stop the run: no case starts after this; a `report` of the cases that ran follows. */
  | { type: 'cancel' };

/** A frame the target sent, decoded by the core decoder. */
export interface ReceivedFrame {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  opcodeName: string;
  masked: boolean;
  payloadLength: number;
  /** The payload as hex, the first 125 bytes at most (a control frame's whole payload). */
  payloadHex: string;
  /** The frame in one line, as the inspector and the terminal show it. */
  description: string;
  close?: { code: number | null; reason: string };
  /** The rule the target broke, when it broke one (a masked server frame, RFC 6455 §5.1). */
  violation?: string;
}

export type WorkbenchErrorCode =
  | 'BAD_REQUEST'
  | 'BAD_TARGET'
  | 'FORBIDDEN_TARGET'
  | 'TOO_MANY_CONNECTIONS'
  | 'NOT_OPEN'
  | 'ALREADY_OPEN'
  | 'TOO_BIG'
  | 'BUSY'
  | 'HANDSHAKE_FAILED'
  | 'IDLE'
  /** This control socket has a check running already. */
  | 'CHECK_RUNNING'
  /** The server runs as many checks as it allows at once. */
  | 'TOO_MANY_CHECKS'
  /** The patterns pick no case. */
  | 'NO_CASES'
  /** No WebSocket connection could be opened to the target: nothing was checked. */
  | 'CHECK_FAILED'
  /** A cancel with no check running. */
  | 'NOT_CHECKING';

export type WorkbenchReply =
  | {
      type: 'opened';
      /** The tap's id for the raw connection (kind `workbench`). */
      conn: string;
      target: string;
      /** The target's answer line: `HTTP/1.1 101 Switching Protocols`. */
      status: string;
    }
  | { type: 'sent'; bytes: number; writes: number; sentBytes: number }
  | {
      type: 'received';
      frames: ReceivedFrame[];
      /** Bytes written on this connection when these arrived: ties the answer to a frame sent. */
      sentBytes: number;
      /** Frames left out before these, while the page was not reading fast enough (the tap has them). */
      omitted?: number;
    }
  | {
      type: 'closed';
      /** The target's close frame, if it sent one; `dropped` when TCP ended without one. */
      code: number | null;
      reason: string;
      dropped: boolean;
      /** Who ended TCP: `target`, or `workbench` (a close request, an idle timeout). */
      by: 'target' | 'workbench';
      sentBytes: number;
      /** In plain words, for the page to show as it is. */
      summary: string;
    }
  | { type: 'error'; code: WorkbenchErrorCode; message: string }
  /** A check started: `total` cases will run against `target`. */
  | { type: 'checking'; target: string; total: number }
  /** One more case is done. */
  | { type: 'progress'; done: number; total: number; result: CaseResult }
  /** The check is over: every case that ran; `cancelled` when a cancel stopped it early. */
  | { type: 'report'; report: ConformanceReport; cancelled: boolean };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a request was refused: `TOO_BIG` for a send over the cap, `BAD_REQUEST` for the rest. */
export interface RequestProblem {
  code: 'BAD_REQUEST' | 'TOO_BIG';
  message: string;
}

const bad = (message: string): { ok: false; error: RequestProblem } => ({
  ok: false,
  error: { code: 'BAD_REQUEST', message },
});

/**
 * Reads one message from the page. Anything else (not JSON, an unknown type, bytes that are not
 * base64 or hex, writes that do not add up) is refused with a message saying what is wrong.
 */
export function parseWorkbenchRequest(text: string): Result<WorkbenchRequest, RequestProblem> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return bad('a workbench message is one JSON object');
  }
  if (!isRecord(value)) return bad('a workbench message is one JSON object');
  switch (value.type) {
    case 'open': {
      if (value.target !== undefined && typeof value.target !== 'string')
        return bad('open: target is a ws:// URL');
      return {
        ok: true,
        value: value.target === undefined ? { type: 'open' } : { type: 'open', target: value.target },
      };
    }
    case 'close':
      return { ok: true, value: { type: 'close' } };
    case 'send':
      return parseSend(value);
    case 'check':
      return parseCheck(value);
    case 'cancel':
      return { ok: true, value: { type: 'cancel' } };
    default:
      return bad(
        `unknown message type ${JSON.stringify(value.type)}: use open, send, close, check or cancel`,
      );
  }
}

function parseSend(value: Record<string, unknown>): Result<WorkbenchRequest, RequestProblem> {
  const { base64, hex } = value;
  if ((base64 === undefined) === (hex === undefined))
    return bad('send: give the bytes as base64 or as hex, one of them');
  let bytes: Uint8Array | null;
  if (typeof base64 === 'string') {
    // Checked before decoding: a huge message is refused without building its bytes.
    if (base64ByteLength(base64) > WORKBENCH_MAX_SEND_BYTES) return tooBig();
    bytes = fromBase64(base64);
    if (!bytes) return bad('send: base64 is not valid base64');
  } else if (typeof hex === 'string') {
    if (hex.length > WORKBENCH_MAX_SEND_BYTES * 3) return tooBig();
    bytes = fromHex(hex);
    if (!bytes) return bad('send: hex is not valid hex');
  } else {
    return bad('send: the bytes are a string');
  }
  if (bytes.length > WORKBENCH_MAX_SEND_BYTES) return tooBig();
  if (bytes.length === 0) return bad('send: no bytes to send');

  let writes = [bytes.length];
  if (value.writes !== undefined) {
    const sizes = value.writes;
    if (!Array.isArray(sizes) || sizes.length === 0)
      return bad('send: writes is a list of write sizes in bytes');
    if (sizes.length > WORKBENCH_MAX_WRITES) return bad(`send: at most ${WORKBENCH_MAX_WRITES} writes`);
    if (!sizes.every((size): size is number => Number.isInteger(size) && size > 0)) {
      return bad('send: each write size is a whole number of bytes, 1 or more');
    }
    const total = sizes.reduce((sum, size) => sum + size, 0);
    if (total !== bytes.length)
      return bad(`send: the writes add up to ${total} bytes, not the ${bytes.length} given`);
    writes = sizes;
  }

  let pauseMs = 0;
  if (value.pauseMs !== undefined) {
    const pause = value.pauseMs;
    if (typeof pause !== 'number' || !Number.isFinite(pause) || pause < 0 || pause > WORKBENCH_MAX_PAUSE_MS) {
      return bad(`send: pauseMs is 0 to ${WORKBENCH_MAX_PAUSE_MS}`);
    }
    if (pause * (writes.length - 1) > WORKBENCH_MAX_SEND_MS) {
      return bad(`send: the pauses add up to more than ${WORKBENCH_MAX_SEND_MS / 1000} s`);
    }
    pauseMs = pause;
  }
  return { ok: true, value: { type: 'send', bytes, writes, pauseMs } };
}

function parseCheck(value: Record<string, unknown>): Result<WorkbenchRequest, RequestProblem> {
  const { target, cases } = value;
  if (target !== undefined && typeof target !== 'string') return bad('check: target is a ws:// URL');
  const request: WorkbenchRequest = { type: 'check', ...(target ? { target } : {}) };
  if (cases === undefined) return { ok: true, value: request };
  const patterns = typeof cases === 'string' ? cases.split(/[\s,]+/).filter(Boolean) : cases;
  if (!Array.isArray(patterns) || !patterns.every((p): p is string => typeof p === 'string' && p !== ''))
    return bad('check: cases is a list of case patterns, like ["5", "6.*"]');
  if (patterns.length > CHECK_MAX_PATTERNS) return bad(`check: at most ${CHECK_MAX_PATTERNS} case patterns`);
  if (patterns.some((p) => p.length > CHECK_MAX_PATTERN_LENGTH))
    return bad(`check: a case pattern is at most ${CHECK_MAX_PATTERN_LENGTH} characters`);
  return { ok: true, value: patterns.length > 0 ? { ...request, cases: patterns } : request };
}

function tooBig(): { ok: false; error: RequestProblem } {
  const message = `send: at most ${WORKBENCH_MAX_SEND_BYTES / 1024 / 1024} MiB in one send`;
  return { ok: false, error: { code: 'TOO_BIG', message } };
}

/** Reads one message from the server, for the page; null when it is not one. */
export function parseWorkbenchReply(text: string): WorkbenchReply | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(value)) return null;
  const known = ['opened', 'sent', 'received', 'closed', 'error', 'checking', 'progress', 'report'];
  if (typeof value.type !== 'string' || !known.includes(value.type)) return null;
  if (value.type === 'received' && !Array.isArray(value.frames)) return null;
  if (value.type === 'progress' && !isRecord(value.result)) return null;
  if (value.type === 'report' && !(isRecord(value.report) && Array.isArray(value.report.results)))
    return null;
  if (value.type === 'error' && typeof value.message !== 'string') return null;
  // The server is this page's own origin, which built the message from these types.
  return value as unknown as WorkbenchReply;
}
