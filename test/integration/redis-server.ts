// A real redis-server on a free loopback port for a test, started as `npm run classroom:local`
// starts the class's (scripts/classroom/launch.ts); tests skip themselves when it is not installed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findExecutable, freePorts, startRedis } from '../../scripts/classroom/launch';

export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

export const redisInstalled = (): boolean => findExecutable('redis-server') !== null;

export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), 'wslab-redis-'));
  const [port] = await freePorts(1);
  const redis = await startRedis({ port: port!, dir, log: () => {} });
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      redis.expectExit();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
