// The workbench's raw connection: opened with the one client handshake (open-websocket.ts), then
// it writes exactly the bytes it is given and reports, decoded, what the target answers.
import type { Socket } from 'node:net';
import { toHex } from '../../core/wire/bytes';
import { describeFrame } from '../../core/wire/describe';
import type { Frame } from '../../core/wire/frame';
import { FrameDecoder } from '../../core/wire/frame-decoder';
import { opcodeName } from '../../core/wire/opcodes';
import type { ReceivedFrame } from '../../core/workbench/control-protocol';
import type { ProxySettings } from '../proxy/relay';
import type { ProxyTarget } from '../proxy/target';
import type { Journal } from '../tap/journal';
import { openWebSocket } from './open-websocket';

/** How long the target may take to answer the opening handshake. */
export const WORKBENCH_HANDSHAKE_MS = 10_000;
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
  /** Classroom mode: the learner whose workbench opened it. */
  learner?: string;
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
 * One raw TCP connection the workbench opens to a WebSocket server, where a WebSocket library
 * would refuse to send a bad frame. The tap journals it from this, the client's, side: CLIENT is
 * what the workbench wrote, SERVER what the target answered.
 */
export class RawConnection {
  private socket: Socket | null = null;
  private readonly decoder = new FrameDecoder({ sender: 'server', maxPayload: MAX_RECEIVED_MESSAGE });
  private readonly opening = new AbortController();
  private open = false;
  private over = false;
  private endedByUs = false;
  private closeFrame: { code: number | null; reason: string } | null = null;
  /** Bytes written since the handshake, frames only. */
  sentBytes = 0;

  constructor(options: RawConnectionOptions, events: RawConnectionEvents) {
    const { target, settings } = options;
    void openWebSocket(target, {
      ...(settings.ca ? { ca: settings.ca } : {}),
      insecure: settings.insecure,
      timeoutMs: WORKBENCH_HANDSHAKE_MS,
      userAgent: 'wslab-workbench',
      signal: this.opening.signal,
      capture: {
        journal: options.journal,
        payloadCap: options.payloadCap,
        maxPayload: options.maxPayload,
        onSocket: options.onSocket,
        ...(options.learner ? { learner: options.learner } : {}),
      },
    }).then((opened) => {
      if (!opened.ok) {
        if (this.over) return;
        this.over = true;
        const { message, code } = opened.error;
        events.failed(`${message}${code && !message.includes(code) ? ` (${code})` : ''}`);
        return;
      }
      const { socket, rest, conn, status } = opened.value;
      this.socket = socket;
      if (this.over) {
        socket.destroy();
        return;
      }
      this.open = true;
      socket.on('data', (chunk: Buffer) => this.decode(chunk, events));
      socket.on('error', () => {});
      socket.once('close', () => {
        if (this.over) return;
        this.over = true;
        events.closed(this.closeFrame, this.endedByUs && !this.closeFrame ? 'workbench' : 'target');
      });
      events.opened(conn ?? '', status);
      if (rest.length > 0) this.decode(rest, events);
      socket.resume();
    });
  }

  get isOpen(): boolean {
    return this.open && !this.over;
  }

  /** Writes the chunks one by one, each only once the previous has reached the socket. */
  async write(chunks: readonly Uint8Array[], pauseMs: number): Promise<void> {
    for (const [i, chunk] of chunks.entries()) {
      if (i > 0 && pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      const socket = this.socket;
      if (!this.isOpen || !socket?.writable) throw new Error('the connection closed while sending');
      // Journaled as the socket hands it to the wire (open-websocket.ts): in order, nothing else writes here.
      this.sentBytes += chunk.length;
      await new Promise<void>((resolve, reject) =>
        socket.write(chunk, (error) => (error ? reject(error) : resolve())),
      );
    }
  }

  /** Ends TCP with a FIN (no close frame: the learner sends one first, or not); destroys it soon after. */
  end(): void {
    if (this.over || !this.socket) return;
    this.endedByUs = true;
    const socket = this.socket;
    socket.end();
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  destroy(): void {
    this.endedByUs = true;
    if (this.socket) this.socket.destroy();
    else this.opening.abort();
  }

  private decode(chunk: Uint8Array, events: RawConnectionEvents): void {
    const frames: ReceivedFrame[] = [];
    for (const event of this.decoder.push(chunk)) {
      if (event.type !== 'frame') continue;
      const { frame } = event;
      if (frame.close && !this.closeFrame) this.closeFrame = frame.close;
      frames.push(reportOf(frame));
    }
    if (frames.length > 0) events.received(frames);
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
