// `npm run classroom:local -- --instances 3`: one classroom on this machine, served the way a school
// would serve it (see scripts/classroom/launch.ts), until Ctrl+C.
import { instructorTokenFlag, portFlag, readFlags } from '../server/cli/flags';
import {
  type ClassLaunch,
  DEFAULT_CLASS_PORT,
  launchClass,
  MAX_INSTANCES,
  missingPackages,
  missingPackagesMessage,
} from './classroom/launch';

const USAGE = `Usage: npm run classroom:local -- [options]

One wslab classroom served by several instances that share a Redis, behind nginx
(deploy/nginx.conf), all on 127.0.0.1. Needs nginx and redis-server installed.

Options:
  --instances N             wslab instances (1 to ${MAX_INSTANCES}, default 3)
  --port P                  nginx's port, the one learners open (default ${DEFAULT_CLASS_PORT}; 0 picks one)
  --instructor-token TOKEN  the token in the instructor's /teach link (default: a random one)
  -h, --help                show this help
`;

interface Options {
  instances: number;
  port: number;
  instructorToken?: string;
}

type Parsed = { ok: true; help: boolean; options: Options } | { ok: false; error: string };

function parse(argv: readonly string[]): Parsed {
  const options: Options = { instances: 3, port: DEFAULT_CLASS_PORT };
  let help = false;
  for (const { arg, flag, value } of readFlags(argv)) {
    switch (flag) {
      case '-h':
      case '--help':
        help = true;
        break;
      case '--instances': {
        const text = value();
        const count = text !== null && /^\d+$/.test(text) ? Number(text) : Number.NaN;
        if (!(count >= 1 && count <= MAX_INSTANCES))
          return {
            ok: false,
            error: `--instances wants a number from 1 to ${MAX_INSTANCES}, got ${text ?? 'nothing'}`,
          };
        options.instances = count;
        break;
      }
      case '--port': {
        const port = portFlag(value());
        if (!port.ok) return port;
        options.port = port.value;
        break;
      }
      case '--instructor-token': {
        const token = instructorTokenFlag(value());
        if (!token.ok) return token;
        options.instructorToken = token.value;
        break;
      }
      default:
        return { ok: false, error: `unknown option ${arg}` };
    }
  }
  return { ok: true, help, options };
}

const parsed = parse(process.argv.slice(2));
if (!parsed.ok) {
  process.stderr.write(`classroom:local: ${parsed.error}\n\n${USAGE}`);
  process.exit(2);
}
if (parsed.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const missing = missingPackages();
if (missing.length > 0) {
  process.stderr.write(`${missingPackagesMessage(missing)}\n`);
  process.exit(1);
}

// A signal while the class is starting stops it as soon as launchClass() hands it over.
let launch: ClassLaunch | null = null;
let signalled: string | null = null;
const stopOn = (signal: string): void => {
  if (signalled !== null) process.exit(1); // a second Ctrl+C means now
  signalled = signal;
  if (launch) shutDown(launch, 0);
};
process.on('SIGINT', () => stopOn('SIGINT'));
process.on('SIGTERM', () => stopOn('SIGTERM'));

function shutDown(running: ClassLaunch, code: number): void {
  process.stdout.write('Stopping nginx, the instances and Redis…\n');
  running.stop().then(
    () => process.exit(code),
    (error: Error) => {
      process.stderr.write(`classroom:local: ${error.message}\n`);
      process.exit(1);
    },
  );
}

try {
  launch = await launchClass({
    instances: parsed.options.instances,
    port: parsed.options.port,
    ...(parsed.options.instructorToken ? { instructorToken: parsed.options.instructorToken } : {}),
  });
} catch (error) {
  if (signalled !== null) process.exit(0);
  process.stderr.write(`classroom:local: the class did not start: ${(error as Error).message}\n`);
  process.exit(1);
}

if (signalled !== null) {
  shutDown(launch, 0);
} else {
  const count = launch.instances.length;
  process.stdout.write(
    `\nThe classroom is ready: ${count} wslab instance${count === 1 ? '' : 's'} behind nginx, sharing ${launch.redisUrl}\n` +
      `  learners     ${launch.url}\n` +
      `  instructor   ${launch.instructorUrl}\n` +
      launch.instances.map((instance, index) => `  i${index + 1}           ${instance.url}\n`).join('') +
      '  Press Ctrl+C to stop.\n',
  );
  launch.died.then((notice) => {
    if (signalled !== null || !launch) return;
    process.stderr.write(`classroom:local: ${notice}\nStopping the rest.\n`);
    shutDown(launch, 1);
  });
}
