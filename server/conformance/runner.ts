// Runs conformance cases against a WebSocket server: each case on a connection of its own, its
// bytes written exactly as the case says, what comes back decoded with the one frame decoder and
// judged by core/conformance. Bounded per case in time and in bytes read.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ConformanceCase } from '../../core/conformance/case';
import { groupOf } from '../../core/conformance/case';
import { encodeCase, writesOf } from '../../core/conformance/case-bytes';
import { CaseJudge, type EchoForm, type Outcome, PLAIN_ECHO } from '../../core/conformance/judge';
import {
  type CaseResult,
  type ConformanceReport,
  type ConnectionEnd,
  hexDump,
  REPORT_FRAMES,
  type ReceivedFrame,
  receivedFrame,
  summarize,
} from '../../core/conformance/report';
import { CONFORMANCE_CASES } from '../../core/conformance/suite';
import { concatBytes } from '../../core/wire/bytes';
import { describeClose } from '../../core/wire/close-codes';
import type { DecoderEvent } from '../../core/wire/frame';
import { FrameDecoder } from '../../core/wire/frame-decoder';
import { encodeClose, encodeFrame } from '../../core/wire/frame-encoder';
import { Opcode } from '../../core/wire/opcodes';
import { type ProxyTarget, parseTarget } from '../proxy/target';
import { type ClientCapture, type ConnectSettings, openWebSocket } from '../workbench/open-websocket';

export const DEFAULT_CASE_TIMEOUT_MS = 2000;
/** Bytes one case may read: the largest echo (64 KiB and a little) many times over. */
export const DEFAULT_MAX_READ_BYTES = 4 * 1024 * 1024;
export const MAX_CONCURRENCY = 8;
// After the closing handshake, how long to wait for the server to close TCP (§7.1.1: the server
// closes it first). Only recorded; it never changes a verdict.
const LINGER_MS = 300;

export interface CaseSettings extends ConnectSettings {
  /** Per case, after the handshake; a case still waiting then gets a `fail` verdict. */
  timeoutMs: number;
  maxReadBytes: number;
}

export interface ConformanceProgress {
  done: number;
  total: number;
  result: CaseResult;
}

export interface ConformanceOptions {
  /** ws:// or wss:// URL of the server to check. The caller decides whether it may be reached. */
  url: string;
  /** Default: every case. */
  cases?: readonly ConformanceCase[];
  /** Per case; default 2000 ms. */
  timeoutMs?: number;
  maxReadBytes?: number;
  /** Cases run at once, 1 to 8; default 1, one after another. */
  concurrency?: number;
  ca?: string | Buffer;
  insecure?: boolean;
  onProgress?: (progress: ConformanceProgress) => void;
  /** Stops starting new cases; the report holds the ones that ran. */
  signal?: AbortSignal;
  /**
   * Journal every connection of the run (the probe's and each case's) from the client's side, as
   * kind `workbench`; each result then names its connection (`conn`).
   */
  capture?: ClientCapture;
}

/** The target could not be checked at all: a bad URL, nothing listening, or no WebSocket server there. */
export class ConformanceTargetError extends Error {
  override name = 'ConformanceTargetError';
}

/** Runs the cases against `options.url`; throws ConformanceTargetError when the target cannot be reached. */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const parsed = parseTarget(options.url);
  if (!parsed.ok) throw new ConformanceTargetError(parsed.reason);
  const target = parsed.target;
  const settings: CaseSettings = {
    timeoutMs: options.timeoutMs ?? DEFAULT_CASE_TIMEOUT_MS,
    maxReadBytes: options.maxReadBytes ?? DEFAULT_MAX_READ_BYTES,
    ...(options.ca ? { ca: options.ca } : {}),
    insecure: options.insecure ?? false,
    userAgent: 'wslab-conformance',
    ...(options.capture ? { capture: options.capture } : {}),
  };
  const startedAt = new Date();
  const started = performance.now();
  const echo = await probeEcho(target, settings);
  const cases = options.cases ?? CONFORMANCE_CASES;
  const results: CaseResult[] = new Array(cases.length);
  const concurrency = Math.min(Math.max(1, Math.floor(options.concurrency ?? 1)), MAX_CONCURRENCY);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length && !options.signal?.aborted) {
      const index = next++;
      const result = await runCase(cases[index]!, target, settings, echo ?? PLAIN_ECHO);
      results[index] = result;
      done++;
      options.onProgress?.({ done, total: cases.length, result });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ran = results.filter((r): r is CaseResult => r !== undefined);
  return {
    target: options.url,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    timeoutMs: settings.timeoutMs,
    echo,
    results: ran,
    summary: summarize(ran),
  };
}

/**
 * Learns how the target echoes a text (wslab's echo server wraps it: `Server received: 'm'`) by
 * sending one and finding it in the answer. Null when no text containing it came back in time.
 * Throws ConformanceTargetError when no WebSocket connection can be opened at all.
 */
export async function probeEcho(target: ProxyTarget, settings: ConnectSettings): Promise<EchoForm | null> {
  const opened = await openWebSocket(target, settings);
  if (!opened.ok) throw new ConformanceTargetError(opened.error.message);
  const { socket, rest } = opened.value;
  const token = `wslab-probe-${randomBytes(6).toString('hex')}`;
  const decoder = new FrameDecoder({ sender: 'server' });
  return new Promise((resolve) => {
    let finished = false;
    const finish = (form: EchoForm | null): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.off('data', onData);
      if (!socket.destroyed) socket.end(encodeClose(1000, '', true));
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
      resolve(form);
    };
    const timer = setTimeout(() => finish(null), settings.timeoutMs);
    const onData = (chunk: Buffer): void => {
      for (const event of decoder.push(chunk)) {
        if (event.type !== 'message' || event.message.text === undefined) continue;
        const at = event.message.text.indexOf(token);
        if (at >= 0) {
          const text = event.message.text;
          finish({ prefix: text.slice(0, at), suffix: text.slice(at + token.length) });
          return;
        }
      }
      if (decoder.state !== 'open') finish(null);
    };
    socket.on('data', onData);
    socket.on('error', () => {});
    socket.once('close', () => finish(null));
    socket.resume();
    if (rest.length > 0) onData(rest);
    socket.write(encodeFrame({ opcode: Opcode.TEXT, payload: token, mask: true }));
  });
}

/** Runs one case on a connection of its own and judges it. Never throws. */
export async function runCase(
  testCase: ConformanceCase,
  target: ProxyTarget,
  settings: CaseSettings,
  echo: EchoForm = PLAIN_ECHO,
): Promise<CaseResult> {
  const started = performance.now();
  const frames = encodeCase(testCase);
  const writes = writesOf(frames, testCase.chop);
  const sent = { ...hexDump(concatBytes(frames)), writes: writes.length, written: 0 };
  const base = {
    id: testCase.id,
    title: testCase.title,
    group: groupOf(testCase.id),
    section: testCase.section,
    sent,
  };
  const elapsed = (): number => Math.round(performance.now() - started);

  const opened = await openWebSocket(target, settings);
  if (!opened.ok) {
    return {
      ...base,
      verdict: 'fail',
      reason: `The opening handshake failed: ${opened.error.message}`,
      durationMs: elapsed(),
      received: {
        frames: [],
        framesOmitted: 0,
        close: null,
        end: 'handshake-failed',
        summary: 'no connection',
      },
      ...(opened.error.conn ? { conn: opened.error.conn } : {}),
    };
  }
  const { socket, rest, client, conn } = opened.value;
  const decoder = new FrameDecoder({ sender: 'server' });
  const judge = new CaseJudge(testCase, echo);
  const received: ReceivedFrame[] = [];
  let omitted = 0;
  let readBytes = 0;
  let closeSent = false;
  let writesDone = false;
  let tcpClosed = false;
  let end: ConnectionEnd | null = null;
  let overLimit: Outcome | null = null;

  return new Promise<CaseResult>((resolve) => {
    let resolved = false;
    const resolveOnce = (): void => {
      if (resolved) return;
      resolved = true;
      clearTimeout(timer);
      clearTimeout(linger);
      socket.removeAllListeners('data');
      socket.on('error', () => {});
      socket.destroy();
      const close = judge.serverClose;
      const outcome = overLimit ?? judge.outcome ?? { verdict: 'fail', reason: 'No verdict' };
      const finalEnd: ConnectionEnd = end ?? (close ? 'close-frame' : 'tcp-closed');
      resolve({
        ...base,
        client,
        ...(conn ? { conn } : {}),
        verdict: outcome.verdict,
        reason: outcome.reason,
        durationMs: elapsed(),
        received: {
          frames: received,
          framesOmitted: omitted,
          close,
          end: finalEnd,
          summary: summarizeReceived(received.length + omitted, close, finalEnd, settings.timeoutMs),
        },
      });
    };
    let linger: NodeJS.Timeout | undefined;
    // The verdict is in: wait a little for TCP to close when a closing handshake was completed,
    // otherwise stop now.
    const settle = (): void => {
      if (linger || resolved) return;
      if (tcpClosed || !judge.serverClose || !closeSent) resolveOnce();
      else linger = setTimeout(resolveOnce, LINGER_MS);
    };
    const sendClose = (code: number | null): void => {
      if (closeSent || tcpClosed) return;
      closeSent = true;
      socket.write(encodeClose(code ?? undefined, '', true));
    };
    const afterEvents = (): void => {
      // §5.5.1: a close frame is answered with a close frame, echoing its code.
      const serverClose = judge.serverClose;
      if (serverClose && !closeSent) sendClose(isEchoable(serverClose.code) ? serverClose.code : 1000);
      if (writesDone && judge.wantsRunnerClose) {
        sendClose(1000);
        judge.noteRunnerClose();
      }
      if (judge.outcome) settle();
    };
    const record = (event: DecoderEvent): void => {
      if (event.type !== 'frame') return;
      if (received.length < REPORT_FRAMES) received.push(receivedFrame(event.frame));
      else omitted++;
    };
    const onData = (chunk: Buffer): void => {
      if (resolved) return;
      readBytes += chunk.length;
      if (readBytes > settings.maxReadBytes) {
        overLimit = {
          verdict: 'fail',
          reason: `Sent more than ${settings.maxReadBytes} bytes; the runner stopped reading`,
        };
        end = 'read-limit';
        resolveOnce();
        return;
      }
      for (const event of decoder.push(chunk)) {
        record(event);
        judge.onEvent(event);
      }
      afterEvents();
    };
    const timer = setTimeout(() => {
      if (!judge.outcome) {
        judge.onTimeout(settings.timeoutMs);
        end = 'timeout';
      }
      resolveOnce();
    }, settings.timeoutMs);

    socket.on('data', onData);
    socket.on('error', () => {});
    socket.once('close', () => {
      tcpClosed = true;
      for (const event of decoder.end()) {
        record(event);
        judge.onEvent(event);
      }
      judge.onTcpClosed();
      resolveOnce();
    });
    socket.resume();
    if (rest.length > 0) onData(rest);

    void (async () => {
      for (const bytes of writes) {
        if (judge.outcome || tcpClosed || resolved) break;
        await new Promise<void>((written) => {
          const onClose = (): void => written();
          socket.once('close', onClose);
          socket.write(bytes, (error) => {
            if (!error) sent.written += bytes.length;
            socket.off('close', onClose);
            written();
          });
        });
        if (testCase.pauseMs) await new Promise((r) => setTimeout(r, testCase.pauseMs));
      }
      writesDone = true;
      if (!resolved) afterEvents();
    })();
  });
}

/** A code that may be echoed in a close frame; otherwise the runner answers with 1000. */
function isEchoable(code: number | null): boolean {
  return code === null || (code >= 1000 && code <= 4999 && ![1004, 1005, 1006, 1015].includes(code));
}

function summarizeReceived(
  frames: number,
  close: { code: number | null; reason: string } | null,
  end: ConnectionEnd,
  timeoutMs: number,
): string {
  const count = `${frames} frame${frames === 1 ? '' : 's'}`;
  if (end === 'handshake-failed') return 'no connection';
  if (close)
    return `${count}; close ${close.code === null ? 'with no code' : describeClose(close.code, close.reason)}`;
  if (end === 'timeout') return `${count}; still open after ${timeoutMs} ms`;
  if (end === 'read-limit') return `${count}; too many bytes`;
  return `${count}; TCP closed without a close frame`;
}
