// One conformance case as data: the frames a client sends, how they are cut into TCP writes, and
// what a strict server must do about them. The same cases run from the command line and, through
// the server, from the page; nothing here touches a socket.
import { utf8 } from '../wire/bytes';
import type { FrameSpec } from '../wire/frame-encoder';

export type Verdict = 'pass' | 'non-strict' | 'fail';

/**
 * A frame the encoder builds, or bytes written as they are, for what no FrameSpec can say (a
 * 64-bit length with its top bit set, a header with no payload after it). Raw bytes are sent
 * unmasked unless they hold a masking key themselves.
 */
export type CaseFrame = FrameSpec | { raw: Uint8Array };

/** How a case's bytes are cut into writes on the TCP connection. */
export type Chop =
  /** All the frames in one write. */
  | { kind: 'whole' }
  /** One write per frame. */
  | { kind: 'frames' }
  /** Writes of `size` bytes, across frame boundaries (`size: 1` sends the case octet by octet). */
  | { kind: 'bytes'; size: number };

/** A reply the server owes, in order. */
export type ExpectedReply =
  /** The message the case sent, echoed (a text in the target's echo form, a binary byte for byte). */
  | { kind: 'echo'; opcode: 1 | 2; data: Uint8Array }
  /**
   * A pong with the ping's payload (RFC 6455 §5.5.3). `optional`: a server that has not yet
   * answered an earlier ping MAY answer only the latest, so the earlier pongs may be missing.
   */
  | { kind: 'pong'; payload: Uint8Array; optional?: boolean };

/** What the server must do once it has sent the replies. */
export type CaseEnding =
  /** Keep the connection open: the runner then starts a normal close and expects it answered. */
  | { kind: 'open' }
  /** The case sent a close frame: the server answers with a close carrying one of `codes` (null: no code). */
  | { kind: 'answer-close'; codes: readonly (number | null)[] }
  /** Fail the connection (RFC 6455 §7.1.7): a close frame with `codes[0]` (the others are as good). */
  | { kind: 'fail'; codes: readonly number[] };

export interface Expectation {
  replies: readonly ExpectedReply[];
  ending: CaseEnding;
}

export interface ConformanceCase {
  /** Dotted, like the well-known suite's: `5.3`, `6.20.1`. The first number is the group. */
  id: string;
  title: string;
  /** The RFC 6455 section that states the rule, e.g. `§5.5.2`. */
  section: string;
  /** Sent masked with a fresh key unless a spec says `mask: false`. */
  frames: readonly CaseFrame[];
  chop: Chop;
  /** Milliseconds between writes, for cases where the pause is the point. */
  pauseMs?: number;
  expect: Expectation;
}

/** The suite's groups, by the first number of a case id. */
export const GROUPS: Readonly<Record<string, string>> = {
  '1': 'Framing',
  '2': 'Ping and pong',
  '3': 'Reserved bits',
  '4': 'Opcodes',
  '5': 'Fragmentation',
  '6': 'UTF-8',
  '7': 'Closing handshake',
};

export function groupOf(id: string): string {
  return GROUPS[id.split('.')[0]!] ?? 'Other';
}

export const WHOLE: Chop = { kind: 'whole' };
export const PER_FRAME: Chop = { kind: 'frames' };
export const OCTETS: Chop = { kind: 'bytes', size: 1 };

export function bytesOf(payload: string | Uint8Array | undefined): Uint8Array {
  return typeof payload === 'string' ? utf8(payload) : (payload ?? new Uint8Array(0));
}

export const echoText = (data: string | Uint8Array): ExpectedReply => ({
  kind: 'echo',
  opcode: 1,
  data: bytesOf(data),
});
export const echoBinary = (data: Uint8Array): ExpectedReply => ({ kind: 'echo', opcode: 2, data });
export const pong = (payload: string | Uint8Array = '', optional = false): ExpectedReply =>
  optional
    ? { kind: 'pong', payload: bytesOf(payload), optional }
    : { kind: 'pong', payload: bytesOf(payload) };

export const STAY_OPEN: CaseEnding = { kind: 'open' };
/** RFC 6455 §7.4.1: 1002, a protocol error. */
export const PROTOCOL_ERROR: CaseEnding = { kind: 'fail', codes: [1002] };
/** RFC 6455 §8.1, §7.4.1: 1007, data that is not consistent with its type (invalid UTF-8). */
export const INVALID_PAYLOAD: CaseEnding = { kind: 'fail', codes: [1007] };
