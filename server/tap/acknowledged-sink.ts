// A JSON tap subscriber's socket, held to what its client has read. A client that stops reading
// takes megabytes into the kernel's socket buffers (on loopback here, 4 MB sent and more
// received) before its socket backs up in this process, and a JSON subscriber's bytes are JSON
// made for it alone: with 20 such clients that was hundreds of MB made for nobody, garbage in the
// server's memory. So `bufferedAmount` here counts the bytes sent that the client has not said it
// has read. Every quarter of its limit the tap sends a ping (RFC 6455 §5.5.2) whose payload is how
// many bytes it had sent; a client answers a ping only once it has read what came before it, so
// the pong says how far it has read. Every WebSocket client answers pings (browsers and `ws` do it
// themselves); one that does not is sent its limit and no more.
import type { WebSocket } from 'ws';
import type { TapSink } from './tap-subscriber';

export class AcknowledgedSink implements TapSink {
  private sent = 0;
  private acknowledged = 0;
  private pinged = 0;
  private readonly pingEvery: number;

  /** `limit`: the subscriber's send limit, so a ping goes out well before it is reached. */
  constructor(
    private readonly ws: WebSocket,
    limit: number,
  ) {
    this.pingEvery = Math.max(1, Math.floor(limit / 4));
    ws.on('pong', (data: Buffer) => {
      const read = Number(data.toString('latin1'));
      // A pong of its own (unsolicited, RFC 6455 §5.5.3) or a number never sent says nothing.
      if (Number.isInteger(read) && read > this.acknowledged && read <= this.sent) this.acknowledged = read;
    });
  }

  send(data: Uint8Array | string, options: { binary: boolean }, done?: (error?: Error) => void): void {
    this.ws.send(data, options, done);
    this.sent += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (this.sent - this.pinged >= this.pingEvery && this.ws.readyState === this.ws.OPEN) {
      this.ws.ping(String(this.sent));
      this.pinged = this.sent;
    }
  }

  /** Bytes sent that the client has not acknowledged reading: in this process, in the network, or unread. */
  get bufferedAmount(): number {
    return Math.max(this.ws.bufferedAmount, this.sent - this.acknowledged);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }
}
