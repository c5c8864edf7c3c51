// The command lines' one way of reading flags: `--flag value`, `--flag=value`, or a bare word.

export interface Flag {
  /** The argument as given. */
  arg: string;
  /** `--flag` without an `=value`; a bare word as it is. */
  flag: string;
  /** The flag's value (`=value`, or the next word unless it is another flag); null when none. */
  value(): string | null;
}

export function* readFlags(argv: readonly string[]): Generator<Flag> {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    yield {
      arg,
      flag: eq > 0 ? arg.slice(0, eq) : arg,
      value: () => {
        if (inline !== undefined) return inline;
        const next = argv[i + 1];
        if (next === undefined || next.startsWith('--')) return null;
        i++;
        return next;
      },
    };
  }
}

export type FlagValue<T> = { ok: true; value: T } | { ok: false; error: string };

/** `--port`: 0 to 65535 (0 picks a free port). */
export function portFlag(text: string | null): FlagValue<number> {
  const port = text !== null && /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 0 && port <= 65535))
    return { ok: false, error: `--port wants a number from 0 to 65535, got ${text ?? 'nothing'}` };
  return { ok: true, value: port };
}

/** `--instructor-token`: long enough that a learner on the same network cannot guess it. */
export function instructorTokenFlag(text: string | null): FlagValue<string> {
  if (!text || !/^[A-Za-z0-9_-]{16,128}$/.test(text))
    return {
      ok: false,
      error: `--instructor-token wants 16 to 128 letters, digits, - or _, got ${text ? `${text.length} characters` : 'nothing'}`,
    };
  return { ok: true, value: text };
}
