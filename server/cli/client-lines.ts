import { PROXY_PATH } from '../../core/routes';

/**
 * The lines a user copies into their client to go through `/proxy` to `--target`: a plain
 * WebSocket, and Socket.IO, whose client takes the server's origin and a `path` of its own.
 * A target that already names Socket.IO's path (`…/socket.io/`) is reached at `/proxy/`.
 */
export function proxyClientLines(httpBase: string, target: string): string[] {
  const base = new URL(httpBase);
  const origin = `http://${base.host}`;
  const ws = `ws://${base.host}${PROXY_PATH}`;
  const targetPath = new URL(target).pathname;
  const socketIoPath = /\/socket\.io\/?$/.test(targetPath) ? `${PROXY_PATH}/` : `${PROXY_PATH}/socket.io/`;
  return [`WebSocket    new WebSocket('${ws}')`, `Socket.IO    io('${origin}', { path: '${socketIoPath}' })`];
}
