// Every path the one port answers on (DESIGN.md "One process, one port"). The server routes by
// these and the page builds its URLs from them, so a path is spelled once.

/** The echo server; it answers on `/` too, as the seed article's client expects. */
export const ECHO_PATH = '/echo';
/** The tap's stream of events (`?format=raw` for the raw records). */
export const TAP_PATH = '/tap';
/** The relay to another WebSocket server, `?target=` or the `--target` default. */
export const PROXY_PATH = '/proxy';
/** The workbench's control socket: the page asks the server to write raw bytes to a target. */
export const WORKBENCH_PATH = '/workbench';

/**
 * The API versions whose Live path Google's SDKs open: `v1` (`@google/genai` 3.x's default),
 * `v1beta` (earlier SDKs, and the public docs' raw WebSocket examples) and `v1alpha` (preview
 * features). The path names its version, so each is a path of its own.
 */
export const LIVE_API_VERSIONS = ['v1', 'v1beta', 'v1alpha'] as const;
export type LiveApiVersion = (typeof LIVE_API_VERSIONS)[number];

/** The Live API stand-in's path for one API version: the public service's (`wss://generativelanguage.googleapis.com/ws/…`) under `/live`. */
export function livePath(version: LiveApiVersion): string {
  return `/live/ws/google.ai.generativelanguage.${version}.GenerativeService.BidiGenerateContent`;
}

/** The Live API stand-in at the path the public docs' examples use (v1beta). */
export const LIVE_PATH = livePath('v1beta');
/**
 * The path a client takes with an ephemeral token instead of an API key (a preview of the public
 * service, under v1alpha only: `@google/genai` warns "ephemeral token support is in v1alpha only"
 * when asked for another version): the same session, reached with `?access_token=auth_tokens/…`.
 */
export const LIVE_TOKEN_PATH =
  '/live/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContentConstrained';

/**
 * Classroom mode: the query parameter a snippet's sockets carry instead of the session cookie
 * its sandbox cannot send (server/classroom/run-capabilities.ts). The tap never shows it.
 */
export const RUN_CAPABILITY_PARAM = 'wslab_run';

/** The HTTP API, for the page on this server only. */
export const API_PATH = '/api';
export const LESSONS_API_PATH = `${API_PATH}/lessons`;
/** The echo server's own source, shown beside the lesson that explains it. */
export const ECHO_SOURCE_API_PATH = `${API_PATH}/source/echo`;
/** Classroom mode: `POST` starts a run's capability, `POST …/end` ends it. */
export const RUN_CAPABILITY_API_PATH = `${API_PATH}/run-capability`;

export type ExportFormat = 'har' | 'pcapng';
/** The recorded session as a download: `/api/export.har`, `/api/export.pcapng`. */
export function exportPath(format: ExportFormat): string {
  return `${API_PATH}/export.${format}`;
}

/**
 * The page's two views, named in its address (`/?view=inspector`): the playground (lessons, chat,
 * editor, terminal, inspector) and the inspector-first view for watching one's own app.
 */
export const PAGE_VIEWS = ['playground', 'inspector'] as const;
export type PageView = (typeof PAGE_VIEWS)[number];
export const VIEW_PARAM = 'view';

/** The instructor's progress board (`/teach?token=…`), for the instructor token only. */
export const TEACH_PATH = '/teach';
/** The board's live updates, a WebSocket guarded like `/tap` plus the instructor token. */
export const TEACH_BOARD_PATH = '/teach/board';
/** The page reports its learner's lesson, step and checks here, in classroom mode. */
export const PROGRESS_API_PATH = `${API_PATH}/progress`;
/** Whether the page is one learner of a class (`{classroom, learner}`). */
export const CLASSROOM_API_PATH = `${API_PATH}/classroom`;
/** The learner whose traffic the instructor watches in the inspector (`/?view=inspector&learner=l7`). */
export const LEARNER_PARAM = 'learner';
