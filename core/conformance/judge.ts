// The verdict on one case, from what the server sent back, decoded with the one frame decoder.
// Pure: the runner feeds it decoder events and tells it when TCP closed or time ran out.
//
// Pass, non-strict or fail. Where the RFC says MUST, missing it fails; where it says SHOULD, it is
// non-strict. So when a frame must fail the connection (§7.1.7):
// - a close frame with the code the case names passes;
// - a close frame with another error code is non-strict. §7.1.7 says the endpoint SHOULD send a
//   close frame "with an appropriate status code (Section 7.4)"; closing with 1002 where §8.1's
//   invalid UTF-8 calls for 1007 does fail the connection as it MUST, only less precisely;
// - a close frame with no code at all is non-strict, for the same reason;
// - dropping TCP without a close frame is non-strict: the close frame is a SHOULD (§7.1.7);
// - a close with 1000 (normal) or 1001 (going away) fails: that is how a server answers a valid
//   close, so it says nothing was wrong. A server that ignored the fault answers this way;
// - echoing, answering or staying open fails: the server took the frame as valid.
// And where a close frame was due in answer to the client's close, dropping TCP without one fails:
// §5.5.1 says the endpoint MUST answer with a close frame.
import { toHex } from '../wire/bytes';
import { closeCodeInfo, describeClose } from '../wire/close-codes';
import type { DecoderEvent } from '../wire/frame';
import { Opcode } from '../wire/opcodes';
import type { ConformanceCase, ExpectedReply, Verdict } from './case';

/**
 * How the target echoes a text: wslab's echo server answers `m` with `Server received: 'm'`, a
 * plain echo server with `m` itself. Learned once per run from a probe; binary is echoed as is.
 */
export interface EchoForm {
  prefix: string;
  suffix: string;
}

export const PLAIN_ECHO: EchoForm = { prefix: '', suffix: '' };

export interface Outcome {
  verdict: Verdict;
  /** One line a learner can read: what the server did, and what was due when it was not that. */
  reason: string;
}

/** A reply as it came back: a whole message or a pong. */
type Received = { kind: 'message'; opcode: 1 | 2; data: Uint8Array } | { kind: 'pong'; payload: Uint8Array };

const encoder = new TextEncoder();

export class CaseJudge {
  private index = 0;
  private runnerClosed = false;
  private result: Outcome | null = null;
  private close: { code: number | null; reason: string } | null = null;
  private readonly expected: readonly ExpectedReply[];

  constructor(
    readonly testCase: ConformanceCase,
    private readonly echo: EchoForm = PLAIN_ECHO,
  ) {
    this.expected = testCase.expect.replies;
  }

  get outcome(): Outcome | null {
    return this.result;
  }

  /** The server's close frame, once one came. */
  get serverClose(): { code: number | null; reason: string } | null {
    return this.close;
  }

  /** True when the runner should now start a normal close: the case's replies are in and the connection is to stay open. */
  get wantsRunnerClose(): boolean {
    return (
      this.result === null &&
      !this.runnerClosed &&
      this.close === null &&
      this.testCase.expect.ending.kind === 'open' &&
      !this.requiredLeft()
    );
  }

  /** The runner sent its close frame (code 1000). */
  noteRunnerClose(): void {
    this.runnerClosed = true;
  }

  onEvent(event: DecoderEvent): void {
    if (this.result) return;
    if (event.type === 'error') {
      this.decide('fail', `its own frames broke RFC 6455: ${event.error.message}`);
      return;
    }
    if (event.type === 'message') {
      this.onReply({ kind: 'message', opcode: event.message.opcode, data: event.message.data });
      return;
    }
    const { frame } = event;
    // A frame with a violation is followed by the error event, which decides.
    if (frame.violation) return;
    if (frame.opcode === Opcode.PONG) this.onReply({ kind: 'pong', payload: frame.payload });
    else if (frame.opcode === Opcode.CLOSE)
      this.onClose(frame.close?.code ?? null, frame.close?.reason ?? '');
    // A server may ping whenever it likes (§5.5.2); data frames are judged as whole messages.
  }

  onTcpClosed(): void {
    if (this.result) return;
    const { ending } = this.testCase.expect;
    const missing = this.nextRequired();
    if (missing) {
      this.decide(
        'fail',
        `the TCP connection closed, with no close frame, before ${describeExpected(missing)}`,
      );
    } else if (ending.kind === 'fail') {
      this.decide(
        'non-strict',
        `dropped the TCP connection without a close frame; RFC 6455 §7.1.7 says it SHOULD first send ${codeList(ending.codes)}`,
      );
    } else if (ending.kind === 'answer-close' || this.runnerClosed) {
      this.decide(
        'fail',
        'dropped the TCP connection instead of answering the close frame (RFC 6455 §5.5.1 MUST)',
      );
    } else {
      this.decide('fail', 'dropped the TCP connection where it should have stayed open');
    }
  }

  onTimeout(ms: number): void {
    if (this.result) return;
    const { ending } = this.testCase.expect;
    const missing = this.nextRequired();
    if (missing) this.decide('fail', `no ${describeExpected(missing)} within ${ms} ms`);
    else if (ending.kind === 'fail') {
      this.decide(
        'fail',
        `kept the connection open for ${ms} ms where it had to fail it with ${codeList(ending.codes)}`,
      );
    } else this.decide('fail', `did not answer the close frame within ${ms} ms`);
  }

  private onReply(received: Received): void {
    if (this.close) return;
    const { ending } = this.testCase.expect;
    while (this.index < this.expected.length) {
      const next = this.expected[this.index]!;
      if (this.matches(next, received)) {
        this.index++;
        return;
      }
      if (next.kind === 'pong' && next.optional) {
        this.index++;
        continue;
      }
      this.decide('fail', `sent ${describeReceived(received)} where ${describeExpected(next)} was due`);
      return;
    }
    if (ending.kind === 'fail') {
      this.decide('fail', `answered with ${describeReceived(received)} instead of failing the connection`);
    } else {
      this.decide('fail', `sent ${describeReceived(received)}, which nothing asked for`);
    }
  }

  private onClose(code: number | null, reason: string): void {
    this.close = { code, reason };
    const said = code === null ? 'a close frame with no code' : describeClose(code, reason);
    const missing = this.nextRequired();
    if (missing) {
      this.decide('fail', `closed (${said}) before ${describeExpected(missing)}`);
      return;
    }
    const { ending } = this.testCase.expect;
    if (ending.kind === 'fail') {
      const due = codeList(ending.codes);
      if (code !== null && ending.codes.includes(code)) {
        this.decide('pass', `failed the connection with ${describeClose(code)}, as required`);
      } else if (code === 1000 || code === 1001) {
        this.decide('fail', `closed normally (${said}) as if nothing were wrong; ${due} was due`);
      } else if (code === null) {
        this.decide(
          'non-strict',
          `failed the connection with a close frame that gives no code; ${due} says why`,
        );
      } else {
        this.decide(
          'non-strict',
          `failed the connection, but with ${said} where ${due} says what was wrong (§7.4.1)`,
        );
      }
      return;
    }
    if (ending.kind === 'answer-close') {
      if (ending.codes.includes(code)) this.decide('pass', `answered the close with ${said}`);
      else this.decide('non-strict', `answered the close with ${said} rather than ${codeList(ending.codes)}`);
      return;
    }
    if (!this.runnerClosed) {
      this.decide('fail', `closed the connection (${said}) where it should have stayed open`);
    } else if (code === null || code === 1000) {
      const replies = this.expected.length > 0 ? 'replied as expected, then ' : '';
      this.decide('pass', `${replies}answered the closing handshake`);
    } else {
      this.decide('non-strict', `answered a normal close (1000) with ${said}`);
    }
  }

  private matches(expected: ExpectedReply, received: Received): boolean {
    if (expected.kind === 'pong')
      return received.kind === 'pong' && sameBytes(expected.payload, received.payload);
    if (received.kind !== 'message' || received.opcode !== expected.opcode) return false;
    if (expected.opcode === Opcode.BINARY) return sameBytes(expected.data, received.data);
    const { prefix, suffix } = this.echo;
    const want = new Uint8Array([...encoder.encode(prefix), ...expected.data, ...encoder.encode(suffix)]);
    return sameBytes(want, received.data);
  }

  private nextRequired(): ExpectedReply | undefined {
    return this.expected.slice(this.index).find((r) => !(r.kind === 'pong' && r.optional));
  }

  private requiredLeft(): boolean {
    return this.nextRequired() !== undefined;
  }

  private decide(verdict: Verdict, reason: string): void {
    this.result = { verdict, reason: reason.charAt(0).toUpperCase() + reason.slice(1) };
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `close 1002 (protocol error)`, or `close 1002 or 1009`. */
function codeList(codes: readonly (number | null)[]): string {
  const named = codes.map((code) => (code === null ? 'no code' : `${code} (${closeCodeInfo(code).name})`));
  return `close ${named.join(' or ')}`;
}

const PREVIEW = 32;

function preview(data: Uint8Array, opcode: 1 | 2): string {
  if (opcode === Opcode.TEXT) {
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(data.subarray(0, PREVIEW * 4));
    const cut = text.length > PREVIEW ? `${text.slice(0, PREVIEW)}…` : text;
    return ` ${JSON.stringify(cut)}`;
  }
  return data.length <= 16 ? ` (${toHex(data, ' ')})` : '';
}

function describeReceived(received: Received): string {
  if (received.kind === 'pong') return `a pong with ${received.payload.length} bytes`;
  const kind = received.opcode === Opcode.TEXT ? 'text' : 'binary';
  return `a ${received.data.length}-byte ${kind} message${preview(received.data, received.opcode)}`;
}

function describeExpected(expected: ExpectedReply): string {
  if (expected.kind === 'pong') return `the pong to the ${expected.payload.length}-byte ping`;
  const kind = expected.opcode === Opcode.TEXT ? 'text' : 'binary';
  return `the echo of the ${expected.data.length}-byte ${kind} message`;
}
