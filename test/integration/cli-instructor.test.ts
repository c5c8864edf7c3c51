// The instructor's line at start-up: printed in classroom mode only, with the given or a random token.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../server/cli/args';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Starts the command line and returns what it printed up to its "Press Ctrl+C" line. */
async function startUp(args: string[]): Promise<string> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/cli/main.ts', ...args], {
    cwd: root,
    stdio: 'pipe',
  });
  try {
    return await new Promise<string>((resolve, reject) => {
      let seen = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        seen += chunk;
        if (seen.includes('Press Ctrl+C')) resolve(seen);
      });
      child.once('exit', () => reject(new Error(`the server exited before it was ready: ${seen}`)));
    });
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

describe('the instructor line', () => {
  it('prints the /teach link with --instructor-token in classroom mode', async () => {
    const token = 'teach-me-the-protocol-0123456789';
    const printed = await startUp(['--port', '0', '--classroom', '--instructor-token', token]);
    expect(printed).toMatch(
      new RegExp(`\\n  instructor: http://127\\.0\\.0\\.1:\\d+/teach\\?token=${token}\\n`),
    );
  });

  it('makes up a random token of at least 128 bits when none is given', async () => {
    const printed = await startUp(['--port', '0', '--classroom']);
    const token = /instructor: \S+\?token=([\w-]+)/.exec(printed)?.[1];
    expect(token?.length).toBeGreaterThanOrEqual(22);
  });

  it('prints no instructor line outside classroom mode', async () => {
    const printed = await startUp(['--port', '0']);
    expect(printed).not.toContain('instructor:');
  });

  it('refuses a token short enough to guess, saying what it wants', () => {
    expect(parseArgs(['--instructor-token', 'abc'])).toEqual({
      ok: false,
      error: '--instructor-token wants 16 to 128 letters, digits, - or _, got 3 characters',
    });
    expect(parseArgs(['--instructor-token', 'x'.repeat(16)])).toMatchObject({
      ok: true,
      options: { instructorToken: 'x'.repeat(16) },
    });
  });
});
