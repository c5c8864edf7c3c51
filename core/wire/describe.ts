import { decodeUtf8Strict, toHex } from './bytes';
import { describeClose } from './close-codes';
import type { Direction } from './direction';
import type { Frame } from './frame';
import { Opcode, opcodeName } from './opcodes';

const PREVIEW = 40;

// Text only where the bytes shown are UTF-8 on their own: a fragment or a preview cut inside a
// sequence, or a ping carrying bytes, is shown as the bytes it is, never as U+FFFD.
function preview(bytes: Uint8Array, opcode: number): string {
  if (bytes.length === 0) return '';
  const shown = bytes.subarray(0, PREVIEW);
  const more = bytes.length > PREVIEW ? '…' : '';
  const text = opcode === Opcode.BINARY ? null : decodeUtf8Strict(shown);
  return text === null ? ` ${toHex(shown, ' ')}${more}` : ` ${JSON.stringify(text)}${more}`;
}

/**
 * One line for a frame, as the terminal log and the inspector show it:
 * `→ text 5 B "hello"`, `← close 1000 normal`, `→ binary 3 B 01 02 03 (not FIN)`.
 * `messageOpcode`, for a continuation frame, is the opcode of its message's first frame.
 * It never throws: any field may be missing or nonsense.
 */
export function describeFrame(
  frame: Partial<Frame> | null | undefined,
  sender?: Direction,
  messageOpcode?: number,
): string {
  try {
    if (!frame) return '(no frame)';
    const arrow = sender === 'client' ? '→ ' : sender === 'server' ? '← ' : '';
    // Only a 4-bit integer is an opcode (RFC 6455 §5.2); anything else is named `unknown`.
    const opcode =
      Number.isInteger(frame.opcode) && frame.opcode! >= 0 && frame.opcode! <= 0xf ? frame.opcode! : -1;
    const name = opcode >= 0 ? opcodeName(opcode) : 'unknown';
    const length =
      typeof frame.payloadLength === 'number' ? frame.payloadLength : (frame.payload?.length ?? 0);
    const flags: string[] = [];
    if (frame.fin === false) flags.push('not FIN');
    if (frame.rsv1) flags.push('RSV1');
    if (frame.rsv2) flags.push('RSV2');
    if (frame.rsv3) flags.push('RSV3');
    if (frame.violation) {
      const { code, section, closeCode } = frame.violation;
      flags.push(`violates ${section}: ${code}, close ${closeCode}`);
    }
    const suffix = flags.length > 0 ? ` (${flags.join(', ')})` : '';
    if (opcode === Opcode.CLOSE) {
      const close = frame.close;
      return `${arrow}close ${close ? describeClose(close.code, close.reason) : `${length} B`}${suffix}`;
    }
    // A compressed payload (RSV1, RFC 7692) is not text until inflated: show its bytes. A
    // continuation carries its message's type (RFC 6455 §5.4): a binary message's later frames
    // are bytes even when they happen to be valid UTF-8.
    const dataType = opcode === Opcode.CONTINUATION ? messageOpcode : opcode;
    const shownAs = frame.rsv1 ? Opcode.BINARY : (dataType ?? opcode);
    const body = frame.payload instanceof Uint8Array ? preview(frame.payload, shownAs) : '';
    return `${arrow}${name} ${length} B${body}${suffix}`;
  } catch {
    return '(unreadable frame)';
  }
}
