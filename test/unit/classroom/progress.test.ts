import { describe, expect, it } from 'vitest';
import { type ProgressReport, parseProgressReport } from '../../../core/classroom/board';
import { ProgressStore } from '../../../server/classroom/progress';

const report: ProgressReport = {
  nickname: 'Ada',
  lesson: { slug: '02-frames', title: 'Frames', step: 2, steps: 5 },
  checks: { passed: 1, total: 3 },
  shareTraffic: false,
};

describe('ProgressStore', () => {
  it('keeps one row per learner, in the order they joined, with the latest report', () => {
    let now = 0;
    const store = new ProgressStore(() => now);
    store.report({ id: 'l2', number: 2 }, report);
    now = 100;
    store.report({ id: 'l1', number: 1 }, { ...report, nickname: '' });
    now = 200;
    store.report({ id: 'l2', number: 2 }, { ...report, checks: { passed: 3, total: 3 } });
    const rows = store.rows();
    expect(rows.map((row) => row.learner)).toEqual(['l1', 'l2']);
    expect(rows[1]).toMatchObject({ checks: { passed: 3, total: 3 }, lastActivity: 200, connections: null });
  });

  it('holds at most its cap of learners, and forgets the quietest first', () => {
    let now = 0;
    const limits = { maxLearners: 3, idleMs: 10_000, burst: 10, perSecond: 2 };
    const store = new ProgressStore(() => now, limits);
    for (let n = 1; n <= 5; n++) {
      now += 10;
      store.report({ id: `l${n}`, number: n }, report);
    }
    expect(store.rows().map((row) => row.learner)).toEqual(['l3', 'l4', 'l5']);
  });

  it('forgets a learner who stopped reporting or whose session ended', () => {
    let now = 0;
    const store = new ProgressStore(() => now, { maxLearners: 10, idleMs: 1000, burst: 10, perSecond: 2 });
    store.report({ id: 'l1', number: 1 }, report);
    now = 600;
    store.report({ id: 'l2', number: 2 }, report);
    store.report({ id: 'l3', number: 3 }, report);
    store.forget('l3');
    now = 1100;
    expect(store.rows().map((row) => row.learner)).toEqual(['l2']);
  });

  it('refuses reports past the burst until time refills it', () => {
    let now = 0;
    const store = new ProgressStore(() => now, { maxLearners: 10, idleMs: 60_000, burst: 3, perSecond: 2 });
    const learner = { id: 'l1', number: 1 };
    const outcomes = [1, 2, 3, 4].map(() => store.report(learner, report));
    expect(outcomes).toEqual(['stored', 'stored', 'stored', 'too-fast']);
    now = 500;
    expect(store.report(learner, report)).toBe('stored');
    expect(store.report(learner, report)).toBe('too-fast');
  });

  it('says whether a learner shares their traffic, as their latest report says', () => {
    const store = new ProgressStore(() => 0);
    store.report({ id: 'l1', number: 1 }, { ...report, shareTraffic: true });
    expect(store.sharesTraffic('l1')).toBe(true);
    expect(store.sharesTraffic('l9')).toBe(false);
  });

  it('tells its listeners of each change', () => {
    const store = new ProgressStore(() => 0);
    let changes = 0;
    const stop = store.onChange(() => changes++);
    store.report({ id: 'l1', number: 1 }, report);
    store.forget('l1');
    stop();
    store.report({ id: 'l1', number: 1 }, report);
    expect(changes).toBe(2);
  });
});

describe('parseProgressReport', () => {
  it('takes a report with its defaults filled and its nickname trimmed', () => {
    expect(parseProgressReport({ nickname: '  Ada ', lesson: null })).toEqual({
      ok: true,
      report: { nickname: 'Ada', lesson: null, checks: { passed: 0, total: 0 }, shareTraffic: false },
    });
  });

  it('refuses fields past their bounds', () => {
    const refused = [
      null,
      'text',
      { nickname: 7 },
      { ...report, lesson: { ...report.lesson, title: 'x'.repeat(161) } },
      { ...report, lesson: { ...report.lesson, steps: 1001 } },
      { ...report, checks: { passed: 0, total: 201 } },
      { ...report, nickname: 'tab\there' },
    ];
    for (const value of refused) expect(parseProgressReport(value).ok, JSON.stringify(value)).toBe(false);
  });
});
