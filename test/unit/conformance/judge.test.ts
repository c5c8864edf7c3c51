import { describe, expect, it } from 'vitest';
import type { ConformanceCase } from '../../../core/conformance/case';
import { CaseJudge } from '../../../core/conformance/judge';
import { CONFORMANCE_CASES } from '../../../core/conformance/suite';
import { fromHex } from '../../../core/wire/bytes';
import { FrameDecoder } from '../../../core/wire/frame-decoder';
import { encodeClose, encodeFrame } from '../../../core/wire/frame-encoder';

const byId = (id: string): ConformanceCase => CONFORMANCE_CASES.find((c) => c.id === id)!;

/** Feeds the judge what a server sent, as the runner does: bytes through the server-side decoder. */
function judge(
  id: string,
  serverBytes: Uint8Array[],
  then?: 'tcp-closed' | 'timeout',
  echo = { prefix: '', suffix: '' },
) {
  const j = new CaseJudge(byId(id), echo);
  const decoder = new FrameDecoder({ sender: 'server' });
  for (const bytes of serverBytes) {
    for (const event of decoder.push(bytes)) j.onEvent(event);
    if (j.wantsRunnerClose) j.noteRunnerClose();
  }
  if (then === 'tcp-closed') j.onTcpClosed();
  if (then === 'timeout') j.onTimeout(2000);
  return j.outcome;
}

const text = (payload: string | Uint8Array) => encodeFrame({ opcode: 1, payload });
const pong = (payload: string) => encodeFrame({ opcode: 10, payload });

describe('the conformance judge', () => {
  it('passes invalid UTF-8 answered with close 1007', () => {
    expect(judge('6.3.1', [encodeClose(1007)])?.verdict).toBe('pass');
  });

  it('calls 1002 where 1007 was due non-strict: the connection failed, the code is less precise', () => {
    const outcome = judge('6.3.1', [encodeClose(1002)]);
    expect(outcome?.verdict).toBe('non-strict');
    expect(outcome?.reason).toContain('1007');
  });

  it('calls a dropped TCP connection non-strict where a close frame was due', () => {
    const outcome = judge('3.1.1', [], 'tcp-closed');
    expect(outcome).toEqual({ verdict: 'non-strict', reason: expect.stringContaining('§7.1.7') });
  });

  it('fails a close with 1000 where the frame had to fail the connection', () => {
    expect(judge('3.4.1', [encodeClose(1000)])?.verdict).toBe('fail');
  });

  it('fails an echo of a frame the server had to refuse', () => {
    const outcome = judge('3.1.1', [text('Hello')]);
    expect(outcome?.verdict).toBe('fail');
    expect(outcome?.reason).toMatch(/instead of failing the connection/);
  });

  it('fails a server that echoes invalid UTF-8: its own text breaks the rules', () => {
    const outcome = judge('6.13.2', [text(fromHex('ff')!)]);
    expect(outcome?.verdict).toBe('fail');
    expect(outcome?.reason).toMatch(/UTF-8/);
  });

  it('fails a server that keeps the connection open where it had to fail it', () => {
    expect(judge('4.1.1', [], 'timeout')?.reason).toMatch(/^Kept the connection open for 2000 ms/);
  });

  it('asks for the runner’s close once the replies are in, and passes the answered close', () => {
    const j = new CaseJudge(byId('1.1.2'));
    const decoder = new FrameDecoder({ sender: 'server' });
    expect(j.wantsRunnerClose).toBe(false);
    for (const event of decoder.push(text('*'.repeat(125)))) j.onEvent(event);
    expect(j.wantsRunnerClose).toBe(true);
    j.noteRunnerClose();
    for (const event of decoder.push(encodeClose(1000))) j.onEvent(event);
    expect(j.outcome?.verdict).toBe('pass');
  });

  it('accepts the pong to the last of ten pings alone (RFC 6455 §5.5.3)', () => {
    expect(judge('2.10', [pong('ping 10'), encodeClose(1000)])?.verdict).toBe('pass');
    expect(judge('2.10', [pong('ping 9'), encodeClose(1000)])?.verdict).toBe('fail');
  });

  it('fails a pong to an unsolicited pong', () => {
    expect(judge('2.8', [pong('unsolicited pong payload')])?.verdict).toBe('fail');
  });

  it('compares texts in the target’s echo form', () => {
    const wrapped = { prefix: "Server received: '", suffix: "'" };
    expect(
      judge(
        '6.2.1',
        [text("Server received: 'Hello-µ@ßöäüàá-UTF-8!!'"), encodeClose(1000)],
        undefined,
        wrapped,
      )?.verdict,
    ).toBe('pass');
    expect(judge('6.2.1', [text('Hello-µ@ßöäüàá-UTF-8!!')], undefined, wrapped)?.verdict).toBe('fail');
  });

  it('accepts an echoed close code or 1000, and calls another valid code non-strict', () => {
    expect(judge('7.7.13', [encodeClose(3000)])?.verdict).toBe('pass');
    expect(judge('7.7.13', [encodeClose(1000)])?.verdict).toBe('pass');
    expect(judge('7.7.13', [encodeClose(1001)])?.verdict).toBe('non-strict');
  });

  it('fails a close answered by a dropped connection: §5.5.1 says MUST', () => {
    expect(judge('7.3.3', [], 'tcp-closed')?.verdict).toBe('fail');
  });

  it('fails a server that closes before the echo it owed', () => {
    const outcome = judge('3.5.1', [encodeClose(1002)]);
    expect(outcome?.verdict).toBe('fail');
    expect(outcome?.reason).toMatch(/before the echo/);
  });

  it('fails a close frame of the server that carries a code no close frame may carry', () => {
    expect(judge('7.9.4', [encodeClose(1005)])?.verdict).toBe('fail');
  });
});
