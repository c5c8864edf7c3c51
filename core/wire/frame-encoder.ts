import { applyMask, utf8 } from './bytes';
import { headerLength, type LengthForm, minimalLengthForm } from './frame-header';
import { Opcode } from './opcodes';

/** Four fresh random bytes for a masking key. Injectable so tests and lessons can fix the key. */
export type MaskSource = () => Uint8Array;

// RFC 6455 §5.3: the key MUST come from a strong source of entropy, so that a script cannot
// predict the bytes a proxy will see (§10.3). globalThis.crypto exists in browsers and Node 20.
export const randomMask: MaskSource = () => crypto.getRandomValues(new Uint8Array(4));

export interface FrameSpec {
  opcode: number;
  payload?: Uint8Array | string;
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
  /** true: mask with a key from the mask source; a Uint8Array: mask with that key; false: don't. */
  mask?: boolean | Uint8Array;
  /**
   * Force a length form. RFC 6455 §5.2 says the minimal form MUST be used; lessons and tests
   * build the others on purpose.
   */
  lengthForm?: LengthForm;
}

/**
 * Builds the bytes of one frame. It writes whatever it is asked to, invalid frames included,
 * so tests and lessons can send what a correct client never would. It throws a RangeError only
 * when the bytes cannot say what was asked: a length too long for the forced length form, or a
 * masking key that is not 4 bytes.
 */
export function encodeFrame(spec: FrameSpec, maskSource: MaskSource = randomMask): Uint8Array {
  const payload = typeof spec.payload === 'string' ? utf8(spec.payload) : (spec.payload ?? new Uint8Array(0));
  const length = payload.length;
  const form = spec.lengthForm ?? minimalLengthForm(length);
  const key = spec.mask === true ? maskSource() : spec.mask instanceof Uint8Array ? spec.mask : null;
  // RFC 6455 §5.2: the 7-bit field holds 0-125 (126 and 127 announce the longer forms).
  if ((form === 7 && length > 125) || (form === 16 && length > 0xffff)) {
    throw new RangeError(`a ${length}-byte payload does not fit a ${form}-bit length (RFC 6455 §5.2)`);
  }
  // RFC 6455 §5.3: the masking key is exactly 4 bytes.
  if (key && key.length !== 4) throw new RangeError(`a masking key is 4 bytes, not ${key.length}`);
  const header = headerLength(form, key !== null);
  const out = new Uint8Array(header + length);

  out[0] =
    ((spec.fin ?? true) ? 0x80 : 0) |
    (spec.rsv1 ? 0x40 : 0) |
    (spec.rsv2 ? 0x20 : 0) |
    (spec.rsv3 ? 0x10 : 0) |
    (spec.opcode & 0x0f);
  out[1] = (key ? 0x80 : 0) | (form === 7 ? length : form === 16 ? 126 : 127);
  if (form === 16) {
    out[2] = (length >> 8) & 0xff;
    out[3] = length & 0xff;
  } else if (form === 64) {
    const high = Math.floor(length / 2 ** 32);
    const low = length >>> 0;
    new DataView(out.buffer).setUint32(2, high);
    new DataView(out.buffer).setUint32(6, low);
  }
  out.set(payload, header);
  if (key) {
    out.set(key, header - 4);
    applyMask(out.subarray(header), key);
  }
  return out;
}

/** The body of a close frame (RFC 6455 §5.5.1): a 2-byte code, then a UTF-8 reason. */
export function encodeClosePayload(code?: number, reason = ''): Uint8Array {
  if (code === undefined) return new Uint8Array(0);
  const text = utf8(reason);
  const out = new Uint8Array(2 + text.length);
  out[0] = (code >> 8) & 0xff;
  out[1] = code & 0xff;
  out.set(text, 2);
  return out;
}

export function encodeClose(code?: number, reason = '', mask: FrameSpec['mask'] = false): Uint8Array {
  return encodeFrame({ opcode: Opcode.CLOSE, payload: encodeClosePayload(code, reason), mask });
}
