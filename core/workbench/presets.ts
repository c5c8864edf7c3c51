// Ready-made scripts for the rules RFC 6455 most often sees broken, each with the answer a
// conforming server gives. Lesson steps and tests start from these; the learner edits any field.
import { defaultDraft, type FrameDraft } from './frame-draft';

export interface WorkbenchPreset {
  id: string;
  title: string;
  /** What the script does and what the RFC says of it, in one sentence. */
  about: string;
  drafts: FrameDraft[];
  /** The close code a conforming server answers with (RFC 6455 §7.4.1), or null: no close, it echoes. */
  expectClose: number | null;
}

// A fixed key keeps the presets' bytes the same from run to run, so a learner can compare them.
const KEY = '37fa213d';
const text = (value: string) => ({ kind: 'text' as const, text: value });
const hex = (value: string) => ({ kind: 'hex' as const, hex: value });
const draft = (overrides: Partial<FrameDraft>): FrameDraft => defaultDraft({ maskKey: KEY, ...overrides });

export const WORKBENCH_PRESETS: readonly WorkbenchPreset[] = [
  {
    id: 'ping-inside-fragments',
    title: 'Text fragment, ping in the middle, continuation',
    about:
      'Control frames may come between the fragments of a message (RFC 6455 §5.4): the server answers the ping with a pong, then echoes "Hello".',
    drafts: [
      draft({ fin: false, payload: text('Hel') }),
      draft({ opcode: 0x9, payload: text('mid') }),
      draft({ opcode: 0x0, payload: text('lo') }),
    ],
    expectClose: null,
  },
  {
    id: 'unmasked',
    title: 'Unmasked client frame',
    about:
      'A client MUST mask every frame it sends, and a server MUST close when one is not (RFC 6455 §5.1).',
    drafts: [draft({ mask: false, payload: text('Hello') })],
    expectClose: 1002,
  },
  {
    id: 'rsv1',
    title: 'RSV1 without an extension',
    about:
      'RSV1-3 MUST be 0 unless an extension that gives them a meaning was negotiated (RFC 6455 §5.2); none was.',
    drafts: [draft({ rsv1: true, payload: text('Hello') })],
    expectClose: 1002,
  },
  {
    id: 'reserved-opcode',
    title: 'Reserved opcode 0x3',
    about:
      'Opcodes 0x3-0x7 are reserved for future data frames; a receiver MUST fail the connection (RFC 6455 §5.2).',
    drafts: [draft({ opcode: 0x3, payload: text('Hello') })],
    expectClose: 1002,
  },
  {
    id: 'long-ping',
    title: '126-byte ping',
    about:
      'Control frames carry at most 125 bytes of payload (RFC 6455 §5.5); this ping needs the 16-bit length.',
    drafts: [draft({ opcode: 0x9, payload: hex('2a'.repeat(126)) })],
    expectClose: 1002,
  },
  {
    id: 'fragmented-close',
    title: 'Fragmented close',
    about:
      'Control frames MUST NOT be fragmented (RFC 6455 §5.5): a close with FIN clear is a protocol error.',
    drafts: [
      draft({ opcode: 0x8, fin: false, payload: hex('03e8') }),
      draft({ opcode: 0x0, payload: hex('') }),
    ],
    expectClose: 1002,
  },
  {
    id: 'utf8-split',
    title: 'Invalid UTF-8 split across two fragments',
    about:
      'F4 starts a 4-byte sequence; F4 90 80 80 would be past U+10FFFF. Each fragment alone could be a prefix; the message is not UTF-8, so 1007 (RFC 6455 §8.1).',
    drafts: [
      draft({ fin: false, payload: hex('cebae1bdb9cf83ceb5f4') }),
      draft({ opcode: 0x0, payload: hex('908080') }),
    ],
    expectClose: 1007,
  },
  {
    id: 'close-1005',
    title: 'Close with 1005 on the wire',
    about:
      '1005 means "no status code was present" and MUST NOT be sent in a close frame (RFC 6455 §7.4.1); a server answers 1002.',
    drafts: [draft({ opcode: 0x8, payload: hex('03ed') })],
    expectClose: 1002,
  },
  {
    id: 'non-minimal-length',
    title: '5 bytes with a 64-bit length',
    about:
      'The minimal length form MUST be used (RFC 6455 §5.2), yet most servers, ws among them, read this frame and echo it.',
    drafts: [draft({ lengthForm: 64, payload: text('Hello') })],
    expectClose: null,
  },
  {
    id: 'one-byte-writes',
    title: 'A frame written one byte at a time',
    about:
      'Frames live on a byte stream, not in packets (RFC 6455 §5.2): a server must put this one together from 1-byte writes.',
    drafts: [draft({ payload: text('Hello'), chop: { kind: 'every', size: 1 } })],
    expectClose: null,
  },
];

export function presetById(id: string): WorkbenchPreset | undefined {
  return WORKBENCH_PRESETS.find((preset) => preset.id === id);
}
