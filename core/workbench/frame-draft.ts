// The workbench's model of one frame a learner builds field by field, valid or not, and the exact
// bytes and TCP writes it stands for. Pure: the page shows these bytes live, the server writes them.
import type { Result } from '../result';
import { fromHex, utf8 } from '../wire/bytes';
import { encodeFrame, type MaskSource, randomMask } from '../wire/frame-encoder';
import { extendedLengthBytes, type LengthForm, minimalLengthForm } from '../wire/frame-header';

/** The payload as the learner typed it: text (sent as its UTF-8 bytes) or hex (any bytes at all). */
export type DraftPayload = { kind: 'text'; text: string } | { kind: 'hex'; hex: string };

/**
 * How the frame's bytes are cut into TCP writes: all at once, every `size` bytes, or at the given
 * byte offsets into the frame. A receiver must put a frame together from any cut (RFC 6455 §5.2
 * defines frames on a byte stream, not on packets), so cutting shows whether it does.
 */
export type DraftChop =
  | { kind: 'whole' }
  | { kind: 'every'; size: number }
  | { kind: 'at'; offsets: number[] };

/** `random`: a fresh key each time the bytes are built; hex: exactly those 4 bytes. */
export type DraftMaskKey = 'random' | string;

export interface FrameDraft {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  /** 0-15: the reserved ones (0x3-0x7, 0xB-0xF, RFC 6455 §5.2) included. */
  opcode: number;
  /** RFC 6455 §5.1: a client MUST mask; leaving it off is one of the rules to break. */
  mask: boolean;
  maskKey: DraftMaskKey;
  /** `minimal` is what RFC 6455 §5.2 requires; 16 and 64 may be chosen for short payloads too. */
  lengthForm: 'minimal' | LengthForm;
  /**
   * The payload length the header announces, when it should lie: longer than the bytes given (the
   * receiver waits for bytes that never come) or shorter (the rest is read as the next frame).
   * Null: the true length.
   */
  declaredLength: number | null;
  payload: DraftPayload;
  chop: DraftChop;
}

/** Which part of a draft is wrong, so a form can point at the field. */
export type DraftField = 'opcode' | 'maskKey' | 'lengthForm' | 'declaredLength' | 'payload' | 'chop';

export interface DraftError {
  field: DraftField;
  message: string;
}

/** The largest number the 7-bit, 16-bit and 64-bit length fields can hold (RFC 6455 §5.2). */
export function maxLengthOf(form: LengthForm): number {
  // The 64-bit field's most significant bit MUST be 0; a JavaScript number is exact up to 2^53 - 1.
  return form === 7 ? 125 : form === 16 ? 0xffff : Number.MAX_SAFE_INTEGER;
}

export function defaultDraft(overrides: Partial<FrameDraft> = {}): FrameDraft {
  return {
    fin: true,
    rsv1: false,
    rsv2: false,
    rsv3: false,
    opcode: 0x1,
    mask: true,
    maskKey: 'random',
    lengthForm: 'minimal',
    declaredLength: null,
    payload: { kind: 'text', text: '' },
    chop: { kind: 'whole' },
    ...overrides,
  };
}

/** The payload's bytes, or why the hex is not hex. */
export function draftPayloadBytes(payload: DraftPayload): Result<Uint8Array, DraftError> {
  if (payload.kind === 'text') return { ok: true, value: utf8(payload.text) };
  const bytes = fromHex(payload.hex);
  if (!bytes) {
    return {
      ok: false,
      error: { field: 'payload', message: 'the payload is not hex: pairs of 0-9 and a-f, spaces allowed' },
    };
  }
  return { ok: true, value: bytes };
}

/** The 4 key bytes, a fresh random key, or why the typed key is not one. */
export function draftMaskKey(
  key: DraftMaskKey,
  source: MaskSource = randomMask,
): Result<Uint8Array, DraftError> {
  if (key === 'random') return { ok: true, value: source() };
  const bytes = fromHex(key);
  // RFC 6455 §5.2: the masking key is 32 bits.
  if (bytes?.length !== 4) {
    return {
      ok: false,
      error: { field: 'maskKey', message: 'a masking key is 4 bytes: 8 hex digits, e.g. 37fa213d' },
    };
  }
  return { ok: true, value: bytes };
}

/** The draft with a random key replaced by the key it got now, so its bytes stay the same. */
export function pinMaskKey(draft: FrameDraft, source: MaskSource = randomMask): FrameDraft {
  if (draft.maskKey !== 'random') return draft;
  const key = source();
  return { ...draft, maskKey: Array.from(key, (b) => b.toString(16).padStart(2, '0')).join('') };
}

/**
 * The exact bytes of the frame the draft describes, valid or not. The encoder in core/wire builds
 * the frame; the one thing it will not do, announce a length the payload does not have, is done
 * here by writing the declared length over the true one.
 */
export function draftBytes(
  draft: FrameDraft,
  source: MaskSource = randomMask,
): Result<Uint8Array, DraftError> {
  if (!Number.isInteger(draft.opcode) || draft.opcode < 0 || draft.opcode > 0xf) {
    return { ok: false, error: { field: 'opcode', message: 'the opcode is 4 bits: 0 to 15 (0x0-0xF)' } };
  }
  const payload = draftPayloadBytes(draft.payload);
  if (!payload.ok) return payload;
  const bytes = payload.value;
  const key = draft.mask ? draftMaskKey(draft.maskKey, source) : null;
  if (key && !key.ok) return key;

  if (
    draft.declaredLength !== null &&
    !(Number.isInteger(draft.declaredLength) && draft.declaredLength >= 0)
  ) {
    return {
      ok: false,
      error: {
        field: 'declaredLength',
        message: 'the declared length is a whole number of bytes, 0 or more',
      },
    };
  }
  const declared = draft.declaredLength ?? bytes.length;
  const form = draft.lengthForm === 'minimal' ? minimalLengthForm(declared) : draft.lengthForm;
  if (declared > maxLengthOf(form)) {
    const field: DraftField = draft.declaredLength === null ? 'lengthForm' : 'declaredLength';
    return {
      ok: false,
      error: {
        field,
        message: `a length of ${declared} does not fit the ${form}-bit length form (at most ${maxLengthOf(form)}, RFC 6455 §5.2)`,
      },
    };
  }

  // The receiver unmasks as many bytes as the header announces (RFC 6455 §5.3); bytes past a short
  // declared length are not this frame's payload, so they go unmasked, as the start of whatever
  // the receiver reads next.
  const covered = Math.min(declared, bytes.length);
  const frame = encodeFrame(
    {
      opcode: draft.opcode,
      payload: bytes.subarray(0, covered),
      fin: draft.fin,
      rsv1: draft.rsv1,
      rsv2: draft.rsv2,
      rsv3: draft.rsv3,
      mask: key ? key.value : false,
      lengthForm: form,
    },
    source,
  );
  if (declared !== covered) writeLength(frame, form, declared);
  if (covered === bytes.length) return { ok: true, value: frame };
  const out = new Uint8Array(frame.length + bytes.length - covered);
  out.set(frame);
  out.set(bytes.subarray(covered), frame.length);
  return { ok: true, value: out };
}

// RFC 6455 §5.2: the 7-bit field, or 126/127 followed by a 16- or 64-bit big-endian length.
function writeLength(frame: Uint8Array, form: LengthForm, length: number): void {
  if (form === 7) {
    frame[1] = (frame[1]! & 0x80) | length;
    return;
  }
  const view = new DataView(frame.buffer, frame.byteOffset, 2 + extendedLengthBytes(form));
  if (form === 16) view.setUint16(2, length);
  else {
    view.setUint32(2, Math.floor(length / 2 ** 32));
    view.setUint32(6, length >>> 0);
  }
}

/** Where the draft's bytes are cut, as the sizes of the writes; errors for cuts that cannot be. */
export function chopSizes(chop: DraftChop, total: number): Result<number[], DraftError> {
  if (total === 0) return { ok: true, value: [] };
  if (chop.kind === 'whole') return { ok: true, value: [total] };
  if (chop.kind === 'every') {
    if (!Number.isInteger(chop.size) || chop.size < 1) {
      return { ok: false, error: { field: 'chop', message: 'write every N bytes needs N of 1 or more' } };
    }
    const sizes: number[] = [];
    for (let at = 0; at < total; at += chop.size) sizes.push(Math.min(chop.size, total - at));
    return { ok: true, value: sizes };
  }
  const sizes: number[] = [];
  let last = 0;
  for (const offset of chop.offsets) {
    if (!Number.isInteger(offset) || offset <= last || offset >= total) {
      return {
        ok: false,
        error: {
          field: 'chop',
          message: `split points must be increasing offsets between 1 and ${total - 1} (the frame is ${total} bytes)`,
        },
      };
    }
    sizes.push(offset - last);
    last = offset;
  }
  sizes.push(total - last);
  return { ok: true, value: sizes };
}

/** The draft's bytes cut into the TCP writes it asks for. */
export function draftWrites(
  draft: FrameDraft,
  source: MaskSource = randomMask,
): Result<Uint8Array[], DraftError> {
  const bytes = draftBytes(draft, source);
  if (!bytes.ok) return bytes;
  const sizes = chopSizes(draft.chop, bytes.value.length);
  if (!sizes.ok) return sizes;
  const writes: Uint8Array[] = [];
  let at = 0;
  for (const size of sizes.value) {
    writes.push(bytes.value.subarray(at, at + size));
    at += size;
  }
  return { ok: true, value: writes };
}
