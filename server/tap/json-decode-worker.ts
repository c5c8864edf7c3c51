// The tap's JSON decode worker: keeps a JsonTapStream per JSON subscriber and answers each turn
// with its JSON, so decoding and serialising happen off the sockets' thread.
import { parentPort } from 'node:worker_threads';
import { JsonTapStream } from '../../core/tap/json-tap-stream';
import { createInflater } from '../../core/wire/inflate';
import type { DecodeAnswer, DecodeReady, DecodeRequest, DecodeTurn } from './json-decode-protocol';

const streams = new Map<number, JsonTapStream>();
// Each subscriber's output ring: its JSON is written there when it fits the turn's window.
const rings = new Map<number, SharedArrayBuffer>();
const utf8 = new TextEncoder();
const port = parentPort!;

/** The turn's JSON as UTF-8: written into the subscriber's ring when it fits the window given. */
function encode(
  json: string | null,
  ring: SharedArrayBuffer | undefined,
  window: DecodeTurn['window'],
): { inRing: number; json: Uint8Array | null } {
  if (json === null) return { inRing: 0, json: null };
  if (ring !== undefined && window !== null) {
    const { read, written } = utf8.encodeInto(json, new Uint8Array(ring, window.start, window.length));
    if (read === json.length) return { inRing: written, json: null };
  }
  return { inRing: 0, json: utf8.encode(json) };
}

port.on('message', (request: DecodeRequest) => {
  if (request.type === 'ping') {
    port.postMessage({ type: 'ready' } satisfies DecodeReady);
    return;
  }
  if (request.type === 'forget') {
    streams.delete(request.subscriber);
    rings.delete(request.subscriber);
    return;
  }
  const { subscriber, parts, liveAt, decodedBytes, window, block } = request;
  if (block) rings.set(subscriber, block);
  let stream = streams.get(subscriber);
  if (stream === undefined) {
    stream = new JsonTapStream(createInflater);
    streams.set(subscriber, stream);
  }
  let answer: DecodeAnswer;
  try {
    for (const part of parts) {
      if ('bytes' in part) stream.records(part.bytes, part.history);
      else stream.skipped(part.skipped);
    }
    if (liveAt !== null) stream.endHistory(liveAt);
    answer = {
      type: 'answer',
      subscriber,
      decodedBytes,
      ...encode(stream.take(), rings.get(subscriber), window),
    };
  } catch (error) {
    // A decoder bug must cost one subscriber, not every subscriber this worker serves.
    streams.delete(subscriber);
    answer = { type: 'answer', subscriber, inRing: 0, json: null, decodedBytes, error: String(error) };
  }
  // JSON that did not fit the ring goes as bytes, moved rather than copied: either way the
  // sockets' thread sends bytes as they are, without a string of its own to make or encode.
  port.postMessage(answer, answer.json ? [answer.json.buffer as ArrayBuffer] : []);
});
