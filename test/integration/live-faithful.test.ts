// The local Live API behaving as the public service does, driven by plain `ws` clients: the paths
// the SDKs open, the order of the server's messages, what setup accepts and how it refuses.
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { LIVE_TOKEN_PATH, livePath } from '../../core/routes';
import type { RunningServer } from '../../server/server';
import { serveWithTap } from './harness';
import { isTurnComplete, LiveClient, textOf, textTurn } from './live-client';

let server: RunningServer;

serveWithTap({}, (started) => {
  server = started;
});

/** The HTTP status an upgrade on `path` is refused with, or 101 when it is accepted. */
function upgradeStatus(path: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`);
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', () => {});
  });
}

describe('the paths the SDKs open', () => {
  it.each(['v1', 'v1beta', 'v1alpha'] as const)(
    'serves a whole text turn on the %s path',
    async (version) => {
      const client = await LiveClient.ready(
        server.port,
        '?chunkMs=0',
        {
          generationConfig: { responseModalities: ['TEXT'] },
        },
        livePath(version),
      );
      client.send(textTurn('which version?'));
      expect(textOf(await client.until(isTurnComplete))).toBe('You said "which version?" (14 bytes).');
      client.close();
    },
  );

  it('refuses a version no SDK uses with 404 before the upgrade', async () => {
    expect(await upgradeStatus(livePath('v1beta').replace('v1beta', 'v2'))).toBe(404);
    expect(await upgradeStatus(LIVE_TOKEN_PATH.replace('v1alpha', 'v1'))).toBe(404);
    expect(await upgradeStatus(`${LIVE_TOKEN_PATH}?access_token=auth_tokens/x`)).toBe(101);
  });
});
