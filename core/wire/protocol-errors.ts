// Every way a peer can break RFC 6455's framing rules, with a stable code, the close code the
// RFC asks for and one line a learner can read. The order of checks in the decoder, and the close
// codes, follow `ws`'s Receiver so that what the tap reports is what the server actually does.
export const ProtocolErrors = {
  UNEXPECTED_RSV_2_3: {
    closeCode: 1002,
    explanation: 'RSV2 or RSV3 is set, but no extension that defines them was negotiated (RFC 6455 §5.2)',
  },
  UNEXPECTED_RSV_1: {
    closeCode: 1002,
    explanation: 'RSV1 is set, but no extension such as permessage-deflate was negotiated (RFC 6455 §5.2)',
  },
  RESERVED_OPCODE: {
    closeCode: 1002,
    explanation: 'the opcode is one RFC 6455 §5.2 reserves for future use',
  },
  UNEXPECTED_CONTINUATION: {
    closeCode: 1002,
    explanation: 'a continuation frame arrived with no fragmented message to continue (RFC 6455 §5.4)',
  },
  EXPECTED_CONTINUATION: {
    closeCode: 1002,
    explanation:
      'a new text or binary frame started while a fragmented message was unfinished (RFC 6455 §5.4)',
  },
  FRAGMENTED_CONTROL: {
    closeCode: 1002,
    explanation: 'a control frame had FIN clear: control frames must not be fragmented (RFC 6455 §5.5)',
  },
  CONTROL_PAYLOAD_TOO_LONG: {
    closeCode: 1002,
    explanation: 'a control frame carried more than 125 bytes of payload (RFC 6455 §5.5)',
  },
  INVALID_CLOSE_PAYLOAD: {
    closeCode: 1002,
    explanation:
      'a close frame carried one byte: a close body is empty or starts with a 2-byte code (RFC 6455 §5.5.1)',
  },
  EXPECTED_MASK: {
    closeCode: 1002,
    explanation:
      'a frame from the client was not masked: clients must mask every frame (RFC 6455 §5.1, §10.3)',
  },
  UNEXPECTED_MASK: {
    closeCode: 1002,
    explanation: 'a frame from the server was masked: servers must not mask (RFC 6455 §5.1)',
  },
  LENGTH_OUT_OF_RANGE: {
    closeCode: 1009,
    explanation:
      'the 64-bit payload length is 2^53 or more (its top bit must be 0, RFC 6455 §5.2); no endpoint can hold such a frame',
  },
  MESSAGE_TOO_BIG: {
    closeCode: 1009,
    explanation: 'the message is larger than the endpoint accepts (RFC 6455 §7.4.1, code 1009)',
  },
  INVALID_UTF8: {
    closeCode: 1007,
    explanation: 'a text message is not valid UTF-8 (RFC 6455 §5.6, §8.1)',
  },
  INVALID_UTF8_CLOSE_REASON: {
    closeCode: 1007,
    explanation: 'the reason in a close frame is not valid UTF-8 (RFC 6455 §5.5.1)',
  },
  INVALID_CLOSE_CODE: {
    closeCode: 1002,
    explanation: 'the close frame carried a code no endpoint may send (RFC 6455 §7.4)',
  },
} as const satisfies Record<string, { closeCode: number; explanation: string }>;

export type ProtocolErrorCode = keyof typeof ProtocolErrors;

export interface ProtocolError {
  code: ProtocolErrorCode;
  closeCode: number;
  /** The explanation, with the offending value where there is one. */
  message: string;
  /** Byte offset in the stream where the offending frame started. */
  offset: number;
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
