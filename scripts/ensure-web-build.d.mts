/** Why the web UI needs a build, or null when dist/web is up to date. */
export function staleReason(): string | null;
/** Builds the web UI when it is stale; resolves to whether it built. */
export function ensureWebBuild(): Promise<boolean>;
