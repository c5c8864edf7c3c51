// One echo connection's replies on their way out: in order, one reply's frames never mixed with
// another's, long fragmented replies written in batches so other connections run between them,
// and bounded. What the server owes a client — bytes written and not yet taken by the client's
// TCP, plus replies queued or waiting on a `delay` — stays under a limit: past it the server stops
// reading that client, whose own sends then back up in TCP. Only that client stalls, and the
// server's memory does not grow with what it sends.
import type { WebSocket } from 'ws';

/** Bytes the server may owe one client before it stops reading from it. */
export const OWED_LIMIT = 4 * 1024 * 1024;
// Reading resumes only well below the limit, so a busy client is not paused and resumed on every message.
const RESUME_AT = OWED_LIMIT / 2;
/** At most this many frames, or payload bytes, are written in one turn of the event loop. */
export const BATCH_FRAMES = 1024;
export const BATCH_BYTES = 1024 * 1024;

export interface OutgoingMessage {
  bytes: Buffer;
  binary: boolean;
  /** Runs once the message's last frame is handed to `ws`. */
  onSent?: () => void;
}

export class EchoOutbox {
  private readonly queue: OutgoingMessage[] = [];
  /** Bytes of the first queued message already handed to `ws`. */
  private headSent = 0;
  /** Message bytes not yet handed to `ws`: queued, or waiting for their delay. */
  private held = 0;
  private readonly delayed = new Set<NodeJS.Timeout>();
  private paused = false;
  /** Why no batch is being written now: the next one waits for a turn of the loop, or for the socket to drain. */
  private waiting: 'turn' | 'drain' | null = null;

  /** `frameSize`: payload bytes per frame, or undefined for one frame per message. */
  constructor(
    private readonly socket: WebSocket,
    private readonly frameSize: number | undefined,
  ) {
    socket.once('close', () => {
      for (const timer of this.delayed) clearTimeout(timer);
      this.delayed.clear();
      this.queue.length = 0;
      this.headSent = 0;
      this.held = 0;
    });
  }

  /** What the server owes this client, in bytes. */
  get owed(): number {
    return this.socket.bufferedAmount + this.held;
  }

  send(message: OutgoingMessage): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.held += message.bytes.length;
    this.queue.push(message);
    if (this.waiting) this.regulate();
    else this.writeBatch();
  }

  /** Sends the message after `ms`; until then its bytes count as owed. */
  sendLater(message: OutgoingMessage, ms: number): void {
    this.held += message.bytes.length;
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      this.held -= message.bytes.length;
      this.send(message);
    }, ms);
    this.delayed.add(timer);
    this.regulate();
  }

  /** Starts the closing handshake, reading again if need be so the client's close frame can arrive. */
  close(code: number, reason: string): void {
    this.socket.close(code, reason);
    this.regulate();
  }

  private readonly writeBatch = (): void => {
    this.waiting = null;
    const { socket } = this;
    let frames = 0;
    let bytes = 0;
    while (this.queue.length > 0 && socket.readyState === socket.OPEN) {
      if (socket.bufferedAmount > OWED_LIMIT) {
        this.waiting = 'drain';
        break;
      }
      if (frames >= BATCH_FRAMES || bytes >= BATCH_BYTES) {
        this.waiting = 'turn';
        setImmediate(this.writeBatch);
        break;
      }
      const message = this.queue[0]!;
      const start = this.headSent;
      const end = Math.min(message.bytes.length, start + (this.frameSize ?? message.bytes.length));
      const fin = end === message.bytes.length;
      // RFC 6455 §5.4: `ws` gives the first frame the message's opcode and the rest opcode 0
      // (continuation), FIN on the last; it counts on nothing else being sent in between, which
      // this queue guarantees. Control frames (pings) may come between, as §5.4 allows.
      const payload = start === 0 && fin ? message.bytes : message.bytes.subarray(start, end);
      // A write callback costs a turn of the event loop per frame; it is only needed to notice the
      // socket draining, so frames sent while little is buffered go without one.
      if (socket.bufferedAmount + payload.length > RESUME_AT) {
        socket.send(payload, { binary: message.binary, fin }, this.flushed);
      } else socket.send(payload, { binary: message.binary, fin });
      frames++;
      bytes += end - start;
      this.held -= end - start;
      if (fin) {
        this.queue.shift();
        this.headSent = 0;
        message.onSent?.();
      } else this.headSent = end;
    }
    // Closing: what is still queued will never be sent (delayed messages check again when due).
    if (socket.readyState !== socket.OPEN) this.dropQueued();
    this.regulate();
  };

  /** Each frame's write callback: the socket's buffer has shrunk, perhaps enough to go on. */
  private readonly flushed = (): void => {
    if (this.waiting === 'drain' && this.socket.bufferedAmount <= RESUME_AT) this.writeBatch();
    else if (this.paused) this.regulate();
  };

  /** Stops reading the client while it owes too much, and reads again once it has drained. */
  private regulate(): void {
    const { socket } = this;
    if (socket.readyState !== socket.OPEN) {
      // Closing: read again, so that the client's close frame can end the handshake (RFC 6455 §7.1.2).
      if (this.paused) {
        this.paused = false;
        socket.resume();
      }
      return;
    }
    const owed = this.owed;
    if (!this.paused && owed > OWED_LIMIT) {
      this.paused = true;
      socket.pause();
    } else if (this.paused && owed <= RESUME_AT) {
      this.paused = false;
      socket.resume();
    }
  }

  private dropQueued(): void {
    for (const message of this.queue) this.held -= message.bytes.length;
    this.held += this.headSent;
    this.queue.length = 0;
    this.headSent = 0;
  }
}
