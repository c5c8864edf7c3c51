// graphql-ws, the `graphql-transport-ws` subprotocol (github.com/enisdenjo/graphql-ws,
// PROTOCOL.md): every message is a JSON object with a `type`. The client opens with
// `connection_init` and waits for `connection_ack`; then each operation is a `subscribe` with a
// unique `id`, answered by `next` messages and ended by `complete` (either side) or `error`.
// `ping`/`pong` may go either way at any time. The order rules below are the ones PROTOCOL.md
// enforces with close codes (4400, 4401, 4409, 4429), and the warnings quote them.

import { isJsonObject } from '../json';
import { decodeUtf8Lossy } from '../wire/bytes';
import type {
  DecodedMessage,
  JsonValue,
  ProtocolDecoder,
  ProtocolDefinition,
  ProtocolMessage,
  ProtocolWarning,
} from './protocol';
import { unreadable as unreadableAs } from './protocol';

const PROTOCOL = 'graphql-ws';

export const GRAPHQL_WS_TYPES = [
  'connection_init',
  'connection_ack',
  'ping',
  'pong',
  'subscribe',
  'next',
  'error',
  'complete',
] as const;

interface Operation {
  name: string;
  /** `query`, `mutation` or `subscription`. */
  operation: string;
}

/** The operation's name and type: `operationName` when given, else the document's first definition. */
function operationOf(payload: unknown): Operation {
  if (!isJsonObject(payload)) return { name: 'anonymous', operation: 'query' };
  const query = typeof payload.query === 'string' ? payload.query : '';
  const first = /^\s*(?:#[^\n]*\n\s*)*(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?/.exec(
    query,
  );
  const operation = first?.[1] ?? 'query';
  const name =
    typeof payload.operationName === 'string' ? payload.operationName : (first?.[2] ?? 'anonymous');
  return { name, operation };
}

const shortId = (id: string) => (id.length > 8 ? `${id.slice(0, 8)}…` : id);

class GraphqlWsDecoder implements ProtocolDecoder {
  private initSent = false;
  private acknowledged = false;
  /** Operations subscribed and not yet completed, by id. */
  private readonly active = new Map<string, Operation>();
  /** Every operation seen, so a late message still gets its name. */
  private readonly known = new Map<string, Operation>();

  decode({ dir, data }: ProtocolMessage): DecodedMessage {
    const text = typeof data === 'string' ? data : decodeUtf8Lossy(data);
    const warnings: ProtocolWarning[] = [];
    if (typeof data !== 'string') {
      warnings.push({
        code: 'BINARY_MESSAGE',
        level: 'error',
        text: 'graphql-ws messages are text: a server closes with 4400 on a binary one',
      });
    }
    let message: JsonValue;
    try {
      message = JSON.parse(text) as JsonValue;
    } catch {
      return unreadable(text, 'not JSON: the peer closes with 4400 Invalid message received', warnings);
    }
    if (!isJsonObject(message) || typeof message.type !== 'string')
      return unreadable(text, 'a message without a string `type`: the peer closes with 4400', warnings);
    const type = message.type;
    const id = typeof message.id === 'string' ? message.id : null;
    const tree: { [key: string]: JsonValue } = { ...(message as { [key: string]: JsonValue }) };
    const links: string[] = [];
    let name: string | undefined;
    const words: string[] = [type];

    switch (type) {
      case 'connection_init':
        if (dir === 'client' && this.initSent) {
          warnings.push({
            code: 'INIT_REPEATED',
            level: 'error',
            text: 'a second connection_init: the server closes with 4429 Too many initialisation requests',
          });
        }
        this.initSent = true;
        break;
      case 'connection_ack':
        if (!this.initSent) {
          warnings.push({
            code: 'ACK_BEFORE_INIT',
            level: 'caution',
            text: 'connection_ack before the client sent connection_init',
          });
        }
        this.acknowledged = true;
        break;
      case 'ping':
      case 'pong':
        break;
      case 'subscribe': {
        if (id === null) break;
        const operation = operationOf(message.payload);
        name = operation.name;
        words.push(operation.operation, name);
        tree.operation = operation.operation;
        if (!this.acknowledged) {
          warnings.push({
            code: 'SUBSCRIBE_BEFORE_ACK',
            level: 'error',
            text: 'subscribe before the server’s connection_ack: the server closes with 4401 Unauthorized',
          });
        }
        if (this.active.has(id)) {
          warnings.push({
            code: 'DUPLICATE_ID',
            level: 'error',
            text: `subscribe with id ${id}, which is still running: the server closes with 4409 Subscriber for ${id} already exists`,
          });
        }
        this.active.set(id, operation);
        this.known.set(id, operation);
        break;
      }
      case 'next':
      case 'error':
      case 'complete': {
        if (id === null) break;
        const operation = this.known.get(id);
        if (operation) {
          name = operation.name;
          words.push(name);
        }
        const running = this.active.has(id);
        // A client may complete an operation the server has just finished; that race is allowed.
        if (!running && !(type === 'complete' && dir === 'client')) {
          warnings.push({
            code: 'UNKNOWN_ID',
            level: dir === 'server' ? 'error' : 'caution',
            text: `${type} for id ${id}, which no running subscribe opened`,
          });
        }
        if (type !== 'next') this.active.delete(id);
        break;
      }
      default:
        warnings.push({
          code: 'UNKNOWN_TYPE',
          level: 'error',
          text: `unknown message type "${type}": the peer closes with 4400`,
        });
    }
    if (id === null && ['subscribe', 'next', 'error', 'complete'].includes(type)) {
      warnings.push({
        code: 'MISSING_ID',
        level: 'error',
        text: `${type} needs an id: the peer closes with 4400`,
      });
    }
    if (id !== null) {
      links.push(`op:${id}`);
      words.push(`· ${shortId(id)}`);
    }
    return { protocol: PROTOCOL, kind: type, label: words.join(' '), name, tree, links, warnings };
  }
}

const unreadable = (text: string, why: string, warnings: ProtocolWarning[]): DecodedMessage =>
  unreadableAs(PROTOCOL, text, why, warnings);

export const graphqlWs: ProtocolDefinition = {
  id: PROTOCOL,
  title: 'graphql-ws (graphql-transport-ws)',
  subprotocols: ['graphql-transport-ws'],
  create: () => new GraphqlWsDecoder(),
};
