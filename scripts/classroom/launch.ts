// One classroom on this machine as a school would run it: a Redis, several wslab instances sharing
// it (--redis), and nginx in front routing by learner (deploy/nginx.conf). Everything listens on
// 127.0.0.1 only. `npm run classroom:local` is its command line; tests and benchmarks import it.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureWebBuild } from '../ensure-web-build.mjs';
import { nginxConfigFor } from './nginx-config';
import { SupervisedProcess } from './supervised-process';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const NGINX_TEMPLATE = path.join(ROOT, 'deploy/nginx.conf');
const HOST = '127.0.0.1';
export const DEFAULT_CLASS_PORT = 8080;
export const MAX_INSTANCES = 16;
/** The Debian/Ubuntu packages of the two programs, named as their executables are. */
const PACKAGES = ['nginx', 'redis-server'] as const;
// nginx lives in sbin, which a normal user's PATH often leaves out.
const SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin'];
// An instance compiles its TypeScript on start: a loaded two-core machine takes a while.
const INSTANCE_READY_MS = 60_000;
const REDIS_READY_MS = 10_000;
const NGINX_READY_MS = 10_000;
const POLL_MS = 100;

export interface ClassInstance {
  port: number;
  /** Its process id (null if it never started), e.g. to read its memory. */
  pid: number | null;
  /** `http://127.0.0.1:<port>/`: this instance directly, past nginx. */
  url: string;
}

export interface ClassLaunch {
  /** What learners open: nginx's address. */
  url: string;
  /** `/teach?token=…` through nginx. */
  instructorUrl: string;
  instructorToken: string;
  instances: ClassInstance[];
  redisUrl: string;
  nginxPort: number;
  /** Resolves, naming the process and its last lines, when one exits before stop(). */
  died: Promise<string>;
  /** Stops nginx, then the instances, then Redis (each SIGTERM, SIGKILL after 5 s); removes the temp folder. */
  stop(): Promise<void>;
}

export interface ClassOptions {
  /** wslab instances, 1 to MAX_INSTANCES. */
  instances: number;
  /** nginx's port (default 8080; 0 picks a free one). */
  port?: number;
  /** The instructor's token (default: 32 random hex digits). */
  instructorToken?: string;
  /** Every process's output, a line at a time, labelled `[redis]`, `[i1]`…, `[nginx]` (default: stdout). */
  log?: (line: string) => void;
  /** More flags for every instance, e.g. `--allow-host classroom.example`. */
  extraArgs?: readonly string[];
}

/** The executable's path, looking in PATH and in the sbin folders; null when it is not installed. */
export function findExecutable(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...SBIN_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Which of nginx and redis-server this machine lacks. */
export function missingPackages(): string[] {
  return PACKAGES.filter((name) => findExecutable(name) === null);
}

/** `Missing: nginx redis-server. Install them with: sudo apt-get install -y nginx redis-server` */
export function missingPackagesMessage(missing: readonly string[]): string {
  const names = missing.join(' ');
  return `Missing: ${names}. Install ${missing.length === 1 ? 'it' : 'them'} with: sudo apt-get install -y ${names}`;
}

export async function launchClass(options: ClassOptions): Promise<ClassLaunch> {
  const count = options.instances;
  if (!Number.isInteger(count) || count < 1 || count > MAX_INSTANCES) {
    throw new RangeError(`instances must be a whole number from 1 to ${MAX_INSTANCES}, not ${count}`);
  }
  const missing = missingPackages();
  if (missing.length > 0) throw new Error(missingPackagesMessage(missing));
  const nginx = findExecutable('nginx')!;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const token = options.instructorToken ?? randomBytes(16).toString('hex');
  const template = readFileSync(NGINX_TEMPLATE, 'utf8');

  // The instances serve dist/web, as `npm start` does after its prestart.
  await ensureWebBuild();

  const dir = mkdtempSync(path.join(os.tmpdir(), 'wslab-class-'));
  // Started as root, nginx's workers run as another user and still write their temp files here.
  chmodSync(dir, 0o755);
  const start = (label: string, command: string, args: string[]): SupervisedProcess =>
    new SupervisedProcess({ label, command, args, cwd: ROOT, log: withoutBanner(log, label) });
  let redis: SupervisedProcess | null = null;
  let instances: SupervisedProcess[] = [];
  let front: SupervisedProcess | null = null;
  const everyProcess = (): SupervisedProcess[] =>
    [redis, ...instances, front].filter((child): child is SupervisedProcess => child !== null);

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const child of everyProcess()) child.expectExit();
      // nginx first, so no request reaches an instance that is going away; Redis last, as the
      // instances may still write to it while they close.
      await front?.stop();
      await Promise.all(instances.map((child) => child.stop()));
      await redis?.stop();
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    const wantsFreeNginxPort = options.port === 0;
    const ports = await freePorts(count + 1 + (wantsFreeNginxPort ? 1 : 0));
    const redisPort = ports[0]!;
    const instancePorts = ports.slice(1, count + 1);
    const nginxPort = wantsFreeNginxPort ? ports[count + 1]! : (options.port ?? DEFAULT_CLASS_PORT);
    const redisUrl = `redis://${HOST}:${redisPort}`;

    redis = await startRedis({ port: redisPort, dir, log }, (child) => {
      redis = child;
    });

    // Each instance as `npm start` runs it (tsx server/cli/main.ts), in this Node.
    instances = instancePorts.map((port, index) =>
      start(`[i${index + 1}]`, process.execPath, [
        '--import',
        'tsx',
        'server/cli/main.ts',
        '--host',
        HOST,
        '--port',
        String(port),
        '--classroom',
        '--redis',
        redisUrl,
        '--instructor-token',
        token,
        ...(options.extraArgs ?? []),
      ]),
    );
    await Promise.all(
      instances.map((child) =>
        child.waitForLine((line) => line.startsWith('wslab is ready'), INSTANCE_READY_MS),
      ),
    );

    const configFile = path.join(dir, 'nginx.conf');
    writeFileSync(
      configFile,
      nginxConfigFor(template, {
        listen: `${HOST}:${nginxPort}`,
        instances: instancePorts.map((port) => `${HOST}:${port}`),
        dir,
      }),
    );
    const check = spawnSync(nginx, ['-t', '-q', '-p', `${dir}/`, '-c', configFile], { encoding: 'utf8' });
    if (check.status !== 0) {
      throw new Error(
        `nginx refused the config made from deploy/nginx.conf:\n${check.stderr || check.error}`,
      );
    }
    front = start('[nginx]', nginx, ['-p', `${dir}/`, '-c', configFile, '-g', 'daemon off;']);
    await waitForHealth(`http://${HOST}:${nginxPort}/healthz`, front);

    const url = `http://${HOST}:${nginxPort}/`;
    return {
      url,
      instructorUrl: `${url}teach?token=${token}`,
      instructorToken: token,
      instances: instancePorts.map((port, i) => ({
        port,
        pid: instances[i]!.pid,
        url: `http://${HOST}:${port}/`,
      })),
      redisUrl,
      nginxPort,
      died: firstDeath(everyProcess()),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function firstDeath(processes: readonly SupervisedProcess[]): Promise<string> {
  return new Promise((resolve) => {
    for (const child of processes) {
      child.exited.then((how) => {
        if (!child.exitIsExpected) resolve(child.deathNotice(how));
      });
    }
  });
}

/**
 * An instance's start-up banner names its own address as the learners' and ends "Press Ctrl+C":
 * both wrong behind nginx, where the launcher prints the class's addresses instead. The rest of
 * what the instance says (errors, Redis trouble) goes on to the log.
 */
function withoutBanner(log: (line: string) => void, label: string): (line: string) => void {
  let inBanner = false;
  return (line) => {
    const text = line.slice(label.length + 1);
    if (text.startsWith('wslab is ready')) inBanner = true;
    if (!inBanner) log(line);
    if (text.trim() === 'Press Ctrl+C to stop.') inBanner = false;
  };
}

/** Free loopback ports, all held at once while choosing so that no two are the same. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, HOST, resolve);
      });
    }
    return servers.map((server) => (server.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** Retries until `ready` answers true; throws when the process exits first or time runs out. */
async function pollUntil(
  child: SupervisedProcess,
  what: string,
  timeoutMs: number,
  ready: () => Promise<boolean>,
): Promise<void> {
  let exit: string | null = null;
  child.exited.then((how) => {
    exit = how;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exit !== null) throw new Error(child.deathNotice(exit));
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`${child.label} ${what} within ${timeoutMs / 1000} s`);
}

/**
 * A redis-server on 127.0.0.1:`port` keeping nothing on disk (the class lives as long as the run),
 * once it answers PING. `started` is told the process at once, so that it can be stopped should
 * the wait fail.
 */
export async function startRedis(
  options: { port: number; dir: string; log: (line: string) => void },
  started: (child: SupervisedProcess) => void = () => {},
): Promise<SupervisedProcess> {
  const binary = findExecutable('redis-server');
  if (!binary) throw new Error(missingPackagesMessage(['redis-server']));
  const { port, dir, log } = options;
  const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no'];
  const redis = new SupervisedProcess({
    label: '[redis]',
    command: binary,
    args: [...args, '--dir', dir, '--loglevel', 'warning'],
    cwd: ROOT,
    log,
    errorsOnStdout: true,
  });
  started(redis);
  // redis-cli may not be installed: the ping is written by hand (RESP inline command).
  await pollUntil(redis, 'did not answer PING', REDIS_READY_MS, () => redisAnswersPing(port));
  return redis;
}

function redisAnswersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    let answer = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

function waitForHealth(url: string, nginx: SupervisedProcess): Promise<void> {
  return pollUntil(nginx, `did not answer ${url} with 200`, NGINX_READY_MS, async () => {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      return response.status === 200;
    } catch {
      return false;
    }
  });
}
