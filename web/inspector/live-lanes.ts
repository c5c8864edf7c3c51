// Which lanes speak the Live API, and one order checker for each. A lane is judged by its
// messages, not its path, so the local endpoint and a proxied real one are both checked: it
// becomes a Live API lane at its first message that opens with a Live API field. Until then each
// message costs a look at its first characters.
import { isJsonObject } from '../../core/json';
import { LIVE_MESSAGE_KINDS } from '../../core/live/live-messages';
import { checkFieldNames, jsonName } from '../../core/live/message-fields';
import { SequenceChecker, type SequenceWarning } from '../../core/live/sequence-check';
import type { TapMessageEvent } from '../../core/tap/events';
import { decodeUtf8Lossy, fromBase64 } from '../../core/wire/bytes';
import type { Lane } from './connections';
import { type MessageJson, wholeMessageJson } from './message-json';

const FIRST_FIELD = /^\s*\{\s*"(\w+)"\s*:/;

type Message = Pick<TapMessageEvent, 'dir' | 'text' | 'base64' | 'truncated'>;

/** The field a message opens with, read from its first characters only; null if it is not JSON. */
function firstField(message: Message): string | null {
  let head: string;
  if (message.text !== undefined) head = message.text.slice(0, 64);
  else if (message.base64?.startsWith('e'))
    head = decodeUtf8Lossy(fromBase64(message.base64.slice(0, 64)) ?? new Uint8Array(0));
  else return null;
  return FIRST_FIELD.exec(head)?.[1] ?? null;
}

/**
 * The message as JSON, or, when the tap cut it short, an object holding just its kind. A client's
 * names are read as the service reads them (protobuf JSON): `client_content` is `clientContent`.
 */
function checkedValue(message: Message, kind: string, json: MessageJson | null): unknown {
  if (message.truncated) return { [kind]: {} };
  if (json?.state !== 'json') return null;
  if (message.dir !== 'client' || !isJsonObject(json.value)) return json.value;
  const named = checkFieldNames(json.value);
  return named.ok ? named.message : json.value;
}

export class LiveLanes {
  /** Keyed by the lane itself: a lane's key changes when a restarted server reuses its id. */
  private readonly lanes = new WeakMap<Lane, SequenceChecker | 'off'>();

  /**
   * Takes a lane's next whole message, in wire order, with its JSON when that was read already.
   * Returns its warnings (often none), or null when the lane is not being checked.
   */
  take(lane: Lane, message: Message, json?: MessageJson | null): SequenceWarning[] | null {
    let checker = this.lanes.get(lane);
    if (checker === 'off') return null;
    const first = firstField(message);
    const kind = first === null ? null : jsonName(first);
    if (checker === undefined) {
      if (kind === null || !LIVE_MESSAGE_KINDS.has(kind)) return null;
      // Without the handshake this page joined the connection late (the tap's history had moved
      // on): its first messages are gone, and a checker would see a session start in the middle.
      if (!lane.handshake) {
        this.lanes.set(lane, 'off');
        return null;
      }
      checker = new SequenceChecker();
      this.lanes.set(lane, checker);
    }
    if (kind === null) return [];
    return checker.check(
      message.dir,
      checkedValue(message, kind, json === undefined ? wholeMessageJson(message) : json),
    );
  }

  /** Some of this lane's messages were missed (the tap or the pause dropped them): stop checking it. */
  lost(lane: Lane): void {
    this.lanes.set(lane, 'off');
  }

  /** Is this lane's order being checked? */
  isChecked(lane: Lane): boolean {
    const state = this.lanes.get(lane);
    return state !== undefined && state !== 'off';
  }
}
