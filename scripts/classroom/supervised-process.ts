// One process of a local class (redis, an instance, nginx): its output goes to the log line by line
// under its label, its last lines are kept to say why it died, and stopping it is bounded in time.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

// Lines of errors kept to explain an unexpected exit: the first say what went wrong (wslab's own
// message comes before its usage text), the last what happened at the end.
const FIRST_LINES = 3;
const LAST_LINES = 8;
/** How long a process has to exit on SIGTERM before it gets SIGKILL. */
export const STOP_GRACE_MS = 5000;

export interface ProcessSpec {
  /** `[i1]`, `[redis]`…: what its lines start with in the log. */
  label: string;
  command: string;
  args: readonly string[];
  cwd?: string;
  log: (line: string) => void;
  /** It reports its errors on stdout (redis-server logs everything there). */
  errorsOnStdout?: boolean;
}

export class SupervisedProcess {
  readonly label: string;
  private readonly child: ChildProcess;
  private readonly firstErrors: string[] = [];
  private readonly lastErrors: string[] = [];
  private errorLines = 0;
  private readonly lineListeners = new Set<(line: string) => void>();
  private exitExpected = false;
  /** Resolves with how it ended (`exit code 1`, `signal SIGKILL`, or the spawn error). */
  readonly exited: Promise<string>;

  constructor(spec: ProcessSpec) {
    this.label = spec.label;
    this.child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: Ctrl+C in the terminal reaches only the launcher, which stops the
      // class in order (nginx first) instead of every process dying at once.
      detached: true,
    });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => resolve(error.message));
      // `close`, not `exit`: its last lines are read by then.
      this.child.once('close', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
    });
    const follow = (stream: NodeJS.ReadableStream, errors: boolean): void => {
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        if (errors) this.keepError(line);
        spec.log(`${spec.label} ${line}`);
        for (const listener of this.lineListeners) listener(line);
      });
    };
    follow(this.child.stdout!, spec.errorsOnStdout === true);
    follow(this.child.stderr!, true);
  }

  /** The process id, or null if it never started. */
  get pid(): number | null {
    return this.child.pid ?? null;
  }

  /** True once stop() or expectExit() was called: its exit from then on is no news. */
  get exitIsExpected(): boolean {
    return this.exitExpected;
  }

  /** Its exit from now on is part of stopping the class, not a death to report. */
  expectExit(): void {
    this.exitExpected = true;
  }

  /** Resolves when it prints a line that `matches`; rejects when it exits first or after `timeoutMs`. */
  waitForLine(matches: (line: string) => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (error?: Error): void => {
        clearTimeout(timer);
        this.lineListeners.delete(listener);
        if (error) reject(error);
        else resolve();
      };
      const listener = (line: string): void => {
        if (matches(line)) done();
      };
      const timer = setTimeout(
        () => done(new Error(`${this.label} was not ready within ${timeoutMs / 1000} s${this.lastLines()}`)),
        timeoutMs,
      );
      this.lineListeners.add(listener);
      this.exited.then((how) => done(new Error(this.deathNotice(how))));
    });
  }

  /** `[i2] exited (exit code 1): <its last lines>`, to tell the user which process died and why. */
  deathNotice(how: string): string {
    return `${this.label} exited (${how})${this.lastLines()}`;
  }

  /** SIGTERM, then SIGKILL if it is still running after STOP_GRACE_MS. */
  async stop(): Promise<void> {
    this.exitExpected = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null || this.child.pid === undefined)
      return;
    this.child.kill('SIGTERM');
    const grace = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(grace);
  }

  private keepError(line: string): void {
    this.errorLines++;
    if (this.firstErrors.length < FIRST_LINES) return void this.firstErrors.push(line);
    this.lastErrors.push(line);
    if (this.lastErrors.length > LAST_LINES) this.lastErrors.shift();
  }

  private lastLines(): string {
    if (this.errorLines === 0) return ' (it wrote no errors)';
    const skipped = this.errorLines - this.firstErrors.length - this.lastErrors.length;
    const lines = [
      ...this.firstErrors,
      ...(skipped > 0 ? [`… ${skipped} more lines …`] : []),
      ...this.lastErrors,
    ];
    return `:\n${lines.map((line) => `    ${line}`).join('\n')}`;
  }
}
