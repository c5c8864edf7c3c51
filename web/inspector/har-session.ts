// A HAR file opened in the page: read by the same parser the server's tests use, turned into tap
// events, and shown by an inspector of its own, so a recording has the same lanes, rows and
// anatomy as a live session. Nothing here talks to the server.
import { type HarImport, importHar } from '../../core/har/har-import';
import type { ConnectionEvent, TapEvent, TapFrameEvent, TapMessageEvent } from '../../core/tap/events';
import { toHex } from '../../core/wire/bytes';
import { encodeFrame } from '../../core/wire/frame-encoder';
import { Opcode } from '../../core/wire/opcodes';
import { payloadBytes } from '../lib/bytes';
import type { TapBatch } from '../tap/tap-client';

export type Recording = Extract<HarImport, { ok: true }> & { name: string };

export type RecordingResult = { ok: true; recording: Recording } | { ok: false; error: string };

/** Reads a dropped or picked file; never throws: a file it cannot read gets an error to show. */
export async function readRecording(file: File): Promise<RecordingResult> {
  let text: string;
  try {
    text = await file.text();
  } catch (error) {
    return { ok: false, error: `${file.name} could not be read: ${(error as Error).message}` };
  }
  let result: HarImport;
  try {
    result = importHar(text);
  } catch (error) {
    // importHar reports bad files itself; anything else is a bug, still not worth a broken page.
    return { ok: false, error: `${file.name} could not be opened: ${(error as Error).message}` };
  }
  if (!result.ok) return { ok: false, error: `${file.name}: ${result.error}` };
  return { ok: true, recording: { ...result, name: file.name } };
}

/** One unfragmented frame standing for a message of a HAR without frame-level events. */
function frameFromMessage(message: TapMessageEvent, seq: number): TapFrameEvent {
  const opcode = message.opcodeName === 'text' ? Opcode.TEXT : Opcode.BINARY;
  const payload = payloadBytes(message);
  // Chrome's HAR keeps messages, not frames: the header is the one an unmasked frame carrying the
  // whole message would have (RFC 6455 §5.2), taken from the bytes the encoder builds.
  const wire = encodeFrame({ opcode, payload, mask: false });
  return {
    type: 'frame',
    conn: message.conn,
    t: message.t,
    dir: message.dir,
    seq,
    offset: 0,
    fin: true,
    rsv1: false,
    rsv2: false,
    rsv3: false,
    opcode,
    opcodeName: message.opcodeName,
    // The browser did not record the mask; the masking key was random anyway (RFC 6455 §5.3).
    masked: false,
    maskKey: null,
    payloadLength: payload.length,
    headerHex: toHex(wire.subarray(0, wire.length - payload.length)),
    payload: {
      ...(message.text !== undefined ? { text: message.text } : { base64: message.base64 ?? '' }),
      truncated: false,
    },
  };
}

/** Every connection's events as one batch, in time order, as the tap would have sent them. */
export function recordingBatch(recording: Recording): TapBatch {
  const events: ConnectionEvent[] = [];
  for (const connection of recording.connections) {
    const hasFrames = connection.events.some((event) => event.type === 'frame');
    const seq = { client: 0, server: 0 };
    for (const event of connection.events) {
      if (!hasFrames && event.type === 'message') events.push(frameFromMessage(event, seq[event.dir]++));
      events.push(event);
    }
  }
  // A stable sort keeps each connection's own order where times are equal.
  events.sort((a, b) => a.t - b.t);
  return { events: events as TapEvent[], replayed: true, instance: 'recording' };
}

/** What the banner says about a recording beyond its name. */
export function describeRecording(recording: Recording): string {
  const count = recording.connections.length;
  const frames = recording.connections.reduce(
    (sum, c) => sum + c.events.filter((event) => event.type === 'frame').length,
    0,
  );
  const parts = [`${count} connection${count === 1 ? '' : 's'}`];
  if (recording.epoch > 0) parts.push(`recorded ${new Date(recording.epoch).toLocaleString()}`);
  parts.push(
    recording.source === 'wslab'
      ? `${frames} frames, as wslab recorded them`
      : 'whole messages only (a browser HAR keeps no frames, masks or compression)',
  );
  return parts.join(', ');
}
