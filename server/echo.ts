import type { WebSocket } from 'ws';
import { ECHO_PATH } from '../core/routes';
import { type EchoBehaviour, parseEchoBehaviour } from './echo-behaviour';
import type { TappedEndpoint } from './endpoint';

const MAX_TICKS = 1000;

/** The seed article's reply: the server names what it received. */
export function echoReply(text: string): string {
  return `Server received: '${text}'`;
}

/**
 * Serves one echo connection. This runs once per client, for as long as that client stays
 * connected: each connection has its own handler, its own timers and its own count of messages.
 */
export function serveEcho(socket: WebSocket, behaviour: EchoBehaviour): void {
  let received = 0;
  const timers: NodeJS.Timeout[] = [];
  socket.once('close', () => {
    for (const timer of timers) clearInterval(timer);
  });

  const send = (data: string | Buffer, binary: boolean): void => {
    const size = behaviour.fragment;
    if (!size || data.length <= size) {
      socket.send(data, { binary });
      return;
    }
    // RFC 6455 §5.4: the first frame carries the opcode, the rest are continuations, the last has FIN.
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let at = 0; at < bytes.length; at += size) {
      socket.send(bytes.subarray(at, at + size), { binary, fin: at + size >= bytes.length });
    }
  };

  const afterReply = (): void => {
    if (behaviour.dropAfter !== undefined && received >= behaviour.dropAfter) {
      // No close frame at all: the client sees 1006, an abnormal closure (RFC 6455 §7.1.5).
      socket.terminate();
    } else if (behaviour.closeAfter !== undefined && received >= behaviour.closeAfter) {
      socket.close(behaviour.closeCode, behaviour.closeReason);
    }
  };

  const reply = (data: Buffer, isBinary: boolean): void => {
    if (socket.readyState !== socket.OPEN) return;
    if (isBinary) send(data, true);
    else send(echoReply(data.toString('utf8')), false);
    afterReply();
  };

  // Delayed replies: each timer is forgotten once it fires, so a long conversation keeps none.
  const delayed = new Set<NodeJS.Timeout>();
  socket.once('close', () => {
    for (const timer of delayed) clearTimeout(timer);
  });

  socket.on('message', (data: Buffer, isBinary: boolean) => {
    received++;
    if (!behaviour.delay) {
      reply(data, isBinary);
      return;
    }
    const timer = setTimeout(() => {
      delayed.delete(timer);
      reply(data, isBinary);
    }, behaviour.delay);
    delayed.add(timer);
  });

  if (behaviour.greet) send('Welcome to the wslab echo server. Send me anything.', false);
  if (behaviour.ping) timers.push(setInterval(() => socket.ping('wslab'), behaviour.ping));
  if (behaviour.tick) {
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
      send(`tick ${ticks}`, false);
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
