// The tap's JSON decode worker: keeps a JsonTapStream per JSON subscriber and answers each turn
// with its JSON, so decoding and serialising happen off the sockets' thread.
import { parentPort } from 'node:worker_threads';
import { JsonTapStream } from '../../core/tap/json-tap-stream';
import { createInflater } from '../../core/wire/inflate';
import type { DecodeAnswer, DecodeReady, DecodeRequest } from './json-decode-protocol';

const streams = new Map<number, JsonTapStream>();
const utf8 = new TextEncoder();
const port = parentPort!;

port.on('message', (request: DecodeRequest) => {
  if (request.type === 'ping') {
    port.postMessage({ type: 'ready' } satisfies DecodeReady);
    return;
  }
  if (request.type === 'forget') {
    streams.delete(request.subscriber);
    return;
  }
  const { subscriber, parts, liveAt, journalBytes } = request;
  let stream = streams.get(subscriber);
  if (stream === undefined) {
    stream = new JsonTapStream(createInflater);
    streams.set(subscriber, stream);
  }
  let answer: DecodeAnswer;
  try {
    for (const part of parts) stream.records(part.bytes, part.history);
    if (liveAt !== null) stream.endHistory(liveAt);
    const json = stream.take();
    answer = { type: 'answer', subscriber, json: json === null ? null : utf8.encode(json), journalBytes };
  } catch (error) {
    // A decoder bug must cost one subscriber, not every subscriber this worker serves.
    streams.delete(subscriber);
    answer = { type: 'answer', subscriber, json: null, journalBytes, error: String(error) };
  }
  // The JSON goes as bytes, moved rather than copied: the sockets' thread sends them as they are,
  // without a string of its own to make or encode.
  port.postMessage(answer, answer.json ? [answer.json.buffer as ArrayBuffer] : []);
});
