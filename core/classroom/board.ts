// What the page tells the server about its learner's progress, and what the instructor's board
// is sent: one typed contract that the server, the page and the board page all import.

/** The bounds a progress report is held to, here so that the page never sends what is refused. */
export const PROGRESS_LIMITS = {
  /** Bytes of one `POST /api/progress` body. */
  bodyBytes: 2048,
  nickname: 40,
  slug: 80,
  title: 160,
  step: 1000,
  checks: 200,
} as const;

/** `POST /api/progress`: the learner's position as their page knows it. */
export interface ProgressReport {
  /** What the learner calls themselves on the board; empty for "learner 7". */
  nickname: string;
  /** The lesson open in the page, or null before one has loaded. */
  lesson: { slug: string; title: string; step: number; steps: number } | null;
  /** The open step's checks that the tap has shown, of all the step has. */
  checks: { passed: number; total: number };
  /** "Let the instructor see my traffic": only then may the board's Watch open it. */
  shareTraffic: boolean;
}

/** One learner's row on the board. */
export interface BoardRow {
  /** The opaque learner id (`l7`), never the session cookie. */
  learner: string;
  /** The small number "learner 7" is named by. */
  number: number;
  nickname: string;
  lesson: ProgressReport['lesson'];
  checks: ProgressReport['checks'];
  shareTraffic: boolean;
  /** Their WebSockets open now, or null when the server cannot say. */
  connections: number | null;
  /** The server's clock (ms since it started) at their last report. */
  lastActivity: number;
}

/** Each message on `/teach/board`: the whole board as it is now (a slow board skips to the latest). */
export interface BoardMessage {
  type: 'board';
  /** The server's clock when it was sent, to turn `lastActivity` into "12 s ago". */
  now: number;
  rows: BoardRow[];
}

/** `GET /api/classroom`: whether the page is one learner of a class, and which. */
export interface ClassroomInfo {
  classroom: boolean;
  learner: { id: string; number: number } | null;
}

/** How the board names a learner: their nickname, else "learner 7". */
export function learnerName(row: Pick<BoardRow, 'nickname' | 'number'>): string {
  return row.nickname || `learner ${row.number}`;
}

export type ReportCheck = { ok: true; report: ProgressReport } | { ok: false; error: string };

const SLUG = /^[a-z0-9-]+$/;

/**
 * Reads an untrusted body as a progress report: every field checked for type and bound, so what
 * the board shows is what a page could have sent. Control characters are refused rather than
 * shown: a nickname is one line of text.
 */
export function parseProgressReport(value: unknown): ReportCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, error: 'a progress report is a JSON object' };
  const body = value as Record<string, unknown>;
  const nickname = body.nickname ?? '';
  if (typeof nickname !== 'string' || nickname.length > PROGRESS_LIMITS.nickname || hasControl(nickname))
    return { ok: false, error: `nickname is one line of at most ${PROGRESS_LIMITS.nickname} characters` };
  const shareTraffic = body.shareTraffic ?? false;
  if (typeof shareTraffic !== 'boolean') return { ok: false, error: 'shareTraffic is true or false' };

  const checks = body.checks ?? { passed: 0, total: 0 };
  if (typeof checks !== 'object' || checks === null) return { ok: false, error: 'checks is {passed, total}' };
  const { passed, total } = checks as Record<string, unknown>;
  if (!count(total, PROGRESS_LIMITS.checks) || !count(passed, total as number))
    return {
      ok: false,
      error: `checks is {passed, total}: whole numbers, passed ≤ total ≤ ${PROGRESS_LIMITS.checks}`,
    };

  let lesson: ProgressReport['lesson'] = null;
  if (body.lesson !== null && body.lesson !== undefined) {
    if (typeof body.lesson !== 'object') return { ok: false, error: 'lesson is an object or null' };
    const { slug, title, step, steps } = body.lesson as Record<string, unknown>;
    if (typeof slug !== 'string' || slug.length > PROGRESS_LIMITS.slug || !SLUG.test(slug))
      return { ok: false, error: 'lesson.slug is a lesson folder name such as 03-echo' };
    if (typeof title !== 'string' || title.length > PROGRESS_LIMITS.title || hasControl(title))
      return { ok: false, error: `lesson.title is one line of at most ${PROGRESS_LIMITS.title} characters` };
    if (!count(steps, PROGRESS_LIMITS.step) || !count(step, steps as number) || step === 0)
      return { ok: false, error: 'lesson.step is a step number from 1 to lesson.steps' };
    lesson = { slug, title, step: step as number, steps: steps as number };
  }
  return {
    ok: true,
    report: {
      nickname: nickname.trim(),
      lesson,
      checks: { passed: passed as number, total: total as number },
      shareTraffic,
    },
  };
}

function count(value: unknown, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

function hasControl(text: string): boolean {
  return withoutControls(text) !== text;
}

/**
 * The text without C0, DEL and C1 controls or the bidirectional overrides that could reorder a
 * row's text: a name on the board is one line, shown as typed.
 */
export function withoutControls(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '');
}
