// Where this page's server is, as the snippet globals and the chat see it (lessons/README.md).
export function serverWsUrl(location: Location = window.location): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}`;
}

export function echoUrl(location: Location = window.location): string {
  return `${serverWsUrl(location)}/echo`;
}

export function tapUrl(location: Location = window.location): string {
  // The raw stream: the page decodes the captured bytes itself (core/tap/stream-decoder.ts).
  return `${serverWsUrl(location)}/tap?format=raw`;
}

/** wslab's relay to another WebSocket server (README: "Inspect any WebSocket server"). */
export function proxyUrl(target: string, location: Location = window.location): string {
  return `${serverWsUrl(location)}/proxy?target=${encodeURIComponent(target)}`;
}

/** The server's recording of every connection (`/api/export.har`), or of one with `?conn=`. */
export function exportUrl(base: string, format: 'har' | 'pcapng', conn?: string): string {
  return `${base}/api/export.${format}${conn ? `?conn=${encodeURIComponent(conn)}` : ''}`;
}
