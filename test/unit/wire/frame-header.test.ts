import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../../core/wire/frame-decoder';
import { encodeFrame } from '../../../core/wire/frame-encoder';
import {
  announcedLengthForm,
  headerLength,
  type LengthForm,
  minimalLengthForm,
} from '../../../core/wire/frame-header';
import { Opcode } from '../../../core/wire/opcodes';
import { hex } from './helpers';

describe('frame header length', () => {
  it('picks the shortest length form at each boundary of RFC 6455 §5.2', () => {
    const forms = [0, 125, 126, 0xffff, 0x10000].map(minimalLengthForm);
    expect(forms).toEqual([7, 7, 16, 16, 64]);
  });

  it('reads the form the 7-bit length announces', () => {
    expect([0, 125, 126, 127].map(announcedLengthForm)).toEqual([7, 7, 16, 64]);
  });

  it('sizes a header exactly as the encoder writes it and the decoder reads it, masked or not', () => {
    const forms: LengthForm[] = [7, 16, 64];
    for (const form of forms) {
      for (const masked of [false, true]) {
        const payload = new Uint8Array(5);
        const mask = masked ? hex('01 02 03 04') : false;
        const bytes = encodeFrame({ opcode: Opcode.BINARY, payload, mask, lengthForm: form });
        expect(bytes.length - payload.length, `${form}-bit, masked ${masked}`).toBe(
          headerLength(form, masked),
        );
        const events = new FrameDecoder({ sender: masked ? 'client' : 'server' }).push(bytes);
        const frame = events.find((event) => event.type === 'frame');
        expect(frame?.type === 'frame' && frame.frame.header.length).toBe(headerLength(form, masked));
      }
    }
  });
});
