// Which application protocol each lane speaks (Socket.IO, graphql-ws, STOMP, …), and one decoder
// for each, fed the lane's whole messages in wire order. The negotiated subprotocol and the
// upgrade's path come from the lane's handshake; without them the first messages are tried.
import { ConnectionProtocol } from '../../core/protocols/detect';
import type { DecodedMessage } from '../../core/protocols/protocol';
import type { TapMessageEvent } from '../../core/tap/events';
import { fromBase64 } from '../../core/wire/bytes';
import { headerValue } from '../../core/wire/handshake';
import type { Lane } from './connections';

type Message = Pick<TapMessageEvent, 'dir' | 'text' | 'base64'>;

export class ProtocolLanes {
  /** Keyed by the lane itself, like the Live API's checkers: it goes when the lane goes. */
  private readonly lanes = new WeakMap<Lane, ConnectionProtocol>();

  /** Decodes a lane's next whole message; null while the lane speaks no protocol we know. */
  take(lane: Lane, message: Message): DecodedMessage | null {
    let protocol = this.lanes.get(lane);
    if (!protocol) {
      const handshake = lane.handshake;
      const subprotocol = handshake
        ? (headerValue(handshake.response.headers, 'sec-websocket-protocol') ?? null)
        : null;
      protocol = new ConnectionProtocol({
        subprotocol,
        path: handshake?.request.path ?? lane.open?.path ?? null,
      });
      this.lanes.set(lane, protocol);
    }
    if (!protocol.listening) return null;
    const data = message.text ?? fromBase64(message.base64 ?? '') ?? new Uint8Array(0);
    return protocol.decode({ dir: message.dir, data });
  }
}
