// The processes behind a benchmarked class: one classroom instance on its own (no Redis, no
// nginx), started as scripts/classroom/launch.ts starts each of its instances, and the RSS of
// each instance's process. Linux only (/proc), like the rest of the benchmarks.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SupervisedProcess } from '../scripts/classroom/supervised-process';
import { ensureWebBuild } from '../scripts/ensure-web-build.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY_MS = 60_000;

export interface SingleInstance {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  port: number;
  pid: number | null;
  stop(): Promise<void>;
}

/** `--classroom` alone: the learners' sessions and the board live in this one process. */
export async function startSingleInstance(
  instructorToken: string,
  log: (line: string) => void,
): Promise<SingleInstance> {
  await ensureWebBuild();
  const child = new SupervisedProcess({
    label: '[i1]',
    command: process.execPath,
    args: [
      '--import',
      'tsx',
      'server/cli/main.ts',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--classroom',
      '--instructor-token',
      instructorToken,
    ],
    cwd: ROOT,
    log,
  });
  let url = '';
  try {
    await child.waitForLine((line) => {
      const ready = /^wslab is ready: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(line);
      if (ready) url = ready[1]!;
      return ready !== null;
    }, READY_MS);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { url, port: Number(new URL(url).port), pid: child.pid, stop: () => child.stop() };
}

/** VmRSS in bytes, or null once the process has gone. */
export function rssOf(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Each instance's RSS now and the highest seen, sampled whenever `sample()` is called. */
export class RssSampler {
  readonly peak: number[];
  constructor(private readonly pids: readonly (number | null)[]) {
    this.peak = pids.map(() => 0);
  }

  sample(): (number | null)[] {
    const now = this.pids.map((pid) => (pid === null ? null : rssOf(pid)));
    now.forEach((rss, i) => {
      if (rss !== null && rss > this.peak[i]!) this.peak[i] = rss;
    });
    return now;
  }
}
