// Lesson 14's checks against what the tap really shows: each step's preset, sent through the
// workbench's control socket as the page sends it, turns that step's checks green, and a frame
// that breaks a different rule, or the right close on another connection, does not. The last step
// is done by a conformance run, from the page's control socket or from the command line's runner.
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { formatReportTable } from '../../core/conformance/report-table';
import { StepProgress } from '../../core/lessons/checks';
import type { Lesson, LessonStep } from '../../core/lessons/lesson-format';
import type { TapEvent } from '../../core/tap/events';
import { toHex } from '../../core/wire/bytes';
import type { WorkbenchReply } from '../../core/workbench/control-protocol';
import { presetById } from '../../core/workbench/presets';
import { buildScript } from '../../core/workbench/script';
import { runConformance } from '../../server/conformance/runner';
import { loadCourse } from '../../server/lessons/loader';
import type { RunningServer } from '../../server/server';
import { serveWithTap, type TapRecorder, wsUrl } from './harness';

let server: RunningServer;
let tap: TapRecorder;
serveWithTap({}, (s, t) => {
  server = s;
  tap = t;
});

let lesson: Lesson;
beforeAll(async () => {
  const course = await loadCourse(fileURLToPath(new URL('../../lessons', import.meta.url)));
  lesson = course.lessons.find((l) => l.slug === 'breaking-the-rules')!;
});

/** The workbench presets a step's prose asks the learner to pick ("pick the preset `rsv1`"). */
function presetsOf(step: LessonStep): string[] {
  return [...step.markdown.matchAll(/pick\s+the\s+preset\s+`([a-z0-9-]+)`/gi)].map((match) => match[1]!);
}

/** Opens a control socket on /workbench, as the page does, and keeps its replies. */
async function control(): Promise<{
  socket: WebSocket;
  until: (type: WorkbenchReply['type']) => Promise<WorkbenchReply>;
}> {
  const socket = new WebSocket(wsUrl(server, '/workbench'));
  const replies: WorkbenchReply[] = [];
  socket.on('message', (data) => replies.push(JSON.parse(String(data)) as WorkbenchReply));
  await once(socket, 'open');
  const until = async (type: WorkbenchReply['type']): Promise<WorkbenchReply> => {
    // Bounded: a conformance run over the whole suite takes a few seconds on loopback.
    for (let waited = 0; waited < 60_000; waited += 20) {
      const found = replies.find((reply) => reply.type === type);
      if (found) return found;
      const failed = replies.find((reply) => reply.type === 'error');
      if (failed) throw new Error(`workbench error while waiting for ${type}: ${JSON.stringify(failed)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no ${type} reply`);
  };
  return { socket, until };
}

/** Sends a preset's script on a new workbench connection and waits until the tap has seen it close. */
async function sendPreset(id: string): Promise<void> {
  const built = buildScript(presetById(id)!.drafts);
  if (!built.ok) throw new Error(built.error.message);
  const { socket, until } = await control();
  socket.send(JSON.stringify({ type: 'open' }));
  const opened = await until('opened');
  const conn = (opened as Extract<WorkbenchReply, { type: 'opened' }>).conn;
  socket.send(JSON.stringify({ type: 'send', hex: toHex(built.value.bytes), writes: built.value.writes }));
  await until('closed');
  socket.close();
  await tap.waitFor((event) => event.type === 'close' && event.conn === conn);
}

/** Feeds the step's checks every tap event from `from` on, as the page does after opening the step. */
function progressSince(step: LessonStep, from: number): StepProgress {
  const progress = new StepProgress(step.checks);
  for (const event of tap.events.slice(from) as TapEvent[]) progress.observe(event);
  return progress;
}

describe('lesson 14, Breaking the rules, against the real server', () => {
  it('names one workbench preset in each of its seven sending steps, and checks each', () => {
    expect(lesson.steps).toHaveLength(8);
    expect(lesson.steps.slice(0, 7).map(presetsOf)).toEqual([
      ['unmasked'],
      ['rsv1'],
      ['reserved-opcode'],
      ['long-ping'],
      ['fragmented-close'],
      ['utf8-split'],
      ['close-1005'],
    ]);
    for (const step of lesson.steps) expect(step.checks.length, step.title).toBeGreaterThan(0);
  });

  it('turns each sending step green with its own preset, and with no other preset', async () => {
    const ids = lesson.steps.slice(0, 7).map((step) => presetsOf(step)[0]!);
    for (const [index, id] of ids.entries()) {
      const step = lesson.steps[index]!;
      const from = tap.events.length;
      await sendPreset(id);
      expect(progressSince(step, from).done, `step ${step.number} after ${id}`).toBe(true);
    }
    // Every other step's preset also ends in a server close on a workbench connection, with 1002
    // for all but one: none of them is the answer this step waits for.
    for (const [index, step] of lesson.steps.slice(0, 7).entries()) {
      const from = tap.events.length;
      for (const other of ids.filter((_, i) => i !== index)) await sendPreset(other);
      const progress = progressSince(step, from);
      expect(progress.done, `step ${step.number} after the other presets`).toBe(false);
      expect(progress.entries().map((entry) => entry.seen)).toEqual(step.checks.map(() => 0));
    }
  }, 60_000);

  it('leaves the last step undone after a few failed connections, and done after a run from the page', async () => {
    const step = lesson.steps[7]!;
    let from = tap.events.length;
    await sendPreset('unmasked');
    await sendPreset('utf8-split');
    expect(progressSince(step, from).done).toBe(false);

    from = tap.events.length;
    const { socket, until } = await control();
    socket.send(JSON.stringify({ type: 'check' }));
    const report = (await until('report')) as Extract<WorkbenchReply, { type: 'report' }>;
    socket.close();
    expect(report.report.summary.fail).toBe(0);
    await expect.poll(() => progressSince(step, from).done, { timeout: 5000 }).toBe(true);
    // The page's run is journaled from the runner's side, one workbench connection a case.
    const benches = () =>
      tap.events.slice(from).filter((e) => e.type === 'open' && e.kind === 'workbench').length;
    await expect.poll(benches, { timeout: 5000 }).toBeGreaterThanOrEqual(report.report.results.length);
  }, 60_000);

  it('is done by a run of the command line’s runner too, whose connections the echo server taps', async () => {
    const step = lesson.steps[7]!;
    const from = tap.events.length;
    const report = await runConformance({ url: wsUrl(server, '/echo') });
    // The summary line the step says the command prints.
    const promised = /`(\d+ cases: \d+ pass, \d+ non-strict, \d+ fail)`/.exec(step.markdown)?.[1];
    expect(promised).toBeDefined();
    expect(formatReportTable(report)).toContain(`\n${promised} (`);
    await expect.poll(() => progressSince(step, from).done, { timeout: 5000 }).toBe(true);
    const echoes = () => tap.events.slice(from).filter((e) => e.type === 'open' && e.kind === 'echo').length;
    await expect.poll(echoes, { timeout: 5000 }).toBeGreaterThanOrEqual(report.results.length);
  }, 60_000);
});
