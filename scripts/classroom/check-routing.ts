// A check by hand that nginx keeps each learner on one instance: starts a class on free ports,
// asks each instance who it is through nginx (/healthz names it: `class.instance`) the three ways
// a learner's requests come (cookie, a snippet's ?wslab_run=, the Watch's ?learner=), opens a
// WebSocket through nginx, and stops the class.
//
//   npx tsx scripts/classroom/check-routing.ts [instances]
import { WebSocket } from 'ws';
import { launchClass } from './launch';

const SAMPLES = 5;
const LEARNERS = 12;
const COOKIE = /wslab_session=(l(\d+)\.[A-Za-z0-9_-]{22});/;

const instances = Number(process.argv[2] ?? 3);
const quiet: string[] = [];
const launch = await launchClass({ instances, port: 0, log: (line) => quiet.push(line) });
const base = launch.url.replace(/\/$/, '');
let failed = false;

function check(ok: boolean, what: string): void {
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${what}\n`);
  if (!ok) failed = true;
}

async function instanceOf(path: string, cookie?: string): Promise<string> {
  const response = await fetch(`${base}${path}`, { headers: cookie ? { cookie } : {} });
  const health = (await response.json()) as { class?: { instance?: string } };
  return health.class?.instance ?? '(no class in /healthz)';
}

async function newLearner(): Promise<{ cookie: string; id: string }> {
  const response = await fetch(`${base}/`);
  await response.arrayBuffer();
  const match = COOKIE.exec(response.headers.get('set-cookie') ?? '');
  if (!match)
    throw new Error(`GET / set no wslab_session=l<N>.… cookie: ${response.headers.get('set-cookie')}`);
  return { cookie: `wslab_session=${match[1]}`, id: `l${match[2]}` };
}

/**
 * Null when a WebSocket to `path` through nginx opens (and, for the echo, echoes), else what went
 * wrong. The page's Origin goes along: wslab compares it with the Host nginx passed on.
 */
function socketProblem(path: string, cookie: string, expectEcho: boolean): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${base.replace(/^http/, 'ws')}${path}`, {
      headers: { cookie, origin: base },
    });
    const timer = setTimeout(() => done('no echo within 5 s'), 5000);
    const done = (problem: string | null): void => {
      clearTimeout(timer);
      socket.terminate();
      resolve(problem);
    };
    socket.once('open', () => (expectEcho ? socket.send('through nginx') : done(null)));
    socket.once('message', (data) =>
      done(data.toString().includes('through nginx') ? null : `echoed ${data}`),
    );
    socket.once('unexpected-response', (_request, response) => done(`refused with ${response.statusCode}`));
    socket.once('error', (error) => done(error.message));
  });
}

try {
  const learner = await newLearner();
  check(true, `GET / through nginx gives a session cookie (${learner.id})`);

  const byCookie = new Set<string>();
  for (let i = 0; i < SAMPLES; i++) byCookie.add(await instanceOf('/healthz', learner.cookie));
  check(
    byCookie.size === 1,
    `${SAMPLES} requests with the cookie reach one instance (${[...byCookie].join(', ')})`,
  );
  const home = [...byCookie][0]!;

  const run = learner.cookie.slice('wslab_session='.length);
  check(
    (await instanceOf(`/healthz?wslab_run=${run}`)) === home,
    "a snippet's ?wslab_run= reaches the same one",
  );
  check(
    (await instanceOf(`/healthz?learner=${learner.id}`)) === home,
    "the Watch's ?learner= reaches the same one",
  );

  if (launch.instances.length > 1) {
    const homes = new Set<string>();
    for (let i = 0; i < LEARNERS; i++) homes.add(await instanceOf('/healthz', (await newLearner()).cookie));
    check(
      homes.size > 1,
      `${LEARNERS} new learners spread over ${homes.size} of ${launch.instances.length} instances`,
    );
  }

  const echo = await socketProblem('/echo', learner.cookie, true);
  check(echo === null, `the echo server answers through nginx${echo ? ` (${echo})` : ''}`);
  const tap = await socketProblem('/tap', learner.cookie, false);
  check(tap === null, `the learner's tap opens through nginx${tap ? ` (${tap})` : ''}`);
  const teach = await fetch(launch.instructorUrl);
  await teach.arrayBuffer();
  check(teach.status === 200, `the instructor's /teach answers through nginx (${teach.status})`);
} catch (error) {
  check(false, (error as Error).message);
} finally {
  await launch.stop();
}
if (failed) process.stdout.write(`\nThe class's own output:\n${quiet.join('\n')}\n`);
process.exit(failed ? 1 : 0);
