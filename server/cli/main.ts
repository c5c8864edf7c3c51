import { readFileSync } from 'node:fs';
import { LIVE_PATH } from '../../core/routes';
import { classroomLines } from '../classroom/startup-lines';
import { recordFileProblem, writeSessionFile } from '../export/session-export';
import { startServer } from '../server';
import { parseArgs, USAGE } from './args';
import { proxyClientLines } from './client-lines';
import { lanUrls } from './lan-urls';

const parsed = parseArgs(process.argv.slice(2));
if (!parsed.ok) {
  process.stderr.write(`wslab: ${parsed.error}\n\n${USAGE}`);
  process.exit(2);
}
if (parsed.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

if (parsed.caFile) {
  try {
    parsed.options.ca = readFileSync(parsed.caFile);
  } catch (error) {
    process.stderr.write(`wslab: cannot read --ca ${parsed.caFile}: ${(error as Error).message}\n`);
    process.exit(2);
  }
}

const recordProblem = parsed.recordFile ? recordFileProblem(parsed.recordFile) : null;
if (recordProblem) {
  process.stderr.write(`wslab: --record ${recordProblem}\n`);
  process.exit(2);
}

try {
  const server = await startServer(parsed.options);
  const wsBase = server.url.replace(/^http/, 'ws');
  process.stdout.write(
    `wslab is ready: ${server.url}${parsed.options.startView === 'inspector' ? '?view=inspector' : ''}\n  echo server  ${wsBase}echo\n  live tap     ${wsBase}tap\n` +
      `  Live API     ${wsBase}${LIVE_PATH.slice(1)}\n` +
      (parsed.options.target
        ? `  proxy        ${wsBase}proxy → ${parsed.options.target}\n` +
          proxyClientLines(server.url, parsed.options.target)
            .map((line) => `  ${line}\n`)
            .join('')
        : '') +
      (parsed.recordFile ? `  recording    to ${parsed.recordFile} when stopped\n` : '') +
      classroomLines(parsed.options)
        .map((line) => `  ${line}\n`)
        .join('') +
      // Bound to every address, the printed links name the ones learners can reach.
      (server.instructorUrl
        ? lanUrls(server.url)
            .map((url) => `  learners     ${url}\n`)
            .join('') +
          lanUrls(server.instructorUrl)
            .map((url) => `  instructor: ${url}\n`)
            .join('')
        : '') +
      '  Press Ctrl+C to stop.\n',
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      process.exit(1); // a second Ctrl+C means now
    }
    stopping = true;
    process.stdout.write(`\n${signal}: closing every WebSocket with 1001 (going away)…\n`);
    server
      .close()
      .then(async () => {
        // After close(): every connection has ended, so the file holds each one's close.
        const file = parsed.recordFile;
        if (file) {
          const count = await writeSessionFile(server.recordings(), file);
          process.stdout.write(`Wrote ${count} recorded connection${count === 1 ? '' : 's'} to ${file}\n`);
        }
      })
      .then(
        () => process.exit(0),
        (error: Error) => {
          process.stderr.write(`wslab: ${error.message}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (error) {
  const err = error as NodeJS.ErrnoException;
  if (err.code === 'EADDRINUSE') {
    process.stderr.write(
      `wslab: the port is already in use. Stop the other server or pick another: npm start -- --port 8766\n`,
    );
  } else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') {
    process.stderr.write(`wslab: cannot listen on that host (${err.message}). Try --host 127.0.0.1\n`);
  } else {
    process.stderr.write(`wslab: could not start: ${err.message}\n`);
  }
  process.exit(1);
}
