// The end-to-end fixtures: a real server on a free port per worker, the page opened on it with
// every console error and page error recorded, a tap subscriber in Node to check what crossed the
// wire independently of the page, and a whole-page screenshot saved after each test.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type BrowserContext, test as base, expect, type Locator, type Page } from '@playwright/test';
import { WebSocket } from 'ws';
import type { TapEvent } from '../../core/tap/events';
import { type RunningServer, type ServerOptions, startServer } from '../../server/server';

export interface PageErrors {
  messages: string[];
}

/** A tap subscriber in the test process: what the server saw, to compare with what the page shows. */
export class NodeTap {
  readonly events: TapEvent[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.events.push(...(JSON.parse(String(data)) as TapEvent[])));
  }

  static async open(server: RunningServer): Promise<NodeTap> {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/tap`);
    const tap = new NodeTap(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return tap;
  }

  /** Waits for an event that matches, polling until Playwright's expect timeout. */
  async find<T extends TapEvent>(match: (event: TapEvent) => event is T): Promise<T> {
    await expect.poll(() => this.events.some(match), { message: 'tap event' }).toBe(true);
    return this.events.find(match)!;
  }

  close(): void {
    this.socket.close();
  }
}

export const test = base.extend<
  { errors: PageErrors; app: Page; tap: NodeTap },
  { server: RunningServer; serverOptions: ServerOptions }
>({
  // What the worker's server is started with; a spec may set it with test.use().
  serverOptions: [{}, { scope: 'worker', option: true }],
  server: [
    async ({ serverOptions }, use) => {
      const server = await startServer({ port: 0, host: '127.0.0.1', ...serverOptions });
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],
  errors: async ({ page }, use) => {
    const errors: PageErrors = { messages: [] };
    page.on('console', (message) => {
      if (message.type() === 'error') errors.messages.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.messages.push(`page: ${error.message}`));
    await use(errors);
  },
  app: async ({ page, server, errors }, use, testInfo) => {
    void errors;
    await page.goto(server.url);
    await use(page);
    await page.screenshot({ path: testInfo.outputPath('page.png'), fullPage: true });
  },
  tap: async ({ server }, use) => {
    const tap = await NodeTap.open(server);
    await use(tap);
    tap.close();
  },
});

export { expect };

/** Waits until Monaco has replaced the plain editor. */
export async function waitForEditor(page: Page): Promise<void> {
  // Monaco is the page's largest load, fetched after the first view: with two browsers at work on
  // two cores it has taken more than the default 10 s. The tests that wait for it are about what
  // it shows, not how soon (the bench measures the first view's load).
  await expect(page.getByTestId('editor')).toHaveAttribute('data-engine', 'monaco', { timeout: 30_000 });
  await expect(page.locator('[data-testid="editor"] .monaco-editor')).toBeVisible();
}

export async function waitForTerminal(page: Page): Promise<void> {
  await expect(page.getByTestId('terminal')).toHaveAttribute('data-engine', 'xterm');
}

/**
 * Replaces the snippet in Monaco with `code`, pasted as a learner would paste it (typing it would
 * let the editor auto-close brackets on the way).
 */
export async function setSnippet(page: Page, code: string): Promise<void> {
  await waitForEditor(page);
  // Near the top left: the lines' box can be wider than the editor, its centre under other panels.
  await page.locator('[data-testid="editor"] .monaco-editor').click({ position: { x: 80, y: 12 } });
  await page.keyboard.press('ControlOrMeta+A');
  await page.evaluate((text) => {
    const data = new DataTransfer();
    data.setData('text/plain', text);
    document.activeElement?.dispatchEvent(
      new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
    );
  }, code);
  await expect
    .poll(async () =>
      ((await page.locator('[data-testid="editor"] .view-lines').textContent()) ?? '').replace(
        /\u00a0/g,
        ' ',
      ),
    )
    // The last line: after a paste the cursor is there, so Monaco has it in view.
    .toContain(code.trimEnd().split('\n').at(-1)!);
}

/**
 * Puts `lines` in the editor as the snippet and presses Run once the terminal is up; returns the
 * terminal's screen, where the run's output appears.
 */
export async function runSnippet(page: Page, lines: string[]): Promise<Locator> {
  await setSnippet(page, lines.join('\n'));
  await waitForTerminal(page);
  await page.getByTestId('run').click();
  return page.getByTestId('terminal').locator('.xterm-rows');
}

/** A new page of `context` at 1280×800 on the playground at `url`, once its chat is connected. */
export async function openPlayground(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(url);
  await expect(page.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
  return page;
}

/** Sends `text` from the page's chat and waits for the echo server's answer in the chat's log. */
export async function chatEcho(page: Page, text: string): Promise<void> {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-input').press('Enter');
  await expect(page.getByTestId('chat-log')).toContainText(`Server: Server received: '${text}'`);
}

/** Runs a snippet that sends `text` to the echo server and closes, and waits for its answer. */
export async function runEchoSnippet(page: Page, text: string): Promise<void> {
  const screen = await runSnippet(page, [
    'const socket = new WebSocket(ECHO_URL);',
    `socket.onopen = () => socket.send('${text}');`,
    'socket.onmessage = (event) => {',
    "  console.log('got', event.data, socket.url);",
    "  socket.close(1000, 'done');",
    '};',
  ]);
  await expect(screen).toContainText(`got Server received: '${text}'`);
}

/** Types a command at the terminal prompt and presses Enter. */
export async function terminalCommand(page: Page, line: string): Promise<void> {
  await waitForTerminal(page);
  await page.locator('[data-testid="terminal"] .xterm').click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

export function unique(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * Runs axe-core on the page as it stands, within `selector` (the whole document by default);
 * returns its serious and critical violations, one line each with the elements at fault.
 */
export async function seriousViolations(page: Page, selector = 'html'): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async (within) => {
    const axe = (
      window as unknown as { axe: { run: (context: string) => Promise<{ violations: unknown[] }> } }
    ).axe;
    return (await axe.run(within)).violations;
  }, selector);
  return (violations as AxeViolation[])
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help}\n` +
        violation.nodes
          .map((node) => `    ${JSON.stringify(node.target)} ${node.failureSummary ?? ''}`)
          .join('\n'),
    );
}
