import type { IncomingMessage } from 'node:http';
import { describe, expect, it, vi } from 'vitest';

// The real comparison, watched: the test asserts that the token is checked with it.
const compared = vi.hoisted(() => ({ lengths: [] as [number, number][] }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return {
    ...real,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.lengths.push([a.byteLength, b.byteLength]);
      return real.timingSafeEqual(a, b);
    },
  };
});

const { isInstructor, newInstructorToken, teachCookie } = await import(
  '../../../server/classroom/instructor'
);

const TOKEN = 'teach-me-the-protocol-0123456789';

function request(url: string, cookie?: string): IncomingMessage {
  return { url, headers: cookie ? { cookie } : {} } as IncomingMessage;
}

describe('isInstructor', () => {
  it('accepts the token as ?token= or in the wslab_teach cookie', () => {
    expect(isInstructor(request(`/teach?token=${TOKEN}`), TOKEN)).toBe(true);
    expect(isInstructor(request('/tap', `a=1; wslab_teach=${TOKEN}; b=2`), TOKEN)).toBe(true);
  });

  it('refuses a wrong token of any length, and everything when there is no token', () => {
    for (const wrong of ['', 'x', `${TOKEN.slice(0, -1)}x`, `${TOKEN}x`, TOKEN.toUpperCase()])
      expect(
        isInstructor(request(`/teach?token=${encodeURIComponent(wrong)}`, `wslab_teach=${wrong}`), TOKEN),
      ).toBe(false);
    expect(isInstructor(request('/teach'), TOKEN)).toBe(false);
    expect(isInstructor(request(`/teach?token=${TOKEN}`), undefined)).toBe(false);
    expect(isInstructor(request(`/teach?token=${TOKEN}`), '')).toBe(false);
  });

  it('compares in constant time, on digests of equal length whatever was offered', () => {
    compared.lengths.length = 0;
    isInstructor(request('/teach?token=short', `wslab_teach=${'y'.repeat(300)}`), TOKEN);
    expect(compared.lengths).toEqual([
      [32, 32],
      [32, 32],
    ]);
  });

  it('makes tokens of 192 random bits that sit in a URL as they are', () => {
    const token = newInstructorToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(newInstructorToken()).not.toBe(token);
  });

  it('keeps the token in a cookie page scripts cannot read and other sites cannot send', () => {
    expect(teachCookie(TOKEN)).toBe(`wslab_teach=${TOKEN}; HttpOnly; SameSite=Strict; Path=/`);
  });
});
