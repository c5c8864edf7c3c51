// After a message too big (RFC 6455 §10.4) the receiver stops reading that direction, but what
// crosses the wire stays well framed: the sender goes on with the rest of its message, then
// answers the receiver's close frame with its own (§5.5.1, §7.1.5). This follows the frame
// boundaries from the end of the refused frame and hands back the control frames whole, so the
// closing handshake is seen as it happened and "clean" means what the browser's wasClean means.
// Data frames are passed over: the receiver discarded them.
import type { Direction } from '../wire/direction';
import type { Frame } from '../wire/frame';
import { FrameDecoder } from '../wire/frame-decoder';
import { isControlOpcode } from '../wire/opcodes';

const MAX_HEADER = 14;
// §5.5: a control frame's payload is at most 125 bytes; a longer one is not followed.
const MAX_CONTROL_PAYLOAD = 125;

export class ControlFrameFollower {
  /** Stream offset of the next byte pushed. */
  private position: number;
  /** Bytes still to pass over: the rest of the refused frame, or a data frame's payload. */
  private skip: number;
  private readonly head = new Uint8Array(MAX_HEADER);
  private headFilled = 0;
  private headNeeded = 2;
  private frameOffset = 0;
  /** The control frame being gathered, header and payload. */
  private control: Uint8Array | null = null;
  private controlFilled = 0;

  /**
   * `nextFrameAt`: where the frame after the refused one starts in the direction's stream;
   * `fedUpTo`: how far the stream has been fed so far.
   */
  constructor(
    private readonly sender: Direction,
    nextFrameAt: number,
    fedUpTo: number,
  ) {
    // Ahead of the stream: pass over the refused frame's rest. Behind it: the caller pushes the
    // rest of the chunk that held the end of the refused frame.
    this.position = Math.min(nextFrameAt, fedUpTo);
    this.skip = Math.max(0, nextFrameAt - fedUpTo);
  }

  /** Bytes that follow in the stream; returns the control frames they complete. */
  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        this.position += n;
        continue;
      }
      const control = this.control;
      if (control) {
        const n = Math.min(control.length - this.controlFilled, chunk.length - i);
        control.set(chunk.subarray(i, i + n), this.controlFilled);
        this.controlFilled += n;
        i += n;
        this.position += n;
        if (this.controlFilled === control.length) this.finishControl(frames);
        continue;
      }
      if (this.headFilled === 0) this.frameOffset = this.position;
      while (this.headFilled < this.headNeeded && i < chunk.length) {
        this.head[this.headFilled++] = chunk[i++]!;
        this.position++;
      }
      if (this.headFilled < this.headNeeded) break;
      this.advanceHeader(frames);
    }
    return frames;
  }

  private advanceHeader(frames: Frame[]): void {
    const b1 = this.head[1]!;
    const len7 = b1 & 0x7f;
    const full = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
    if (this.headNeeded < full) {
      this.headNeeded = full;
      return;
    }
    let length = len7;
    if (len7 === 126) length = (this.head[2]! << 8) | this.head[3]!;
    else if (len7 === 127) {
      length = 0;
      for (let k = 2; k < 10; k++) length = length * 256 + this.head[k]!;
    }
    const opcode = this.head[0]! & 0x0f;
    if (isControlOpcode(opcode) && length <= MAX_CONTROL_PAYLOAD) {
      this.control = new Uint8Array(full + length);
      this.control.set(this.head.subarray(0, full));
      this.controlFilled = full;
      if (length === 0) this.finishControl(frames);
    } else this.skip = length;
    this.headFilled = 0;
    this.headNeeded = 2;
  }

  /** Decodes the gathered frame on its own: the same checks, the close code and reason read. */
  private finishControl(frames: Frame[]): void {
    const bytes = this.control!;
    this.control = null;
    this.controlFilled = 0;
    for (const event of new FrameDecoder({ sender: this.sender }).push(bytes)) {
      if (event.type === 'frame') frames.push({ ...event.frame, offset: this.frameOffset });
    }
  }
}
