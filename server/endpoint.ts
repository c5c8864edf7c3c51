import type { IncomingHttpHeaders } from 'node:http';
import type { WebSocket } from 'ws';
import type { Result } from '../core/result';
import type { ConnectionKind } from '../core/tap/events';

/**
 * A WebSocket service whose connections the tap watches: the echo server, the local Live API.
 * The server routes an upgrade to it by path, refuses the handshake with HTTP 400 when `parse`
 * rejects the query, and hands the open socket to `serve`.
 */
export interface TappedEndpoint<T> {
  kind: ConnectionKind;
  /** Does this endpoint answer at this path? */
  matches(pathname: string): boolean;
  /**
   * Reads the upgrade's query (and, where one endpoint answers at several paths, which one; and
   * the request's headers, where a client may say in one what others say in the query).
   */
  parse(query: URLSearchParams, pathname?: string, headers?: IncomingHttpHeaders): Result<T>;
  /** Should the handshake accept permessage-deflate? Unset or undefined: the server's default. */
  deflate?(options: T): boolean | undefined;
  /** Serves one connection, for as long as it lasts. */
  serve(socket: WebSocket, options: T): void;
}
