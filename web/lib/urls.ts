import {
  ECHO_PATH,
  type ExportFormat,
  exportPath,
  LEARNER_PARAM,
  PROXY_PATH,
  TAP_PATH,
} from '../../core/routes';

// Where this page's server is, as the snippet globals and the chat see it (lessons/README.md).
export function serverWsUrl(location: Location = window.location): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}`;
}

export function echoUrl(location: Location = window.location): string {
  return `${serverWsUrl(location)}${ECHO_PATH}`;
}

export function tapUrl(location: Location = window.location): string {
  // The raw stream: the page decodes the captured bytes itself (core/tap/stream-decoder.ts).
  // The board's Watch opens the inspector on one learner's traffic (`&learner=l7`); the server
  // honours it for the instructor only, and only for a learner who shares their traffic.
  const learner = new URLSearchParams(location.search).get(LEARNER_PARAM);
  const only = learner ? `&${LEARNER_PARAM}=${encodeURIComponent(learner)}` : '';
  return `${serverWsUrl(location)}${TAP_PATH}?format=raw${only}`;
}

/** wslab's relay to another WebSocket server (README: "Inspect any WebSocket server"). */
export function proxyUrl(target: string, location: Location = window.location): string {
  return `${serverWsUrl(location)}${PROXY_PATH}?target=${encodeURIComponent(target)}`;
}

/** The server's recording of every connection (`/api/export.har`), or of one with `?conn=`. */
export function exportUrl(base: string, format: ExportFormat, conn?: string): string {
  return `${base}${exportPath(format)}${conn ? `?conn=${encodeURIComponent(conn)}` : ''}`;
}
