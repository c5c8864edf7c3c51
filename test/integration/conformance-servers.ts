// Echo servers written by hand on raw TCP, for the conformance tests: a correct one, and broken
// ones that each get one rule wrong. All of them read frames with the project's own decoder; a
// broken one first rewrites each frame's first byte (or swallows the frame) so that the decoder
// never sees the fault, exactly as a server that does not check that rule would behave.
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { applyMask, concatBytes } from '../../core/wire/bytes';
import { FrameDecoder } from '../../core/wire/frame-decoder';
import { encodeClose, encodeFrame } from '../../core/wire/frame-encoder';
import { announcedLengthForm, extendedLengthBytes, headerLength } from '../../core/wire/frame-header';
import { deriveAccept, findHeadEnd, headerValue, parseRequestHead } from '../../core/wire/handshake';
import { Opcode } from '../../core/wire/opcodes';

export type Flaw =
  /** None: a correct echo server. */
  | 'none'
  /** Takes every text for binary, so never checks UTF-8, and echoes it back as text. */
  | 'echoes-invalid-utf8'
  /** Clears RSV1-3 before reading a frame, as if they did not exist. */
  | 'ignores-rsv'
  /** Answers a frame with a reserved opcode with a binary frame holding its payload. */
  | 'answers-reserved-opcode';

export interface RawEchoServer {
  url: string;
  close(): Promise<void>;
}

const isReserved = (opcode: number): boolean => (opcode >= 0x3 && opcode <= 0x7) || opcode >= 0xb;

/**
 * Cuts the client's byte stream into frames as they come and applies the flaw to each header.
 * Payload bytes pass through as they arrive, so a frame that announces an enormous length is
 * still handed on (its header is what the decoder must see).
 */
class FlawFilter {
  private header = new Uint8Array(14);
  private filled = 0;
  private needed = 2;
  private remaining = 0;
  private swallowing: { key: Uint8Array | null; payload: number[] } | null = null;
  /** For each data message started: was it a text (opcode 1) on the wire? */
  readonly wasText: boolean[] = [];

  constructor(
    private readonly flaw: Flaw,
    private readonly answer: (payload: Uint8Array) => void,
    private readonly refuseLength: () => void,
  ) {}

  push(chunk: Uint8Array): Uint8Array {
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - i);
        if (this.swallowing) this.swallowing.payload.push(...chunk.subarray(i, i + take));
        else out.push(chunk.slice(i, i + take));
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.endFrame();
        continue;
      }
      this.header[this.filled++] = chunk[i++]!;
      if (this.filled === 2) {
        const masked = (this.header[1]! & 0x80) !== 0;
        this.needed = headerLength(announcedLengthForm(this.header[1]! & 0x7f), masked);
      }
      if (this.filled === this.needed) out.push(this.startFrame());
    }
    return concatBytes(out);
  }

  private startFrame(): Uint8Array {
    const header = this.header.slice(0, this.filled);
    const b1 = header[1]!;
    const form = announcedLengthForm(b1 & 0x7f);
    const ext = extendedLengthBytes(form);
    let length = b1 & 0x7f;
    if (ext === 2) length = (header[2]! << 8) | header[3]!;
    if (ext === 8)
      length = new DataView(header.buffer).getUint32(2) * 2 ** 32 + new DataView(header.buffer).getUint32(6);
    // RFC 6455 §5.2: the top bit of a 64-bit length MUST be 0. Checked here, as soon as the header
    // is in: the project's decoder, made for the tap, reports a frame only once it has read it.
    if (ext === 8 && header[2]! & 0x80) this.refuseLength();
    const opcode = header[0]! & 0x0f;
    if (opcode === Opcode.TEXT || opcode === Opcode.BINARY) this.wasText.push(opcode === Opcode.TEXT);
    this.filled = 0;
    this.needed = 2;
    this.remaining = length;
    if (this.flaw === 'ignores-rsv') header[0] = header[0]! & 0x8f;
    if (this.flaw === 'echoes-invalid-utf8' && opcode === Opcode.TEXT)
      header[0] = (header[0]! & 0xf0) | Opcode.BINARY;
    if (this.flaw === 'answers-reserved-opcode' && isReserved(opcode)) {
      const key = (b1 & 0x80) !== 0 ? header.slice(header.length - 4) : null;
      this.swallowing = { key, payload: [] };
      if (length === 0) this.endFrame();
      return new Uint8Array(0);
    }
    return header;
  }

  private endFrame(): void {
    if (!this.swallowing) return;
    const payload = Uint8Array.from(this.swallowing.payload);
    if (this.swallowing.key) applyMask(payload, this.swallowing.key);
    this.swallowing = null;
    this.answer(payload);
  }
}

function serve(socket: Socket, flaw: Flaw): void {
  let head = Buffer.alloc(0);
  let upgraded = false;
  let done = false;
  const decoder = new FrameDecoder({ sender: 'client' });
  const send = (opcode: number, payload: Uint8Array): void => {
    if (!done) socket.write(encodeFrame({ opcode, payload }));
  };
  // RFC 6455 §5.5.1, §7.1.7: answer with a close frame, then close TCP (the server closes first).
  const finish = (code: number | undefined): void => {
    if (done) return;
    done = true;
    socket.end(encodeClose(code));
  };
  const filter = new FlawFilter(
    flaw,
    (payload) => send(Opcode.BINARY, payload),
    () => finish(1002),
  );
  const onBytes = (bytes: Uint8Array): void => {
    for (const event of decoder.push(filter.push(bytes))) {
      if (done) return;
      if (event.type === 'error') finish(event.error.closeCode);
      else if (event.type === 'message') {
        send(filter.wasText.shift() ? Opcode.TEXT : Opcode.BINARY, event.message.data);
      } else if (!event.frame.violation) {
        const { frame } = event;
        if (frame.opcode === Opcode.PING) send(Opcode.PONG, frame.payload);
        if (frame.opcode === Opcode.CLOSE) finish(frame.close?.code ?? undefined);
      }
    }
  };
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => {
    if (upgraded) {
      onBytes(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = findHeadEnd(head);
    if (end < 0) return;
    const request = parseRequestHead(head.subarray(0, end).toString('latin1'));
    const key = request.ok ? headerValue(request.head.headers, 'sec-websocket-key') : undefined;
    if (!key) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${deriveAccept(key)}\r\n\r\n`,
    );
    upgraded = true;
    if (head.length > end) onBytes(head.subarray(end));
  });
}

export async function startRawEchoServer(flaw: Flaw): Promise<RawEchoServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serve(socket, flaw);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
