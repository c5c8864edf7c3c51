// The instructor: whoever holds the token printed at start-up. The token opens `/teach`, which
// leaves it in an HttpOnly cookie so that the board's socket and the inspector's Watch need no
// token in their addresses.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { cookieValue } from './sessions';

export const TEACH_COOKIE = 'wslab_teach';

/** A fresh token: 192 random bits, base64url, so it sits in a URL as it is. */
export function newInstructorToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Does this request carry the instructor token, as `?token=` or in the `wslab_teach` cookie? Both
 * sides are hashed first: `timingSafeEqual` wants equal lengths, and comparing digests of equal
 * length leaks neither the token's bytes nor its length through the time taken.
 */
export function isInstructor(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return false;
  const offered = [tokenParam(req.url), cookieValue(req.headers.cookie, TEACH_COOKIE)];
  let match = false;
  // Both are compared whatever the first gave, so the time does not say which one was there.
  for (const candidate of offered) if (candidate !== null && sameSecret(candidate, token)) match = true;
  return match;
}

/** The `Set-Cookie` value that keeps the token for this server's own pages. */
export function teachCookie(token: string): string {
  // Strict: a link from another site must not arrive as the instructor. HttpOnly: the page's
  // scripts (and a learner's snippet, were it ever same-origin) cannot read it.
  return `${TEACH_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

export function sameSecret(offered: string, secret: string): boolean {
  const a = createHash('sha256').update(offered).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}

function tokenParam(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url, 'http://localhost').searchParams.get('token');
  } catch {
    return null;
  }
}
