import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { encodeRecord, RecordKind, readRecords } from '../../../core/tap/raw-records';
import { Classroom, isClassroom, takeRunCapability } from '../../../server/classroom/classroom';
import { RunCapabilities } from '../../../server/classroom/run-capabilities';
import { type Learner, Sessions } from '../../../server/classroom/sessions';
import { classroomLines } from '../../../server/classroom/startup-lines';
import { parseArgs } from '../../../server/cli/args';
import { keepRecords } from '../../../server/tap/record-filter';

function request(cookie?: string, url = '/'): IncomingMessage {
  return { headers: cookie ? { cookie } : {}, url } as IncomingMessage;
}

/** A response that keeps the Set-Cookie it is given, and the cookie as a request would send it. */
function response(): { res: ServerResponse; cookie: () => string; setCookie: () => string } {
  const set: string[] = [];
  const res = {
    appendHeader: (_name: string, value: string) => set.push(value),
  } as unknown as ServerResponse;
  return { res, cookie: () => set[0]!.split(';')[0]!, setCookie: () => set[0]! };
}

describe('classroom mode', () => {
  it('is on for an address other machines can reach, and off on loopback unless asked', () => {
    expect(isClassroom({})).toBe(false);
    expect(isClassroom({ host: '127.0.0.1' })).toBe(false);
    expect(isClassroom({ host: '127.0.0.2' })).toBe(false);
    expect(isClassroom({ host: '::1' })).toBe(false);
    expect(isClassroom({ host: 'localhost' })).toBe(false);
    expect(isClassroom({ host: '0.0.0.0' })).toBe(true);
    expect(isClassroom({ host: '::' })).toBe(true);
    expect(isClassroom({ host: '192.168.1.20' })).toBe(true);
    expect(isClassroom({ host: 'wslab.example' })).toBe(true);
    expect(isClassroom({ host: '127.0.0.1', classroom: true })).toBe(true);
    expect(isClassroom({ host: '0.0.0.0', classroom: false })).toBe(false);
  });

  it('reads --classroom, --no-classroom and --allow-proxy', () => {
    const on = parseArgs(['--classroom', '--allow-proxy']);
    expect(on.ok && on.options.classroom === true && on.options.allowProxy === true).toBe(true);
    const off = parseArgs(['--host', '0.0.0.0', '--no-classroom']);
    expect(off.ok && off.options.classroom === false).toBe(true);
  });

  it('says at start-up what classroom mode means, and says it when it is turned off on an open address', () => {
    const lines = classroomLines({ host: '0.0.0.0' }).join('\n');
    expect(lines).toContain('classroom mode (--host 0.0.0.0 is reachable from other machines)');
    expect(lines).toContain('sees only its own connections');
    expect(lines).toContain('--allow-proxy');
    expect(classroomLines({ host: '127.0.0.1' })).toEqual([]);
    expect(classroomLines({ host: '0.0.0.0', classroom: false }).join('')).toContain('sees all the traffic');
  });

  it('lets everyone see everything outside classroom mode, and only a session its own within it', async () => {
    expect(new Classroom({ enabled: false }).scopeOf(request())).toEqual({ all: true });
    const room = new Classroom({ enabled: true, instructorToken: () => 'the-instructor-token-0123' });
    expect(room.scopeOf(request())).toBeNull();
    expect(room.scopeOf(request(undefined, '/tap?token=the-instructor-token-0123'))).toEqual({ all: true });
    const page = response();
    const learner = await room.sessions.ensure(request(), page.res);
    expect(room.scopeOf(request(page.cookie()))).toEqual({ all: false, learner: learner.id });
    expect(room.proxyAllowed).toBe(false);
    expect(new Classroom({ enabled: true, allowProxy: true }).proxyAllowed).toBe(true);
  });
});

describe('sessions', () => {
  it('gives each new browser a random HttpOnly, SameSite=Lax cookie and a learner number, and keeps it', async () => {
    const sessions = new Sessions();
    const first = response();
    const ada = await sessions.ensure(request(), first.res);
    // The learner id, then 128 random bits: the id is the key a load balancer pins a learner by.
    expect(first.cookie()).toMatch(/^wslab_session=l1\.[A-Za-z0-9_-]{22}$/);
    expect(first.setCookie()).toMatch(/; HttpOnly; SameSite=Lax; Path=\/$/);
    const again = response();
    expect(await sessions.ensure(request(first.cookie()), again.res)).toEqual(ada);
    const grace = await sessions.ensure(request('wslab_session=not-one-of-ours'), response().res);
    expect(grace).toEqual({ id: 'l2', number: 2 });
    expect(ada).toEqual({ id: 'l1', number: 1 });
    // The id alone is no session: the secret part must be the one this server gave.
    const forged = first.cookie().replace(/\.[^.]+$/, `.${'A'.repeat(22)}`);
    expect(sessions.learnerOf(request(forged))).toBeNull();
  });

  it('forgets a session idle past the limit, and the one idle longest past the cap, and says so', async () => {
    let now = 0;
    const sessions = new Sessions({ maxSessions: 2, idleMs: 1000 }, () => now);
    const forgotten: string[] = [];
    sessions.onForget((learner) => forgotten.push(learner.id));
    const cookies = [response(), response(), response()];
    await sessions.ensure(request(), cookies[0]!.res);
    await sessions.ensure(request(), cookies[1]!.res);
    now = 500;
    expect(sessions.learnerOf(request(cookies[0]!.cookie()))).not.toBeNull();
    await sessions.ensure(request(), cookies[2]!.res);
    expect(sessions.size).toBe(2);
    // The second was idle longest: it made room for the third.
    expect(sessions.learnerOf(request(cookies[1]!.cookie()))).toBeNull();
    expect(forgotten).toEqual(['l2']);
    now = 1600;
    expect(sessions.learnerOf(request(cookies[0]!.cookie()))).toBeNull();
    expect(forgotten).toEqual(['l2', 'l1']);
  });
});

describe('run capabilities', () => {
  const ada: Learner = { id: 'l1', number: 1 };
  const grace: Learner = { id: 'l2', number: 2 };

  it('name their learner until the run ends or the time runs out', () => {
    let now = 0;
    const runs = new RunCapabilities({ ttlMs: 1000, max: 10 }, () => now);
    const first = runs.issue(ada);
    expect(first.expiresAt).toBe(1000);
    expect(first.capability).toMatch(/^l1\.[A-Za-z0-9_-]{22}$/);
    expect(runs.check(first.capability)).toEqual({ ok: true, learner: ada });
    expect(runs.end(first.capability, grace)).toBe(false);
    expect(runs.check(first.capability).ok).toBe(true);
    expect(runs.end(first.capability, ada)).toBe(true);
    expect(runs.check(first.capability)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('ended'),
    });
    const second = runs.issue(ada);
    now = 1000;
    expect(runs.check(second.capability)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('expired'),
    });
    expect(runs.check('made-up')).toMatchObject({ ok: false, reason: expect.stringContaining('not one') });
  });

  it('remember a bounded number', () => {
    const runs = new RunCapabilities({ ttlMs: 60_000, max: 3 }, () => 0);
    for (let i = 0; i < 10; i++) runs.issue(ada);
    expect(runs.size).toBeLessThanOrEqual(3);
  });

  it('leave the URL without a trace', () => {
    expect(takeRunCapability('/echo?wslab_run=abc&x=1')).toEqual({ target: '/echo?x=1', capability: 'abc' });
    expect(takeRunCapability('/echo?x=1&wslab_run=abc')).toEqual({ target: '/echo?x=1', capability: 'abc' });
    expect(takeRunCapability('/echo?wslab_run=abc')).toEqual({ target: '/echo', capability: 'abc' });
    expect(takeRunCapability('/echo?x=1')).toEqual({ target: '/echo?x=1', capability: null });
  });
});

describe('a learner’s records', () => {
  it('are copied out of a run of records, and no other connection’s', () => {
    const bytes = (text: string) => new TextEncoder().encode(text);
    const records = [
      encodeRecord(RecordKind.CLIENT, 0, 1, 1, bytes('mine')),
      encodeRecord(RecordKind.CLIENT, 0, 2, 2, bytes('theirs')),
      encodeRecord(RecordKind.SERVER, 0, 1, 3, bytes('mine too')),
      encodeRecord(RecordKind.END, 0, 1, 4, new Uint8Array(0)),
    ];
    const all = new Uint8Array(records.reduce((n, r) => n + r.length, 0));
    let at = 0;
    for (const record of records) {
      all.set(record, at);
      at += record.length;
    }
    const own = keepRecords(all, (conn) => conn === 1);
    expect([...readRecords(own)].map((r) => [r.conn, r.t])).toEqual([
      [1, 1],
      [1, 3],
      [1, 4],
    ]);
    expect(own.buffer).not.toBe(all.buffer);
    expect(keepRecords(all, () => false).length).toBe(0);
  });
});
