// How long a frame header is (RFC 6455 §5.2): two bytes, then 0, 2 or 8 bytes of extended payload
// length, then the 4-byte masking key when the MASK bit is set. The encoder, the decoder and the
// inspector's anatomy all size headers with these.

/** The payload length field's form: the 7-bit value itself, or a 16- or 64-bit extended length. */
export type LengthForm = 7 | 16 | 64;

/** The shortest form that holds `payloadLength`: RFC 6455 §5.2 says it MUST be the one used. */
export function minimalLengthForm(payloadLength: number): LengthForm {
  return payloadLength <= 125 ? 7 : payloadLength <= 0xffff ? 16 : 64;
}

/** The form the 7-bit field announces: 126 a 16-bit length, 127 a 64-bit one, 0-125 itself. */
export function announcedLengthForm(len7: number): LengthForm {
  return len7 === 126 ? 16 : len7 === 127 ? 64 : 7;
}

/** Bytes of extended payload length after the first two header bytes. */
export function extendedLengthBytes(form: LengthForm): 0 | 2 | 8 {
  return form === 7 ? 0 : form === 16 ? 2 : 8;
}

/** The whole header's length on the wire. */
export function headerLength(form: LengthForm, masked: boolean): number {
  return 2 + extendedLengthBytes(form) + (masked ? 4 : 0);
}
