// Which application protocol a connection speaks, and its decoder. The negotiated subprotocol is
// the authority (RFC 6455 §1.9: the server's Sec-WebSocket-Protocol answer is what both ends
// agreed to speak); without one, the upgrade's request target (Socket.IO's `EIO=4`) and then the
// connection's first messages (Engine.IO's open packet, SignalR's handshake) are recognised.

import type {
  DecodedMessage,
  ProtocolContext,
  ProtocolDecoder,
  ProtocolDefinition,
  ProtocolMessage,
} from './protocol';
import { PROTOCOLS } from './registry';

/**
 * How many messages a connection may carry before recognition gives up: the signatures are
 * first-message handshakes, and a client may speak once before the server's open packet.
 */
const RECOGNITION_WINDOW = 2;

/** The protocol the upgrade itself names: by subprotocol first, then by request target. */
export function detectByContext(
  context: ProtocolContext,
  protocols: readonly ProtocolDefinition[] = PROTOCOLS,
): ProtocolDefinition | null {
  const { subprotocol, path } = context;
  if (subprotocol) {
    const named = protocols.find((p) => p.subprotocols.includes(subprotocol));
    if (named) return named;
  }
  if (path) return protocols.find((p) => p.recognisePath?.(path)) ?? null;
  return null;
}

/** The protocol whose handshake this message is, or null. */
export function detectByMessage(
  message: ProtocolMessage,
  protocols: readonly ProtocolDefinition[] = PROTOCOLS,
): ProtocolDefinition | null {
  return protocols.find((p) => p.recogniseMessage?.(message)) ?? null;
}

/**
 * One connection's decoding: chooses the protocol (from the upgrade, or from the first messages)
 * and feeds every later message to its decoder. Messages before recognition are not decoded; a
 * connection that never matches stays undecoded at no cost beyond the first few checks.
 */
export class ConnectionProtocol {
  private definition: ProtocolDefinition | null;
  private decoder: ProtocolDecoder | null = null;
  private seen = 0;

  constructor(
    context: ProtocolContext,
    private readonly protocols: readonly ProtocolDefinition[] = PROTOCOLS,
  ) {
    this.definition = detectByContext(context, protocols);
    if (this.definition) this.decoder = this.definition.create();
  }

  /** The recognised protocol, or null while (or when) none is. */
  get protocol(): ProtocolDefinition | null {
    return this.definition;
  }

  /**
   * Whether `decode` can still return anything: false once recognition has given up, so a caller
   * can skip preparing the message (decoding base64, say) for a connection that speaks nothing
   * we know.
   */
  get listening(): boolean {
    return this.decoder !== null || this.seen < RECOGNITION_WINDOW;
  }

  /** Decodes the connection's next whole message, or null when its protocol is unknown. */
  decode(message: ProtocolMessage): DecodedMessage | null {
    this.seen++;
    if (!this.decoder && this.seen <= RECOGNITION_WINDOW) {
      this.definition = detectByMessage(message, this.protocols);
      if (this.definition) this.decoder = this.definition.create();
    }
    return this.decoder ? this.decoder.decode(message) : null;
  }
}
