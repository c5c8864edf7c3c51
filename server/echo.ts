import type { WebSocket } from 'ws';
import { ECHO_PATH } from '../core/routes';
import { type EchoBehaviour, parseEchoBehaviour } from './echo-behaviour';
import { EchoOutbox } from './echo-outbox';
import type { TappedEndpoint } from './endpoint';

const MAX_TICKS = 1000;

/** The seed article's reply: the server names what it received. */
export function echoReply(text: string): string {
  return `Server received: '${text}'`;
}

/**
 * A reply is at most this many frames: `fragment=N` then takes messages whose reply is at most
 * N × 4 096 bytes, and a larger one closes the connection with 1009 (RFC 6455 §7.4.1: too big to
 * process). Without the bound, `fragment=1` turns one 1 MiB message into a million frames.
 */
export const MAX_REPLY_FRAMES = 4096;

/**
 * Serves one echo connection. This runs once per client, for as long as that client stays
 * connected: each connection has its own handler, its own timers, its own count of replies and
 * its own outbox, which keeps the replies in order and what the server owes the client bounded.
 */
export function serveEcho(socket: WebSocket, behaviour: EchoBehaviour): void {
  let replied = 0;
  const outbox = new EchoOutbox(socket, behaviour.fragment);
  const timers: NodeJS.Timeout[] = [];
  socket.once('close', () => {
    for (const timer of timers) clearInterval(timer);
  });

  const sendText = (text: string): void => outbox.send({ bytes: Buffer.from(text), binary: false });

  const afterReply = (): void => {
    if (behaviour.dropAfter !== undefined && replied >= behaviour.dropAfter) {
      // No close frame at all: the client sees 1006, an abnormal closure (RFC 6455 §7.1.5).
      socket.terminate();
    } else if (behaviour.closeAfter !== undefined && replied >= behaviour.closeAfter) {
      outbox.close(behaviour.closeCode, behaviour.closeReason);
    }
  };
  const onReplied = (): void => {
    replied++;
    afterReply();
  };

  socket.on('message', (data: Buffer, isBinary: boolean) => {
    if (socket.readyState !== socket.OPEN) return;
    const bytes = isBinary ? data : Buffer.from(echoReply(data.toString('utf8')));
    const { fragment } = behaviour;
    if (fragment && bytes.length > fragment * MAX_REPLY_FRAMES) {
      outbox.close(
        1009,
        `fragment=${fragment} allows replies of at most ${fragment * MAX_REPLY_FRAMES} bytes (${MAX_REPLY_FRAMES} frames)`,
      );
      return;
    }
    if (!behaviour.delay) {
      outbox.send({ bytes, binary: isBinary, onSent: onReplied });
      return;
    }
    // A copy: `ws` may hand over a slice of a larger read, which a waiting reply would keep alive.
    const kept = isBinary ? Buffer.from(bytes) : bytes;
    outbox.sendLater({ bytes: kept, binary: isBinary, onSent: onReplied }, behaviour.delay);
  });

  if (behaviour.greet) sendText('Welcome to the wslab echo server. Send me anything.');
  if (behaviour.ping) timers.push(setInterval(() => socket.ping('wslab'), behaviour.ping));
  if (behaviour.tick) {
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
      sendText(`tick ${ticks}`);
      if (ticks >= MAX_TICKS) clearInterval(timer);
    }, behaviour.tick);
    timers.push(timer);
  }
  // closeAfter=0 / dropAfter=0: act as soon as the connection opens.
  if (behaviour.dropAfter === 0 || behaviour.closeAfter === 0) afterReply();
}

/** The echo server answers on `/` (so `ws://localhost:8765` works as in the seed article) and `/echo`. */
export const echoEndpoint: TappedEndpoint<EchoBehaviour> = {
  kind: 'echo',
  matches: (pathname) => pathname === '/' || pathname === ECHO_PATH,
  parse: parseEchoBehaviour,
  deflate: (behaviour) => behaviour.deflate,
  serve: serveEcho,
};
