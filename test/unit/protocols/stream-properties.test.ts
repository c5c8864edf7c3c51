// Properties of the STOMP, MQTT, SignalR and WAMP decoders over generated input: whatever a peer
// sends, each message gets a decode and none throws (the contract in core/protocols/protocol.ts);
// and where a protocol lets its units span messages, cutting the recorded byte stream at any
// points yields the same units as the recording's own messages.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mqtt } from '../../../core/protocols/mqtt';
import type { DecodedMessage, ProtocolDefinition, ProtocolMessage } from '../../../core/protocols/protocol';
import { signalR } from '../../../core/protocols/signalr';
import { stomp } from '../../../core/protocols/stomp';
import { wamp } from '../../../core/protocols/wamp';
import { concatBytes, utf8 } from '../../../core/wire/bytes';
import type { Direction } from '../../../core/wire/direction';
import { loadTraffic, messagesOf } from './recorded-traffic';

const message: fc.Arbitrary<ProtocolMessage> = fc.record({
  dir: fc.constantFrom<Direction>('client', 'server'),
  data: fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.uint8Array({ maxLength: 80 }),
    // Near-misses: the protocols' own markers with noise around them.
    fc.constantFrom(
      'CONNECT\n\n\0',
      'MESSAGE\nsubscription:x\n\n\0',
      '{"type":3}\u001e',
      '[36,1,2,{}]',
      '\n',
    ),
  ),
});

const definitions: ProtocolDefinition[] = [stomp, mqtt, signalR, wamp];

describe('the STOMP, MQTT, SignalR and WAMP decoders on arbitrary input', () => {
  for (const definition of definitions) {
    it(`${definition.id}: every message gets a label without control characters and a JSON tree, and nothing throws`, () => {
      fc.assert(
        fc.property(fc.array(message, { maxLength: 12 }), (messages) => {
          const decoder = definition.create();
          for (const m of messages) {
            const decoded = decoder.decode(m);
            expect(decoded.protocol).toBe(definition.id);
            expect(decoded.label).not.toMatch(/\p{Cc}/u);
            expect(() => JSON.stringify(decoded.tree)).not.toThrow();
          }
        }),
        { numRuns: 200 },
      );
    });
  }
});

/** One direction's recorded bytes, whole, and the labels its own messages decode to. */
function recorded(definition: ProtocolDefinition, messages: ProtocolMessage[], dir: Direction) {
  const decoder = definition.create();
  // The client's side first, then the server's: a direction's labels depend on what that side
  // sent and on the version the client's first packet names, not on interleaving.
  const ordered = [
    ...messages.filter((m) => m.dir === 'client'),
    ...messages.filter((m) => m.dir === 'server'),
  ];
  const labels: string[] = [];
  for (const m of ordered) {
    const decoded = decoder.decode(m);
    if (m.dir === dir) labels.push(...unitLabels(decoded));
  }
  const bytes = concatBytes(
    ordered.filter((m) => m.dir === dir).map((m) => (typeof m.data === 'string' ? utf8(m.data) : m.data)),
  );
  // What the decoder has seen before this direction's bytes: the client's messages, for the server's.
  const prelude = dir === 'server' ? ordered.filter((m) => m.dir === 'client') : [];
  return { labels, bytes, prelude };
}

function unitLabels(decoded: DecodedMessage): string[] {
  if (decoded.kind === 'partial' || decoded.kind === 'heart-beat') return [];
  return decoded.label.split(' + ');
}

const cuts = (length: number) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 12 })
    .map((points) => points.sort((a, b) => a - b));

describe('units that span WebSocket messages', () => {
  const cases: [ProtocolDefinition, ProtocolMessage[]][] = [
    [mqtt, messagesOf(loadTraffic('mqtt').connections[0]!)],
    [mqtt, messagesOf(loadTraffic('mqtt').connections[1]!)],
    [stomp, messagesOf(loadTraffic('stomp').connections[0]!)],
  ];
  for (const [definition, messages] of cases) {
    for (const dir of ['client', 'server'] as const) {
      const { labels, bytes, prelude } = recorded(definition, messages, dir);
      it(`${definition.id}: the ${dir}'s ${bytes.length} bytes cut anywhere give the same ${labels.length} units`, () => {
        fc.assert(
          fc.property(cuts(bytes.length), (points) => {
            const decoder = definition.create();
            for (const m of prelude) decoder.decode(m);
            const seen: string[] = [];
            let start = 0;
            for (const end of [...points, bytes.length]) {
              const piece = bytes.subarray(start, end);
              start = end;
              if (piece.length === 0) continue;
              seen.push(...unitLabels(decoder.decode({ dir, data: piece.slice() })));
            }
            expect(seen).toEqual(labels);
          }),
          { numRuns: 100 },
        );
      });
    }
  }
});
