// fast-check generators for whole, valid frame streams: messages cut into fragments at random
// points with control frames between them, masked with random keys from the client, length forms
// chosen at random where the RFC allows more than one, and sometimes a close frame at the end.
// Each generated stream carries what a correct decoder must report for it.
import fc from 'fast-check';
import type { Direction } from '../../../core/wire/direction';
import { encodeClosePayload, encodeFrame, type FrameSpec } from '../../../core/wire/frame-encoder';
import { Opcode } from '../../../core/wire/opcodes';

export interface PlannedFrame {
  spec: FrameSpec & { payload: Uint8Array };
  fin: boolean;
  opcode: number;
  maskKey: Uint8Array | null;
  payload: Uint8Array;
  close?: { code: number | null; reason: string };
}

export interface PlannedMessage {
  opcode: 1 | 2;
  data: Uint8Array;
  text?: string;
  frames: number;
}

export interface PlannedStream {
  sender: Direction;
  frames: PlannedFrame[];
  messages: PlannedMessage[];
  /** Ends with a close frame: the decoder must end `closed`. */
  closed: boolean;
  bytes: Uint8Array;
}

const utf8 = (text: string) => new TextEncoder().encode(text);

function keyFor(sender: Direction): fc.Arbitrary<Uint8Array | null> {
  return sender === 'client' ? fc.uint8Array({ minLength: 4, maxLength: 4 }) : fc.constant(null);
}

function frame(
  opcode: number,
  payload: Uint8Array,
  fin: boolean,
  key: Uint8Array | null,
  lengthForm?: FrameSpec['lengthForm'],
): PlannedFrame {
  return {
    spec: { opcode, payload, fin, mask: key ?? false, ...(lengthForm ? { lengthForm } : {}) },
    fin,
    opcode,
    maskKey: key,
    payload,
  };
}

function controlFrame(sender: Direction): fc.Arbitrary<PlannedFrame> {
  return fc
    .record({
      opcode: fc.constantFrom(Opcode.PING, Opcode.PONG),
      payload: fc.uint8Array({ maxLength: 125 }),
      key: keyFor(sender),
    })
    .map(({ opcode, payload, key }) => frame(opcode, payload, true, key));
}

const textPayload = fc
  .tuple(fc.boolean(), fc.string({ unit: 'binary', maxLength: 120 }))
  .map(([bom, text]) => (bom ? `\ufeff${text}` : text));

const binaryPayload = fc.oneof(
  { weight: 10, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  // Now and then long enough for a 16-bit length, or for a 64-bit one and a growing buffer.
  {
    weight: 1,
    arbitrary: fc.integer({ min: 126, max: 70_000 }).map((n) => Uint8Array.from({ length: n }, (_, i) => i)),
  },
);

interface PlannedItem {
  frames: PlannedFrame[];
  message: PlannedMessage | null;
}

function message(sender: Direction): fc.Arbitrary<PlannedItem> {
  const content = fc.oneof(
    textPayload.map((text) => ({ opcode: Opcode.TEXT as 1, data: utf8(text), text })),
    binaryPayload.map((data) => ({ opcode: Opcode.BINARY as 2, data, text: undefined })),
  );
  return content.chain(({ opcode, data, text }) =>
    fc
      .array(fc.nat(data.length), { maxLength: 4 })
      .chain((cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), data.length];
        const pieces = points.slice(1).map((end, i) => data.subarray(points[i]!, end));
        return fc.tuple(
          fc.constant(pieces),
          fc.array(
            fc.record({
              key: keyFor(sender),
              lengthForm: fc.constantFrom<FrameSpec['lengthForm']>(undefined, 16, 64),
              controls: fc.array(controlFrame(sender), { maxLength: 2 }),
            }),
            { minLength: pieces.length, maxLength: pieces.length },
          ),
        );
      })
      .map(([pieces, choices]) => {
        const frames: PlannedFrame[] = [];
        pieces.forEach((piece, i) => {
          const choice = choices[i]!;
          const last = i === pieces.length - 1;
          // RFC 6455 §5.2 asks for the minimal length form, but peers accept a longer one that fits.
          const form = choice.lengthForm === 16 && piece.length > 0xffff ? 64 : choice.lengthForm;
          frames.push(frame(i === 0 ? opcode : Opcode.CONTINUATION, piece, last, choice.key, form));
          // Control frames may come between the fragments of a message (RFC 6455 §5.4).
          if (!last) frames.push(...choice.controls);
        });
        return {
          frames,
          message: { opcode, data, ...(text !== undefined ? { text } : {}), frames: pieces.length },
        };
      }),
  );
}

const closeCode = fc.oneof(
  fc.constantFrom(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014),
  fc.integer({ min: 3000, max: 4999 }),
);

function closeFrame(sender: Direction): fc.Arbitrary<PlannedFrame> {
  const reason = fc.string({ unit: 'binary', maxLength: 30 }).filter((text) => utf8(text).length <= 123);
  return fc
    .record({ body: fc.option(fc.tuple(closeCode, reason), { nil: null }), key: keyFor(sender) })
    .map(({ body, key }) => {
      const payload = body ? encodeClosePayload(body[0], body[1]) : new Uint8Array(0);
      return {
        ...frame(Opcode.CLOSE, payload, true, key),
        close: body ? { code: body[0], reason: body[1] } : { code: null, reason: '' },
      };
    });
}

/** A valid stream of frames from one side, with the frames and messages it must decode to. */
export function validStream(
  sender: Direction,
  options: { maxItems?: number } = {},
): fc.Arbitrary<PlannedStream> {
  const item = fc.oneof(
    { weight: 3, arbitrary: message(sender) },
    { weight: 1, arbitrary: controlFrame(sender).map((f): PlannedItem => ({ frames: [f], message: null })) },
  );
  return fc
    .record({
      items: fc.array(item, { maxLength: options.maxItems ?? 6 }),
      close: fc.option(closeFrame(sender), { nil: null }),
      // Whatever follows a close frame must be ignored (RFC 6455 §5.5.1).
      trailing: fc.uint8Array({ maxLength: 20 }),
    })
    .map(({ items, close, trailing }) => {
      const frames = items.flatMap((i) => i.frames);
      if (close) frames.push(close);
      const parts = frames.map((f) => encodeFrame(f.spec));
      if (close) parts.push(trailing);
      const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
      let offset = 0;
      for (const part of parts) {
        bytes.set(part, offset);
        offset += part.length;
      }
      return {
        sender,
        frames,
        messages: items.flatMap((i) => (i.message ? [i.message] : [])),
        closed: close !== null,
        bytes,
      };
    });
}

/** Cut points for a stream of `length` bytes: a few random ones, or many small steps. */
export function cutPoints(length: number): fc.Arbitrary<number[]> {
  return fc.oneof(
    fc.array(fc.nat(length), { maxLength: 8 }),
    fc.integer({ min: 1, max: 7 }).map((small) => {
      // Byte-sized steps through short streams; about 2 000 chunks through long ones.
      const step = Math.max(small, Math.ceil(length / 2000));
      return Array.from({ length: Math.ceil(length / step) }, (_, i) => i * step);
    }),
  );
}
