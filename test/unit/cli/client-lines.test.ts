import { describe, expect, it } from 'vitest';
import { proxyClientLines } from '../../../server/cli/client-lines';

describe('the client lines printed for --target', () => {
  it('gives a plain WebSocket URL and Socket.IO’s origin with its path under /proxy', () => {
    expect(proxyClientLines('http://127.0.0.1:8765/', 'ws://127.0.0.1:9000')).toEqual([
      "WebSocket    new WebSocket('ws://127.0.0.1:8765/proxy')",
      "Socket.IO    io('http://127.0.0.1:8765', { path: '/proxy/socket.io/' })",
    ]);
  });

  it('reaches a target that already names /socket.io/ at /proxy/', () => {
    expect(proxyClientLines('http://[::1]:8765/', 'ws://[::1]:9000/socket.io/')[1]).toBe(
      "Socket.IO    io('http://[::1]:8765', { path: '/proxy/' })",
    );
  });
});
