// WAMP v2 with JSON serialisation, subprotocol `wamp.2.json`: the Web Application Messaging
// Protocol (draft-oberstet-hybi-tavendo-wamp-02; § numbers below are that draft's). Every message
// is a JSON array whose first element is the message type code (§6.3, codes in §6.5 and §13.1.2).
//
// The sequence: HELLO from the client, then WELCOME (or ABORT, or a CHALLENGE first) from the
// router (§7.1); GOODBYE answered by GOODBYE (§7.2). A request carries a Request id its answer
// repeats: SUBSCRIBE → SUBSCRIBED (§8.1), PUBLISH → PUBLISHED (§8.2), CALL → RESULT (§9.2),
// REGISTER → REGISTERED (§9.1), INVOCATION → YIELD, or an ERROR naming the request's type. EVENTs
// name the Subscription id SUBSCRIBED handed out, INVOCATIONs the Registration id.

import { isJsonObject } from '../json';
import { decodeUtf8Lossy } from '../wire/bytes';
import { type Direction, otherSide } from '../wire/direction';
import { labelOf } from './message-units';
import type {
  DecodedMessage,
  JsonValue,
  ProtocolDecoder,
  ProtocolDefinition,
  ProtocolMessage,
  ProtocolWarning,
} from './protocol';
import { warn } from './protocol';

const PROTOCOL = 'wamp';

/** §6.5 and §13.1.2: message type codes. */
export const WampMessageType = {
  HELLO: 1,
  WELCOME: 2,
  ABORT: 3,
  CHALLENGE: 4,
  AUTHENTICATE: 5,
  GOODBYE: 6,
  ERROR: 8,
  PUBLISH: 16,
  PUBLISHED: 17,
  SUBSCRIBE: 32,
  SUBSCRIBED: 33,
  UNSUBSCRIBE: 34,
  UNSUBSCRIBED: 35,
  EVENT: 36,
  CALL: 48,
  CANCEL: 49,
  RESULT: 50,
  REGISTER: 64,
  REGISTERED: 65,
  UNREGISTER: 66,
  UNREGISTERED: 67,
  INVOCATION: 68,
  INTERRUPT: 69,
  YIELD: 70,
} as const;

type WampName = keyof typeof WampMessageType;

const NAMES: Record<number, WampName> = Object.fromEntries(
  Object.entries(WampMessageType).map(([name, code]) => [code, name as WampName]),
);

/** §6.4 and §13.1.1: the fields after the type code, by their names in the specification. */
const FIELDS: Record<WampName, readonly string[]> = {
  HELLO: ['Realm', 'Details'],
  WELCOME: ['Session', 'Details'],
  ABORT: ['Details', 'Reason'],
  CHALLENGE: ['AuthMethod', 'Extra'],
  AUTHENTICATE: ['Signature', 'Extra'],
  GOODBYE: ['Details', 'Reason'],
  ERROR: ['REQUEST.Type', 'REQUEST.Request', 'Details', 'Error', 'Arguments', 'ArgumentsKw'],
  PUBLISH: ['Request', 'Options', 'Topic', 'Arguments', 'ArgumentsKw'],
  PUBLISHED: ['PUBLISH.Request', 'Publication'],
  SUBSCRIBE: ['Request', 'Options', 'Topic'],
  SUBSCRIBED: ['SUBSCRIBE.Request', 'Subscription'],
  UNSUBSCRIBE: ['Request', 'SUBSCRIBED.Subscription'],
  UNSUBSCRIBED: ['UNSUBSCRIBE.Request', 'Details'],
  EVENT: [
    'SUBSCRIBED.Subscription',
    'PUBLISHED.Publication',
    'Details',
    'PUBLISH.Arguments',
    'PUBLISH.ArgumentsKw',
  ],
  CALL: ['Request', 'Options', 'Procedure', 'Arguments', 'ArgumentsKw'],
  CANCEL: ['CALL.Request', 'Options'],
  RESULT: ['CALL.Request', 'Details', 'YIELD.Arguments', 'YIELD.ArgumentsKw'],
  REGISTER: ['Request', 'Options', 'Procedure'],
  REGISTERED: ['REGISTER.Request', 'Registration'],
  UNREGISTER: ['Request', 'REGISTERED.Registration'],
  UNREGISTERED: ['UNREGISTER.Request', 'Details'],
  INVOCATION: ['Request', 'REGISTERED.Registration', 'Details', 'CALL.Arguments', 'CALL.ArgumentsKw'],
  INTERRUPT: ['INVOCATION.Request', 'Options'],
  YIELD: ['INVOCATION.Request', 'Options', 'Arguments', 'ArgumentsKw'],
};

/** The request each answer (or ERROR) belongs to: §8, §9 and §13.3.4. */
const ANSWERS: Partial<Record<WampName, WampName>> = {
  PUBLISHED: 'PUBLISH',
  SUBSCRIBED: 'SUBSCRIBE',
  UNSUBSCRIBED: 'UNSUBSCRIBE',
  RESULT: 'CALL',
  CANCEL: 'CALL',
  REGISTERED: 'REGISTER',
  UNREGISTERED: 'UNREGISTER',
  YIELD: 'INVOCATION',
  INTERRUPT: 'INVOCATION',
};

const REQUESTS: readonly WampName[] = [
  'PUBLISH',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'CALL',
  'REGISTER',
  'UNREGISTER',
  'INVOCATION',
];

/** Messages allowed before the session is established (§7.1, §13.5.2). */
const SESSION_OPENING: readonly WampName[] = ['HELLO', 'WELCOME', 'ABORT', 'CHALLENGE', 'AUTHENTICATE'];

interface Request {
  type: WampName;
  link: string;
  /** The topic or procedure it is about, when it names one (for UNSUBSCRIBE, the subscription's). */
  name?: string;
  /** UNSUBSCRIBE and UNREGISTER: the subscription or registration that ends when it is answered. */
  ends?: number;
}

/** A subscription or registration a router handed out: its link and its topic or procedure. */
interface Grant {
  link: string;
  name: string;
}

class WampDecoder implements ProtocolDecoder {
  private helloSent = false;
  private established = false;
  private readonly goodbye = { client: false, server: false };
  /** Requests awaiting their answer, by the side that sent them and their Request id. */
  private readonly pending = new Map<string, Request>();
  private readonly subscriptions = new Map<number, Grant>();
  private readonly registrations = new Map<number, Grant>();
  private count = 0;

  decode({ dir, data }: ProtocolMessage): DecodedMessage {
    const warnings: ProtocolWarning[] = [];
    if (typeof data !== 'string')
      warnings.push(
        warn(
          'BINARY_MESSAGE',
          'error',
          'wamp.2.json messages are text (§5.3.1); binary ones belong to wamp.2.msgpack',
        ),
      );
    const text = typeof data === 'string' ? data : decodeUtf8Lossy(data);
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      message = undefined;
    }
    if (!Array.isArray(message) || typeof message[0] !== 'number')
      return this.result(
        'unreadable',
        'unreadable',
        { text },
        [],
        [
          ...warnings,
          warn('UNREADABLE', 'error', 'a WAMP message is a JSON array that starts with its type code (§6.3)'),
        ],
      );
    const code = message[0];
    const kind = NAMES[code];
    if (!kind)
      return this.result(
        `type ${code}`,
        `type ${code}`,
        message as JsonValue,
        [],
        [...warnings, warn('UNKNOWN_CODE', 'error', `${code} is not a WAMP message type (§6.5)`)],
      );
    const fields = message.slice(1) as JsonValue[];
    const tree: { [key: string]: JsonValue } = { type: `${code} ${kind}` };
    FIELDS[kind].forEach((field, i) => {
      if (i < fields.length) tree[field] = fields[i]!;
    });
    this.order(dir, kind, warnings);
    const links: string[] = [];
    const words: string[] = [kind];
    let name: string | undefined;
    const id = (i: number): number | null => (typeof fields[i] === 'number' ? (fields[i] as number) : null);
    const str = (i: number): string | null => (typeof fields[i] === 'string' ? (fields[i] as string) : null);

    switch (kind) {
      case 'HELLO':
        words.push(str(0) ?? '');
        break;
      case 'WELCOME':
        words.push(`session ${id(0)}`);
        break;
      case 'ABORT':
      case 'GOODBYE':
        words.push(str(1) ?? '');
        break;
      case 'CHALLENGE':
        words.push(str(0) ?? '');
        break;
      case 'ERROR': {
        const requestType = NAMES[id(0) ?? -1];
        const request = this.answer(dir, requestType ?? 'ERROR', id(1), links, warnings, true);
        words.push(requestType ?? `type ${id(0)}`);
        if (request?.name) {
          name = request.name;
          words.push(request.name);
        }
        words.push(`· ${str(3) ?? ''}`);
        break;
      }
      default:
        break;
    }

    if (REQUESTS.includes(kind)) {
      const request: Request = { type: kind, link: `req:${++this.count}` };
      const target = kind === 'INVOCATION' ? null : str(2);
      if (target) request.name = target;
      if (kind === 'UNSUBSCRIBE' || kind === 'UNREGISTER') {
        const grants = kind === 'UNSUBSCRIBE' ? this.subscriptions : this.registrations;
        const grant = grants.get(id(1) ?? -1);
        if (grant) {
          request.name = grant.name;
          request.ends = id(1) ?? undefined;
          links.push(grant.link);
        } else
          warnings.push(
            warn(
              'UNKNOWN_ID',
              'caution',
              `${kind} names ${kind === 'UNSUBSCRIBE' ? 'subscription' : 'registration'} ${id(1)}, which the router never handed out (§8.1.4, §9.1.4)`,
            ),
          );
      }
      if (kind === 'INVOCATION') {
        const grant = this.registrations.get(id(1) ?? -1);
        if (grant) {
          request.name = grant.name;
          links.push(grant.link);
        } else
          warnings.push(
            warn(
              'UNKNOWN_ID',
              'error',
              `INVOCATION for registration ${id(1)}, which the router never handed out (§9.2.2, §11.2)`,
            ),
          );
      }
      const requestId = id(0);
      if (requestId !== null) {
        const key = `${dir}:${requestId}`;
        if (this.pending.has(key))
          warnings.push(
            warn(
              'REQUEST_ID_IN_USE',
              'error',
              `Request id ${requestId} is still awaiting its answer (§5.1.2)`,
            ),
          );
        this.pending.set(key, request);
      }
      links.push(request.link);
      if (request.name) {
        name = request.name;
        words.push(request.name);
      }
    }

    const answered = ANSWERS[kind];
    if (answered) {
      // CANCEL and INTERRUPT come from the request's own side; every other answer from the far side.
      const fromSelf = kind === 'CANCEL' || kind === 'INTERRUPT';
      const request = this.answer(
        fromSelf ? otherSide(dir) : dir,
        answered,
        id(0),
        links,
        warnings,
        !fromSelf && !this.progressive(kind, fields),
      );
      if (request?.name) {
        name = request.name;
        words.push(request.name);
      }
      if (kind === 'SUBSCRIBED' && request && id(1) !== null)
        this.subscriptions.set(id(1)!, { link: request.link, name: request.name ?? '' });
      if (kind === 'REGISTERED' && request && id(1) !== null)
        this.registrations.set(id(1)!, { link: request.link, name: request.name ?? '' });
      if (this.progressive(kind, fields)) words.push('· progress');
      if (kind === 'UNSUBSCRIBED' && request?.ends !== undefined) this.subscriptions.delete(request.ends);
      if (kind === 'UNREGISTERED' && request?.ends !== undefined) this.registrations.delete(request.ends);
    }

    if (kind === 'EVENT') {
      const grant = this.subscriptions.get(id(0) ?? -1);
      if (grant) {
        links.push(grant.link);
        name = grant.name;
        words.push(grant.name);
      } else
        warnings.push(
          warn(
            'UNKNOWN_SUBSCRIPTION',
            'error',
            `EVENT for subscription ${id(0)}: SUBSCRIBED comes before any EVENT of a subscription (§11.1)`,
          ),
        );
    }
    const decoded = this.result(kind, labelOf(words), tree, links, warnings);
    if (name) decoded.name = name;
    return decoded;
  }

  /** §13.3.1: a RESULT or YIELD with `progress: true` leaves its call open. */
  private progressive(kind: WampName, fields: JsonValue[]): boolean {
    if (kind !== 'RESULT' && kind !== 'YIELD') return false;
    const details = fields[1];
    return isJsonObject(details) && details.progress === true;
  }

  /** Finds the request an answer names, links to it, and closes it when `close`. */
  private answer(
    answerDir: Direction,
    type: WampName,
    requestId: number | null,
    links: string[],
    warnings: ProtocolWarning[],
    close: boolean,
  ): Request | null {
    const key = `${otherSide(answerDir)}:${requestId}`;
    const request = this.pending.get(key);
    if (!request || request.type !== type) {
      warnings.push(
        warn(
          'UNKNOWN_REQUEST',
          'error',
          `an answer to ${type} ${requestId}, which no pending ${type} carries (§5.1.2)`,
        ),
      );
      return null;
    }
    links.push(request.link);
    if (close) this.pending.delete(key);
    return request;
  }

  /** §7.1: HELLO first, WELCOME before anything else; §7.2: nothing after one's own GOODBYE but the reply. */
  private order(dir: Direction, kind: WampName, warnings: ProtocolWarning[]): void {
    if (dir === 'client' && kind === 'HELLO') {
      if (this.helloSent)
        warnings.push(
          warn('HELLO_REPEATED', 'error', 'a second HELLO: a protocol error during a session (§7.1.1)'),
        );
      this.helloSent = true;
    }
    if (!this.helloSent && kind !== 'HELLO')
      warnings.push(
        warn('BEFORE_HELLO', 'error', `${kind} before HELLO: a session opens with the client's HELLO (§7.1)`),
      );
    else if (!this.established && !SESSION_OPENING.includes(kind))
      warnings.push(
        warn('BEFORE_WELCOME', 'error', `${kind} before WELCOME: the session is not established yet (§7.1)`),
      );
    if (this.established && (kind === 'WELCOME' || kind === 'ABORT'))
      warnings.push(
        warn(
          'AFTER_WELCOME',
          'error',
          `${kind} after WELCOME: it belongs to session establishment (§7.1, §7.2.1)`,
        ),
      );
    if (kind === 'WELCOME') this.established = true;
    if (this.goodbye[dir] && kind !== 'GOODBYE')
      warnings.push(warn('AFTER_GOODBYE', 'error', `${kind} after this side's GOODBYE (§7.2)`));
    if (kind === 'GOODBYE') {
      this.goodbye[dir] = true;
      if (this.goodbye[otherSide(dir)]) this.established = false;
    }
  }

  private result(
    kind: string,
    label: string,
    tree: JsonValue,
    links: string[],
    warnings: ProtocolWarning[],
  ): DecodedMessage {
    return { protocol: PROTOCOL, kind, label, tree, links, warnings };
  }
}

/** A client's HELLO (§7.1.1): `[1, Realm, Details]`, with the roles the client announces. */
function isHello({ dir, data }: ProtocolMessage): boolean {
  if (dir !== 'client' || typeof data !== 'string' || !data.trimStart().startsWith('[')) return false;
  try {
    const value: unknown = JSON.parse(data);
    return (
      Array.isArray(value) &&
      value[0] === WampMessageType.HELLO &&
      typeof value[1] === 'string' &&
      isJsonObject(value[2]) &&
      isJsonObject(value[2].roles)
    );
  } catch {
    return false;
  }
}

export const wamp: ProtocolDefinition = {
  id: PROTOCOL,
  title: 'WAMP v2 (JSON)',
  subprotocols: ['wamp.2.json'],
  recogniseMessage: isHello,
  create: () => new WampDecoder(),
};
