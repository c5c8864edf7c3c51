// What a conformance run records: plain JSON, so the command line can write it, the server can
// send it to the page, and the page can show it or export it as HTML.
import { toHex } from '../wire/bytes';
import type { Frame } from '../wire/frame';
import { opcodeName } from '../wire/opcodes';
import type { Verdict } from './case';
import type { EchoForm } from './judge';

/** Hex kept of any one run of bytes in a report; the byte counts stay exact. */
export const REPORT_HEX_BYTES = 2048;
/** Frames kept of what one case received. */
export const REPORT_FRAMES = 64;

export interface HexDump {
  bytes: number;
  /** The first REPORT_HEX_BYTES of them, as hex. */
  hex: string;
  truncated: boolean;
}

export interface ReceivedFrame {
  opcodeName: string;
  fin: boolean;
  /** `RSV1 RSV3`, or '' when none is set. */
  rsv: string;
  masked: boolean;
  payloadLength: number;
  /** The frame as it came, header and payload. */
  wire: HexDump;
  close?: { code: number | null; reason: string };
  /** The rule of RFC 6455 this frame of the server's broke. */
  violation?: string;
}

/** How the connection ended, as the runner saw it. */
export type ConnectionEnd =
  /** The server sent a close frame, and closed TCP afterwards (or let the runner do it). */
  | 'close-frame'
  /** TCP closed (or was reset) without a close frame. */
  | 'tcp-closed'
  /** Time ran out; the runner closed TCP. */
  | 'timeout'
  /** The runner stopped reading: the server sent more than a case may read. */
  | 'read-limit'
  /** The opening handshake did not succeed. */
  | 'handshake-failed';

export interface CaseResult {
  id: string;
  title: string;
  group: string;
  /** The RFC 6455 section the case checks, e.g. `§5.5.2`. */
  section: string;
  verdict: Verdict;
  reason: string;
  durationMs: number;
  /**
   * The case connection's own address, `ip:port`, as the server sees it: what the tap's `open`
   * event calls `remote`, so a report of a check against wslab can point at the case's frames.
   */
  client?: string;
  /** The tap's id for the case's connection (`c12`), when the run journaled it (a run from the page). */
  conn?: string;
  /**
   * The case's bytes after the handshake, all writes together, and into how many writes they were
   * cut; `written` of them were written before the verdict was in or the connection closed.
   */
  sent: HexDump & { writes: number; written: number };
  received: {
    frames: ReceivedFrame[];
    /** Frames received beyond REPORT_FRAMES, not listed. */
    framesOmitted: number;
    /** The server's close frame; null when none came. */
    close: { code: number | null; reason: string } | null;
    end: ConnectionEnd;
    /** One line: `close 1002 (protocol error)`, `TCP closed without a close frame`, … */
    summary: string;
  };
}

export interface ConformanceSummary {
  total: number;
  pass: number;
  nonStrict: number;
  fail: number;
}

export interface ConformanceReport {
  target: string;
  /** ISO 8601 time the run started. */
  startedAt: string;
  durationMs: number;
  timeoutMs: number;
  /** How the target echoes a text, learned from a probe; null when it did not echo the probe. */
  echo: EchoForm | null;
  results: CaseResult[];
  summary: ConformanceSummary;
}

export function hexDump(bytes: Uint8Array, limit = REPORT_HEX_BYTES): HexDump {
  return {
    bytes: bytes.length,
    hex: toHex(bytes.subarray(0, limit)),
    truncated: bytes.length > limit,
  };
}

export function receivedFrame(frame: Frame): ReceivedFrame {
  const rsv = [frame.rsv1 && 'RSV1', frame.rsv2 && 'RSV2', frame.rsv3 && 'RSV3'].filter(Boolean).join(' ');
  const wire = new Uint8Array(frame.header.length + frame.payload.length);
  wire.set(frame.header);
  // The payload as it came: the decoder hands it over unmasked, and a server frame is unmasked
  // unless it broke §5.1, when the unmasked bytes are the more useful to show anyway.
  wire.set(frame.payload, frame.header.length);
  const out: ReceivedFrame = {
    opcodeName: opcodeName(frame.opcode),
    fin: frame.fin,
    rsv,
    masked: frame.masked,
    payloadLength: frame.payloadLength,
    wire: hexDump(wire),
  };
  if (frame.close) out.close = frame.close;
  if (frame.violation) out.violation = frame.violation.message;
  return out;
}

export function summarize(results: readonly CaseResult[]): ConformanceSummary {
  const count = (verdict: Verdict) => results.filter((r) => r.verdict === verdict).length;
  return { total: results.length, pass: count('pass'), nonStrict: count('non-strict'), fail: count('fail') };
}

/** `212 cases: 210 pass, 1 non-strict, 1 fail`. */
export function summaryLine(summary: ConformanceSummary): string {
  const cases = `${summary.total} case${summary.total === 1 ? '' : 's'}`;
  return `${cases}: ${summary.pass} pass, ${summary.nonStrict} non-strict, ${summary.fail} fail`;
}
