// `npm run classroom:local` as a teacher runs it: it prints the learners' and the instructor's
// addresses, the class answers through nginx, and Ctrl+C stops nginx, the instances and Redis.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { missingPackages } from '../../scripts/classroom/launch';
import { learnerCookie } from './classroom-client';

const missing = missingPackages();
let child: ChildProcess | null = null;
// Stopped as a teacher would: the launcher then stops nginx, the instances and Redis, which run in
// process groups of their own and would outlive a launcher killed outright.
afterEach(async () => {
  const running = child;
  child = null;
  if (!running || running.exitCode !== null) return;
  running.kill('SIGINT');
  const stopped = await Promise.race([
    once(running, 'exit').then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 20_000)),
  ]);
  if (!stopped) running.kill('SIGKILL');
}, 30_000);

function run(args: string[]): { child: ChildProcess; output: () => string } {
  const started = spawn(process.execPath, ['--import', 'tsx', 'scripts/classroom-local.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = started;
  let output = '';
  started.stdout!.on('data', (chunk) => {
    output += String(chunk);
  });
  started.stderr!.on('data', (chunk) => {
    output += String(chunk);
  });
  return { child: started, output: () => output };
}

async function exitOf(process: ChildProcess): Promise<number | null> {
  if (process.exitCode !== null) return process.exitCode;
  const [code] = (await once(process, 'exit')) as [number | null];
  return code;
}

describe('npm run classroom:local', () => {
  it('refuses a bad flag with the reason and exit code 2', async () => {
    const { child, output } = run(['--instances', '0']);
    expect(await exitOf(child)).toBe(2);
    expect(output()).toMatch(/--instances wants a number from 1 to 16, got 0/);
  });

  it.skipIf(missing.length > 0)(
    'starts a class behind nginx, prints where to go, and stops all of it on Ctrl+C',
    async () => {
      const { child, output } = run([
        '--instances',
        '2',
        '--port',
        '0',
        '--instructor-token',
        'ctrl-c-stops-the-class-0123',
      ]);
      const deadline = Date.now() + 90_000;
      while (!/Press Ctrl\+C to stop/.test(output())) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`did not start:\n${output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const learners = /^ {2}learners\s+(http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(output())![1]!;
      expect(output()).toMatch(
        /^ {2}instructor\s+http:\/\/127\.0\.0\.1:\d+\/teach\?token=ctrl-c-stops-the-class-0123$/m,
      );
      expect(await learnerCookie(learners)).toMatch(/^wslab_session=l\d+\./);
      const instances = [...output().matchAll(/^ {2}i\d\s+(http:\/\/127\.0\.0\.1:\d+\/)$/gm)].map(
        (m) => m[1]!,
      );
      // The instances' own banners (their own address as the learners') are not passed on.
      expect(output()).not.toMatch(/\[i\d\].*learners/);
      expect(instances).toHaveLength(2);

      const redisPort = Number(/sharing redis:\/\/127\.0\.0\.1:(\d+)/.exec(output())![1]);

      child.kill('SIGINT');
      expect(await exitOf(child)).toBe(0);
      for (const url of [learners, ...instances]) {
        await expect(fetch(`${url}healthz`), `${url} still answers`).rejects.toThrow();
      }
      const redis = connect(redisPort, '127.0.0.1');
      const [error] = (await once(redis, 'error')) as [NodeJS.ErrnoException];
      expect(error.code).toBe('ECONNREFUSED');
    },
    120_000,
  );
});
