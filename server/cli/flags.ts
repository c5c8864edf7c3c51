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
