// Every path the one port answers on (DESIGN.md "One process, one port"). The server routes by
// these and the page builds its URLs from them, so a path is spelled once.

/** The echo server; it answers on `/` too, as the seed article's client expects. */
export const ECHO_PATH = '/echo';
/** The tap's stream of events (`?format=raw` for the raw records). */
export const TAP_PATH = '/tap';
/** The relay to another WebSocket server, `?target=` or the `--target` default. */
export const PROXY_PATH = '/proxy';

/** The Live API stand-in, under `/live`, at the public service's path (`wss://generativelanguage.googleapis.com/ws/…`). */
export const LIVE_PATH = '/live/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent';
/**
 * The path a client takes with an ephemeral token instead of an API key (a preview of the public
 * service, under v1alpha): the same session, reached with `?access_token=auth_tokens/…`.
 */
export const LIVE_TOKEN_PATH =
  '/live/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContentConstrained';

/** The HTTP API, for the page on this server only. */
export const API_PATH = '/api';
export const LESSONS_API_PATH = `${API_PATH}/lessons`;
/** The echo server's own source, shown beside the lesson that explains it. */
export const ECHO_SOURCE_API_PATH = `${API_PATH}/source/echo`;

export type ExportFormat = 'har' | 'pcapng';
/** The recorded session as a download: `/api/export.har`, `/api/export.pcapng`. */
export function exportPath(format: ExportFormat): string {
  return `${API_PATH}/export.${format}`;
}
