// The WAMP fixture is the specification's own examples (draft-oberstet-hybi-tavendo-wamp-02,
// §7.1.3, §7.2, §7.3, §8.1.1–§8.2.4, §9.1.1–§9.2.6), one session in order; each message's note
// names its section.
import { describe, expect, it } from 'vitest';
import { ConnectionProtocol } from '../../../core/protocols/detect';
import type { DecodedMessage, ProtocolMessage } from '../../../core/protocols/protocol';
import { wamp } from '../../../core/protocols/wamp';
import { contextOf, loadTraffic, messagesOf } from './recorded-traffic';

const traffic = loadTraffic('wamp');
const session = traffic.connections[0]!;
const messages = messagesOf(session);

function decodeAll(list: ProtocolMessage[]): DecodedMessage[] {
  const decoder = wamp.create();
  return list.map((m) => decoder.decode(m));
}

const codes = (d: DecodedMessage) => d.warnings.map((w) => w.code);
const text = (dir: ProtocolMessage['dir'], value: unknown): ProtocolMessage => ({
  dir,
  data: JSON.stringify(value),
});

describe('WAMP decoder on the WAMP specification examples', () => {
  const protocol = new ConnectionProtocol(contextOf(session));
  const decoded = messages.map((m) => protocol.decode(m)!);

  it('is chosen by the negotiated wamp.2.json subprotocol', () => {
    expect(protocol.protocol?.id).toBe('wamp');
  });

  it('names every message type code, with the topic or procedure it is about', () => {
    expect(decoded.map((d) => d.label)).toEqual([
      'HELLO somerealm',
      'WELCOME session 9129137332',
      'SUBSCRIBE com.myapp.mytopic1',
      'SUBSCRIBED com.myapp.mytopic1',
      'PUBLISH com.myapp.mytopic1',
      'PUBLISHED com.myapp.mytopic1',
      'EVENT com.myapp.mytopic1',
      'CALL com.myapp.add2',
      'RESULT com.myapp.add2',
      'REGISTER com.myapp.myprocedure1',
      'REGISTERED com.myapp.myprocedure1',
      'INVOCATION com.myapp.myprocedure1',
      'YIELD com.myapp.myprocedure1',
      'UNSUBSCRIBE com.myapp.mytopic1',
      'UNSUBSCRIBED com.myapp.mytopic1',
      'CALL com.myapp.ping',
      'ERROR CALL com.myapp.ping · wamp.error.no_such_procedure',
      'GOODBYE wamp.error.close_realm',
      'GOODBYE wamp.error.goodbye_and_out',
    ]);
    expect(decoded.flatMap(codes)).toEqual([]);
  });

  it("shows each field under the specification's name for it", () => {
    expect(decoded[4]!.tree).toEqual({
      type: '16 PUBLISH',
      Request: 239714735,
      Options: {},
      Topic: 'com.myapp.mytopic1',
      Arguments: [],
      ArgumentsKw: { color: 'orange', sizes: [23, 42, 7] },
    });
    expect(decoded[6]!.tree).toEqual({
      type: '36 EVENT',
      'SUBSCRIBED.Subscription': 5512315355,
      'PUBLISHED.Publication': 4429313566,
      Details: {},
      'PUBLISH.Arguments': ['Hello, world!'],
    });
  });

  it('links a SUBSCRIBE to its SUBSCRIBED, its EVENTs and its UNSUBSCRIBE', () => {
    const key = decoded[2]!.links[0]!;
    expect(decoded.filter((d) => d.links.includes(key)).map((d) => d.kind)).toEqual([
      'SUBSCRIBE',
      'SUBSCRIBED',
      'EVENT',
      'UNSUBSCRIBE',
    ]);
  });

  it('links a CALL to its RESULT or ERROR by request id, and an INVOCATION to its YIELD', () => {
    const linked = (i: number) =>
      decoded.flatMap((d, j) => (d.links.includes(decoded[i]!.links.at(-1)!) ? [j] : []));
    expect(linked(7)).toEqual([7, 8]);
    expect(linked(15)).toEqual([15, 16]);
    expect(linked(11)).toEqual([11, 12]);
    expect(decoded[11]!.links[0]).toBe(decoded[9]!.links[0]);
  });

  it('shows an ABORT of the session (§7.1.3)', () => {
    const [, abort] = decodeAll(messagesOf(traffic.connections[1]!));
    expect(abort!.label).toBe('ABORT wamp.error.no_such_realm');
    expect(abort!.warnings).toEqual([]);
  });
});

describe('WAMP order warnings', () => {
  it('warns of a message before HELLO and one before WELCOME', () => {
    const decoded = decodeAll([messages[2]!, messages[0]!, messages[7]!]);
    expect(codes(decoded[0]!)).toEqual(['BEFORE_HELLO']);
    expect(codes(decoded[2]!)).toEqual(['BEFORE_WELCOME']);
  });

  it('warns of an EVENT before the SUBSCRIBED that names its subscription (§11.1)', () => {
    const decoded = decodeAll([...messages.slice(0, 3), messages[6]!]);
    expect(codes(decoded[3]!)).toEqual(['UNKNOWN_SUBSCRIPTION']);
  });

  it('warns of an EVENT after the subscription ended with UNSUBSCRIBED', () => {
    const decoded = decodeAll([...messages.slice(0, 4), messages[13]!, messages[14]!, messages[6]!]);
    expect(codes(decoded[6]!)).toEqual(['UNKNOWN_SUBSCRIPTION']);
  });

  it('warns of a RESULT no CALL asked for, and a second HELLO', () => {
    const decoded = decodeAll([...messages.slice(0, 2), messages[8]!, messages[0]!]);
    expect(codes(decoded[2]!)).toEqual(['UNKNOWN_REQUEST']);
    expect(codes(decoded[3]!)).toEqual(['HELLO_REPEATED']);
  });

  it('keeps a call open through progressive results (§13.3.1)', () => {
    const call = text('client', [
      48,
      77133,
      { receive_progress: true },
      'com.myapp.compute_revenue',
      [2010, 2011, 2012],
    ]);
    const decoded = decodeAll([
      ...messages.slice(0, 2),
      call,
      text('server', [50, 77133, { progress: true }, ['Y2010', 120]]),
      text('server', [50, 77133, {}, ['Total', 490]]),
      text('server', [50, 77133, {}, []]),
    ]);
    expect(decoded[3]!.label).toBe('RESULT com.myapp.compute_revenue · progress');
    expect(codes(decoded[4]!)).toEqual([]);
    expect(codes(decoded[5]!)).toEqual(['UNKNOWN_REQUEST']);
  });

  it('refuses what is not a WAMP message, and an unknown type code', () => {
    const decoded = decodeAll([messages[0]!, { dir: 'server', data: '{"a":1}' }, text('server', [99, 1])]);
    expect(codes(decoded[1]!)).toEqual(['UNREADABLE']);
    expect(codes(decoded[2]!)).toEqual(['UNKNOWN_CODE']);
  });

  it('recognises a HELLO when no subprotocol was negotiated', () => {
    const protocol = new ConnectionProtocol({ subprotocol: null, path: '/' }, [wamp]);
    expect(protocol.decode(messages[0]!)?.kind).toBe('HELLO');
  });
});
