import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { toBase64, toHex } from '../../core/wire/bytes';
import { describeFrame } from '../../core/wire/describe';
import type { Frame } from '../../core/wire/frame';
import { FrameDecoder } from '../../core/wire/frame-decoder';
import {
  checkAccept,
  findHeadEnd,
  formatHead,
  parseResponseHead,
  type RequestHead,
} from '../../core/wire/handshake';
import { opcodeName } from '../../core/wire/opcodes';
import type { ReceivedFrame } from '../../core/workbench/control-protocol';
import type { ProxySettings } from '../proxy/relay';
import { hostHeaderOf } from '../proxy/relay';
import type { ProxyTarget } from '../proxy/target';
import { ConnectionCapture } from '../tap/capture';
import type { Journal } from '../tap/journal';

/** How long the target may take to answer the opening handshake. */
export const WORKBENCH_HANDSHAKE_MS = 10_000;
// An answer head longer than this is no WebSocket server's 101.
const MAX_ANSWER_HEAD = 16 * 1024;
// Of a received frame's payload, the part a report carries: a control frame's whole payload.
const REPORTED_PAYLOAD = 125;
// The largest message from the target put together for a report; past it, the decoder stops with
// MESSAGE_TOO_BIG rather than hold it (the tap still journals every byte, within its budget).
const MAX_RECEIVED_MESSAGE = 16 * 1024 * 1024;

export interface RawConnectionOptions {
  target: ProxyTarget;
  settings: ProxySettings;
  journal: Journal;
  payloadCap: number;
  /** The target's message limit when it is known (this server's own), or 0. */
  maxPayload: number;
  /** The raw socket's own address and port, once connected (and again when it closes). */
  onSocket(address: string, port: number, connected: boolean): void;
}

export interface RawConnectionEvents {
  opened(conn: string, status: string): void;
  received(frames: ReceivedFrame[]): void;
  /** TCP ended: `close` is the target's close frame, if it sent one before. */
  closed(close: { code: number | null; reason: string } | null, by: 'target' | 'workbench'): void;
  /** The handshake failed: the connection is over and no `closed` follows. */
  failed(message: string): void;
}

/**
 * One raw TCP connection the workbench opens to a WebSocket server: it does the opening handshake
 * itself (RFC 6455 §4.1) and then writes exactly the bytes it is given, where a WebSocket library
 * would refuse to send a bad frame. The tap journals it from this, the client's, side: CLIENT is
 * what the workbench wrote, SERVER what the target answered.
 */
export class RawConnection {
  private readonly socket: Socket;
  private capture: ConnectionCapture | null = null;
  private readonly decoder = new FrameDecoder({ sender: 'server', maxPayload: MAX_RECEIVED_MESSAGE });
  private request: RequestHead | null = null;
  private answer: Buffer = Buffer.alloc(0);
  private open = false;
  private over = false;
  private endedByUs = false;
  private closeFrame: { code: number | null; reason: string } | null = null;
  private readonly timer: NodeJS.Timeout;
  private address = '';
  private localAddress = '';
  private localPort = 0;
  /** Bytes written since the handshake, frames only. */
  sentBytes = 0;

  constructor(
    private readonly options: RawConnectionOptions,
    private readonly events: RawConnectionEvents,
  ) {
    const { target, settings } = options;
    this.socket = target.secure
      ? connectTls({
          host: target.host,
          port: target.port,
          servername: /^[\d.]+$|:/.test(target.host) ? undefined : target.host,
          ca: settings.ca,
          rejectUnauthorized: !settings.insecure,
          ALPNProtocols: ['http/1.1'],
        })
      : connectTcp({ host: target.host, port: target.port });
    this.timer = setTimeout(
      () =>
        this.fail(
          `the target ${where(target)} did not answer the handshake within ${WORKBENCH_HANDSHAKE_MS / 1000} s`,
        ),
      WORKBENCH_HANDSHAKE_MS,
    );
    this.timer.unref();
    this.socket.once(target.secure ? 'secureConnect' : 'connect', () => this.handshake());
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!this.open)
        this.fail(`could not reach the target ${where(target)}: ${error.code ?? error.message}`);
    });
    this.socket.on('close', (hadError: boolean) => this.ended(hadError));
  }

  get isOpen(): boolean {
    return this.open && !this.over;
  }

  /** Writes the chunks one by one, each only once the previous has reached the socket. */
  async write(chunks: readonly Uint8Array[], pauseMs: number): Promise<void> {
    for (const [i, chunk] of chunks.entries()) {
      if (!this.isOpen || !this.socket.writable) throw new Error('the connection closed while sending');
      if (i > 0 && pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      if (!this.isOpen || !this.socket.writable) throw new Error('the connection closed while sending');
      // Journaled as written: the capture keeps wire order because nothing else writes here.
      this.capture?.feedClient(chunk);
      this.sentBytes += chunk.length;
      await new Promise<void>((resolve, reject) =>
        this.socket.write(chunk, (error) => (error ? reject(error) : resolve())),
      );
    }
  }

  /** Ends TCP with a FIN (no close frame: the learner sends one first, or not); destroys it soon after. */
  end(): void {
    if (this.over) return;
    this.endedByUs = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  destroy(): void {
    this.endedByUs = true;
    this.socket.destroy();
  }

  private handshake(): void {
    const { target } = this.options;
    this.socket.setNoDelay(true);
    this.localAddress = this.socket.localAddress ?? '?';
    this.localPort = this.socket.localPort ?? 0;
    this.address = hostPort(this.localAddress, this.localPort);
    this.options.onSocket(this.localAddress, this.localPort, true);
    // RFC 6455 §4.1: a fresh 16-byte nonce, base64, for the server to prove it read this request.
    const key = toBase64(crypto.getRandomValues(new Uint8Array(16)));
    const path = `${target.url.pathname}${target.url.search}`;
    const request: RequestHead = {
      method: 'GET',
      path,
      httpVersion: '1.1',
      headers: [
        ['Host', hostHeaderOf(target)],
        ['Upgrade', 'websocket'],
        ['Connection', 'Upgrade'],
        ['Sec-WebSocket-Key', key],
        ['Sec-WebSocket-Version', '13'],
        ['User-Agent', 'wslab-workbench'],
      ],
    };
    this.request = request;
    const raw = formatHead(`GET ${path} HTTP/1.1`, request.headers);
    this.capture = new ConnectionCapture(this.options.journal, {
      kind: 'workbench',
      // The client's address as the target sees it, as every other connection's `remote` is.
      remote: this.address,
      local: `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`,
      path: target.url.pathname,
      ...(target.url.search ? { query: Object.fromEntries(target.url.searchParams) } : {}),
      requestRaw: raw,
      maxPayload: this.options.maxPayload,
      payloadCap: this.options.payloadCap,
    });
    this.socket.write(raw, 'latin1');
  }

  private read(chunk: Buffer): void {
    this.capture?.feedServer(chunk);
    if (this.open) {
      this.decode(chunk);
      return;
    }
    this.answer = this.answer.length === 0 ? chunk : Buffer.concat([this.answer, chunk]);
    const end = findHeadEnd(this.answer);
    if (end < 0) {
      if (this.answer.length > MAX_ANSWER_HEAD)
        this.fail(`the target sent an answer head over ${MAX_ANSWER_HEAD / 1024} KiB`);
      return;
    }
    const where_ = where(this.options.target);
    const parsed = parseResponseHead(this.answer.subarray(0, end).toString('latin1'));
    if (!parsed.ok) {
      this.fail(`the target ${where_} is not a WebSocket server: ${parsed.error}`);
      return;
    }
    const { head } = parsed;
    const status = `HTTP/${head.httpVersion} ${head.status} ${head.reason}`.trim();
    if (head.status !== 101) {
      this.fail(`the target ${where_} refused the WebSocket: ${status}`);
      return;
    }
    const accept = checkAccept(this.request!, head);
    if (!accept.ok) {
      this.fail(
        `the target ${where_} answered 101 without the right Sec-WebSocket-Accept (RFC 6455 §4.1): expected ${accept.expected}, got ${accept.actual ?? 'none'}`,
      );
      return;
    }
    clearTimeout(this.timer);
    this.open = true;
    this.events.opened(`c${this.capture!.number}`, status);
    const rest = this.answer.subarray(end);
    this.answer = Buffer.alloc(0);
    if (rest.length > 0) this.decode(rest);
  }

  private decode(chunk: Uint8Array): void {
    const frames: ReceivedFrame[] = [];
    for (const event of this.decoder.push(chunk)) {
      if (event.type !== 'frame') continue;
      const { frame } = event;
      if (frame.close && !this.closeFrame) this.closeFrame = frame.close;
      frames.push(reportOf(frame));
    }
    if (frames.length > 0) this.events.received(frames);
  }

  private fail(message: string): void {
    if (this.over) return;
    this.over = true;
    clearTimeout(this.timer);
    this.socket.destroy();
    this.events.failed(message);
  }

  private ended(hadError: boolean): void {
    clearTimeout(this.timer);
    if (this.address) this.options.onSocket(this.localAddress, this.localPort, false);
    this.capture?.finish(hadError);
    if (this.over) return;
    this.over = true;
    if (!this.open) {
      this.events.failed(`the target ${where(this.options.target)} closed before answering the handshake`);
      return;
    }
    this.events.closed(this.closeFrame, this.endedByUs && !this.closeFrame ? 'workbench' : 'target');
  }
}

function reportOf(frame: Frame): ReceivedFrame {
  const report: ReceivedFrame = {
    fin: frame.fin,
    rsv1: frame.rsv1,
    rsv2: frame.rsv2,
    rsv3: frame.rsv3,
    opcode: frame.opcode,
    opcodeName: opcodeName(frame.opcode),
    masked: frame.masked,
    payloadLength: frame.payloadLength,
    payloadHex: toHex(frame.payload.subarray(0, REPORTED_PAYLOAD)),
    description: describeFrame(frame, 'server'),
  };
  if (frame.close) report.close = frame.close;
  if (frame.violation) report.violation = frame.violation.code;
  return report;
}

function where(target: ProxyTarget): string {
  return `${target.host}:${target.port}`;
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
