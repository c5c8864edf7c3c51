import { normalOrigin } from '../host-check';
import { DEFAULT_HOST, DEFAULT_MAX_PAYLOAD, DEFAULT_PORT, type ServerOptions } from '../server';
import { instructorTokenFlag, portFlag, readFlags } from './flags';

export const USAGE = `Usage: npx wslab [options]      (in a clone of the repository: npm start -- [options])

wslab: a WebSocket playground. Serves the page, an echo server and the live tap on one port.

Options:
  --port N            port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H            address to bind (default ${DEFAULT_HOST}; 0.0.0.0 exposes it to your network)
  --max-payload SIZE  largest message the echo server accepts, e.g. 65536, 64KiB, 1MiB
                      (default 1MiB); larger ones are closed with 1009
  --history SIZE      memory for the tap's history of captured bytes, e.g. 16MiB (default
                      64MiB, at least 1MiB); the oldest connections leave it first
  --allow-host NAME   accept this host name in the Host header too (repeatable)
  --deflate           accept permessage-deflate on the echo server (per connection: ?deflate=1)
  --target URL        relay ws://…/proxy to this ws:// or wss:// server, byte for byte
  --allow-target H[:P]  let /proxy relay to this non-loopback host too (repeatable)
  --allow-origin ORIGIN  let pages from this origin use /proxy, e.g. your app's dev server
                      http://localhost:3000 (repeatable; the tap and the API stay this page's)
  --ca FILE           trust these PEM certificates for wss:// targets
  --insecure          accept any certificate from wss:// targets (self-signed test servers)
  --record FILE       when the server stops, write the session's recorded connections to FILE:
                      HAR if it ends in .har, pcapng (Wireshark, tshark) if it ends in .pcapng
  --instructor-token TOKEN  the token in the instructor's /teach link, in classroom mode
                      (default: a random one, printed at start-up)
  --classroom         classroom mode even on this machine's own address: each browser (learner)
                      sees only its own traffic; /proxy and workbench targets other than
                      wslab's own are off. On by default whenever --host is not a loopback address
  --no-classroom      no classroom mode, even with such a --host: everyone sees all the traffic
  --allow-proxy       keep /proxy and other workbench targets on in classroom mode
  --redis URL         one classroom across several instances (redis://host:6379/DB): learner
                      numbers, sessions, the instructor token and the board are shared; put
                      nginx in front to keep each learner on one instance (deploy/nginx.conf)
  --inspect           open on the inspector-first view (/?view=inspector): frames full width,
                      newest first, no lessons or chat; /?view=playground still has them
  --dev               serve the UI through Vite with hot reload
  -h, --help          show this help

Paths:
  /                   the playground page
  ws://…/echo         the echo server (also ws://…/); query parameters choose behaviours
  ws://…/tap          every handshake and frame of every other connection, as JSON
                      (?format=raw: the captured bytes, as the page reads them)
  ws://…/proxy        relays to --target, or to ?target=ws://host:port/path; a path below
                      /proxy and the query go on to the target
  http://…/proxy      the same for plain HTTP requests (Socket.IO's long-polling)
  /healthz            uptime and connection counts
`;

export type ParsedArgs =
  | { ok: true; help: boolean; options: ServerOptions; caFile?: string; recordFile?: string }
  | { ok: false; error: string };

const SIZE = /^(\d+)\s*(b|kb|kib|mb|mib)?$/i;

export function parseSize(text: string): number | null {
  const match = SIZE.exec(text.trim());
  if (!match) return null;
  const unit = (match[2] ?? 'b').toLowerCase();
  const factor = unit === 'b' ? 1 : unit.startsWith('k') ? 1024 : 1024 * 1024;
  const value = Number(match[1]) * factor;
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}

/** Reads the command line. Every mistake gets a message naming the flag and what it wants. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const options: ServerOptions = {};
  let help = false;
  let caFile: string | undefined;
  let recordFile: string | undefined;
  for (const { arg, flag, value } of readFlags(argv)) {
    switch (flag) {
      case '-h':
      case '--help':
        help = true;
        break;
      case '--dev':
        options.dev = true;
        break;
      case '--deflate':
        options.deflate = true;
        break;
      case '--inspect':
        options.startView = 'inspector';
        break;
      case '--classroom':
        options.classroom = true;
        break;
      case '--no-classroom':
        options.classroom = false;
        break;
      case '--allow-proxy':
        options.allowProxy = true;
        break;
      case '--target': {
        const text = value();
        if (!text || !/^wss?:\/\//i.test(text)) {
          return { ok: false, error: `--target wants a ws:// or wss:// URL, got ${text ?? 'nothing'}` };
        }
        options.target = text;
        break;
      }
      case '--allow-target': {
        const text = value();
        if (!text) return { ok: false, error: '--allow-target wants host or host:port' };
        options.allowTargets = [...(options.allowTargets ?? []), text];
        break;
      }
      case '--allow-origin': {
        const text = value();
        const origin = text === null ? null : normalOrigin(text);
        if (origin === null)
          return {
            ok: false,
            error: `--allow-origin wants an http:// or https:// origin such as http://localhost:3000, got ${text ?? 'nothing'}`,
          };
        options.allowOrigins = [...(options.allowOrigins ?? []), origin];
        break;
      }
      case '--ca': {
        const text = value();
        if (!text) return { ok: false, error: '--ca wants a file of PEM certificates' };
        caFile = text;
        break;
      }
      case '--record': {
        const text = value();
        if (!text || !/\.(har|pcapng)$/i.test(text)) {
          return {
            ok: false,
            error: `--record wants a file name ending in .har or .pcapng, got ${text ?? 'nothing'}`,
          };
        }
        recordFile = text;
        break;
      }
      case '--insecure':
        options.insecure = true;
        break;
      case '--port': {
        const port = portFlag(value());
        if (!port.ok) return port;
        options.port = port.value;
        break;
      }
      case '--host': {
        const text = value();
        if (!text) return { ok: false, error: '--host wants an address, such as 127.0.0.1' };
        options.host = text;
        break;
      }
      case '--max-payload': {
        const text = value();
        const size = text === null ? null : parseSize(text);
        if (size === null)
          return {
            ok: false,
            error: `--max-payload wants a size such as 65536, 64KiB or 1MiB, got ${text ?? 'nothing'}`,
          };
        options.maxPayload = size;
        break;
      }
      case '--history': {
        const text = value();
        const size = text === null ? null : parseSize(text);
        if (size === null || size < 1024 * 1024)
          return {
            ok: false,
            error: `--history wants a size of at least 1MiB, such as 16MiB or 64MiB, got ${text ?? 'nothing'}`,
          };
        options.historyBytes = size;
        break;
      }
      case '--instructor-token': {
        const token = instructorTokenFlag(value());
        if (!token.ok) return token;
        options.instructorToken = token.value;
        break;
      }
      case '--redis': {
        const text = value();
        if (!text || !isRedisUrl(text))
          return {
            ok: false,
            error: `--redis wants a redis:// or rediss:// URL, such as redis://127.0.0.1:6379, got ${text || 'nothing'}`,
          };
        options.redis = text;
        break;
      }
      case '--allow-host': {
        const text = value();
        if (!text) return { ok: false, error: '--allow-host wants a host name' };
        options.allowedHosts = [...(options.allowedHosts ?? []), text];
        break;
      }
      default:
        return { ok: false, error: `unknown option ${arg}` };
    }
  }
  if (options.maxPayload === undefined) options.maxPayload = DEFAULT_MAX_PAYLOAD;
  return { ok: true, help, options, ...(caFile ? { caFile } : {}), ...(recordFile ? { recordFile } : {}) };
}

function isRedisUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}
