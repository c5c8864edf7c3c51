import { describe, expect, it } from 'vitest';
import type { TapEvent, TapMessageEvent } from '../../../core/tap/events';
import { toBase64 } from '../../../core/wire/bytes';
import { compileFilter, NO_FILTER } from '../../../web/inspector/frame-store';
import { InspectorModel } from '../../../web/inspector/inspector-model';
import { linkedFrames } from '../../../web/inspector/protocol-view';
import { loadTraffic, messagesOf, type RecordedConnection } from '../protocols/recorded-traffic';
import { testFrame, testHandshake, testOpen } from './tap-events';

const connection = loadTraffic('socket.io').connections[0]!;

/** A recorded connection as the tap reports it: its handshake, then each message as a frame and the message. */
function recordedEvents(recorded: RecordedConnection = connection): TapEvent[] {
  const handshake = testHandshake('c1');
  handshake.request.path = `/proxy${recorded.path}`;
  if (recorded.subprotocol) handshake.response.headers.push(['Sec-WebSocket-Protocol', recorded.subprotocol]);
  const events: TapEvent[] = [testOpen('c1', 'proxy', '/proxy/socket.io/'), handshake];
  messagesOf(recorded).forEach(({ dir, data }, seq) => {
    const payload =
      typeof data === 'string'
        ? { text: data, truncated: false }
        : { base64: toBase64(data), truncated: false };
    const size = data.length;
    events.push(
      testFrame({ conn: 'c1', t: 2 + seq, seq, dir, opcode: typeof data === 'string' ? 1 : 2, payload }),
    );
    const message: TapMessageEvent = {
      type: 'message',
      conn: 'c1',
      t: 2 + seq,
      dir,
      opcodeName: typeof data === 'string' ? 'text' : 'binary',
      size,
      frames: 1,
      compressed: false,
      ...payload,
    };
    events.push(message);
  });
  return events;
}

function modelWith(filterText = ''): InspectorModel {
  const model = new InspectorModel('http://127.0.0.1:8765', false, 1000);
  model.store.setMatcher(compileFilter({ ...NO_FILTER, text: filterText }).match);
  model.ingest({ events: recordedEvents(), replayed: false, instance: 'i1' });
  return model;
}

const labels = (model: InspectorModel) =>
  Array.from({ length: model.store.visibleCount }, (_, i) => model.store.visibleAt(i)?.protocol?.label);

describe('the inspector decodes a Socket.IO lane', () => {
  it('gives each frame of the lane its decoded label', () => {
    const shown = labels(modelWith());
    expect(shown).toHaveLength(connection.messages.length);
    expect(shown.slice(0, 4)).toEqual([
      'open · ping every 250 ms',
      'connect',
      'connect',
      'event chat message',
    ]);
    expect(shown).toContain('attachment 1 of 1 of upload');
  });

  it('keeps only the frames of one event with event:NAME, the ack included', () => {
    expect(labels(modelWith('event:add'))).toEqual(['event add #0', 'ack #0 add']);
    expect(labels(modelWith('EVENT: upload'))).toEqual([
      'binary event upload #1 + 1 attachment',
      'attachment 1 of 1 of upload',
      'ack #1 upload',
    ]);
  });

  it('finds a frame by its decoded label with the plain text filter', () => {
    expect(labels(modelWith('connect_error'))).toEqual(['/admin connect_error · not authorized']);
  });

  it('links an emit to its ack and a binary event to its attachment, within the lane', () => {
    const model = modelWith();
    const all = Array.from({ length: model.store.visibleCount }, (_, i) => model.store.visibleAt(i)!);
    const emit = all.find((r) => r.protocol?.label === 'event add #0')!;
    expect(linkedFrames(model.store, emit).map((r) => r.protocol?.label)).toEqual(['ack #0 add']);
    const welcome = all.find((r) => r.protocol?.label === '/chat binary event welcome + 1 attachment')!;
    expect(linkedFrames(model.store, welcome).map((r) => r.protocol?.label)).toEqual([
      'attachment 1 of 1 of welcome',
    ]);
  });
});

describe('the inspector decodes a graphql-ws lane', () => {
  it('chooses the decoder by the subprotocol the server answered with, and names each operation', () => {
    const recorded = loadTraffic('graphql-ws').connections[0]!;
    const model = new InspectorModel('http://127.0.0.1:8765', false, 1000);
    model.store.setMatcher(compileFilter({ ...NO_FILTER, text: 'event:countdown' }).match);
    model.ingest({ events: recordedEvents(recorded), replayed: false, instance: 'i1' });
    expect(labels(model).map((label) => label?.replace(/ · .*$/, ''))).toEqual([
      'subscribe subscription Countdown',
      'next Countdown',
      'next Countdown',
      'next Countdown',
      'complete Countdown',
    ]);
  });
});
