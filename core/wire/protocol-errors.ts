// Every way a peer can break RFC 6455's framing rules, with a stable code, the RFC section that
// states the rule, the parts of the frame that break it (what the inspector highlights), the close
// code the RFC asks for and one line a learner can read. The order of checks in the decoder, and the close
// codes, follow `ws`'s Receiver so that what the tap reports is what the server actually does.
export const ProtocolErrors = {
  UNEXPECTED_RSV_2_3: {
    section: '§5.2',
    fields: ['rsv2', 'rsv3'],
    closeCode: 1002,
    explanation: 'RSV2 or RSV3 is set, but no extension that defines them was negotiated (RFC 6455 §5.2)',
  },
  UNEXPECTED_RSV_1: {
    section: '§5.2',
    fields: ['rsv1'],
    closeCode: 1002,
    explanation: 'RSV1 is set, but no extension such as permessage-deflate was negotiated (RFC 6455 §5.2)',
  },
  RESERVED_OPCODE: {
    section: '§5.2',
    fields: ['opcode'],
    closeCode: 1002,
    explanation: 'the opcode is one RFC 6455 §5.2 reserves for future use',
  },
  UNEXPECTED_CONTINUATION: {
    section: '§5.4',
    fields: ['opcode'],
    closeCode: 1002,
    explanation: 'a continuation frame arrived with no fragmented message to continue (RFC 6455 §5.4)',
  },
  EXPECTED_CONTINUATION: {
    section: '§5.4',
    fields: ['opcode'],
    closeCode: 1002,
    explanation:
      'a new text or binary frame started while a fragmented message was unfinished (RFC 6455 §5.4)',
  },
  FRAGMENTED_CONTROL: {
    section: '§5.5',
    fields: ['fin', 'opcode'],
    closeCode: 1002,
    explanation: 'a control frame had FIN clear: control frames must not be fragmented (RFC 6455 §5.5)',
  },
  CONTROL_PAYLOAD_TOO_LONG: {
    section: '§5.5',
    fields: ['length'],
    closeCode: 1002,
    explanation: 'a control frame carried more than 125 bytes of payload (RFC 6455 §5.5)',
  },
  INVALID_CLOSE_PAYLOAD: {
    section: '§5.5.1',
    fields: ['length', 'payload'],
    closeCode: 1002,
    explanation:
      'a close frame carried one byte: a close body is empty or starts with a 2-byte code (RFC 6455 §5.5.1)',
  },
  EXPECTED_MASK: {
    section: '§5.1',
    fields: ['mask'],
    closeCode: 1002,
    explanation:
      'a frame from the client was not masked: clients must mask every frame (RFC 6455 §5.1, §10.3)',
  },
  UNEXPECTED_MASK: {
    section: '§5.1',
    fields: ['mask'],
    closeCode: 1002,
    explanation: 'a frame from the server was masked: servers must not mask (RFC 6455 §5.1)',
  },
  LENGTH_OUT_OF_RANGE: {
    section: '§5.2',
    fields: ['length'],
    closeCode: 1009,
    explanation:
      'the 64-bit payload length is 2^53 or more (its top bit must be 0, RFC 6455 §5.2); no endpoint can hold such a frame',
  },
  MESSAGE_TOO_BIG: {
    section: '§7.4.1',
    fields: ['length'],
    closeCode: 1009,
    explanation: 'the message is larger than the endpoint accepts (RFC 6455 §7.4.1, code 1009)',
  },
  INVALID_UTF8: {
    section: '§8.1',
    fields: ['payload'],
    closeCode: 1007,
    explanation: 'a text message is not valid UTF-8 (RFC 6455 §5.6, §8.1)',
  },
  INVALID_UTF8_CLOSE_REASON: {
    section: '§5.5.1',
    fields: ['payload'],
    closeCode: 1007,
    explanation: 'the reason in a close frame is not valid UTF-8 (RFC 6455 §5.5.1)',
  },
  INVALID_CLOSE_CODE: {
    section: '§7.4',
    fields: ['payload'],
    closeCode: 1002,
    explanation: 'the close frame carried a code no endpoint may send (RFC 6455 §7.4)',
  },
} as const satisfies Record<
  string,
  { section: string; fields: readonly FrameField[]; closeCode: number; explanation: string }
>;

/** The parts of a frame a rule is about: header bits, the length (7-bit and extended), the payload. */
export type FrameField = 'fin' | 'rsv1' | 'rsv2' | 'rsv3' | 'opcode' | 'mask' | 'length' | 'payload';

export type ProtocolErrorCode = keyof typeof ProtocolErrors;

export interface ProtocolError {
  code: ProtocolErrorCode;
  closeCode: number;
  /** The explanation, with the offending value where there is one. */
  message: string;
  /** Byte offset in the stream where the offending frame started. */
  offset: number;
}

/**
 * The rule a frame broke, carried on the frame itself so that a view can show the offending frame
 * and not only an error after it.
 */
export interface Violation {
  code: ProtocolErrorCode;
  /** The RFC 6455 section that states the rule, e.g. `§5.2`. */
  section: string;
  /** The close code the receiving endpoint sends when it fails the connection. */
  closeCode: number;
  message: string;
  /** Payload bytes at fault, as [start, end) offsets into this frame's payload, when some are. */
  payloadRange?: [number, number];
}

export function violationOf(error: ProtocolError, payloadRange?: [number, number]): Violation {
  const violation: Violation = {
    code: error.code,
    section: ProtocolErrors[error.code].section,
    closeCode: error.closeCode,
    message: error.message,
  };
  if (payloadRange) violation.payloadRange = payloadRange;
  return violation;
}

export function protocolError(code: ProtocolErrorCode, offset: number, detail?: string): ProtocolError {
  const entry = ProtocolErrors[code];
  return {
    code,
    closeCode: entry.closeCode,
    message: detail ? `${entry.explanation}: ${detail}` : entry.explanation,
    offset,
  };
}
