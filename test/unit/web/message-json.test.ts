import { describe, expect, it } from 'vitest';
import type { TapFrameEvent, TapMessageEvent } from '../../../core/tap/events';
import { toBase64, utf8 } from '../../../core/wire/bytes';
import {
  containerSummary,
  formatCount,
  messageJsonOf,
  shortString,
} from '../../../web/inspector/message-json';

type Frame = Pick<TapFrameEvent, 'opcode' | 'fin' | 'rsv1' | 'payload'>;

const text = (payload: string, more: Partial<Frame> = {}): Frame => ({
  opcode: 1,
  fin: true,
  rsv1: false,
  payload: { text: payload, truncated: false },
  ...more,
});
const binary = (bytes: Uint8Array, more: Partial<Frame> = {}): Frame => ({
  opcode: 2,
  fin: true,
  rsv1: false,
  payload: { base64: toBase64(bytes), truncated: false },
  ...more,
});
const whole = (
  payload: Partial<TapMessageEvent>,
): Pick<TapMessageEvent, 'text' | 'base64' | 'truncated'> => ({
  truncated: false,
  ...payload,
});

describe('the JSON a message holds', () => {
  it('parses a text frame that holds an object or an array', () => {
    expect(messageJsonOf(text('{"setup":{"model":"models/x"}}'))).toEqual({
      state: 'json',
      value: { setup: { model: 'models/x' } },
      source: 'frame',
      binary: false,
    });
    expect(messageJsonOf(text(' \n[1, 2]'))).toMatchObject({ state: 'json', value: [1, 2] });
  });

  it('leaves text that is not an object or array alone, JSON or not', () => {
    for (const payload of ['hello', '42', '"quoted"', 'null', '', "Server received: '{}'"])
      expect(messageJsonOf(text(payload))).toBeNull();
  });

  it('says why text that starts like JSON does not parse', () => {
    expect(messageJsonOf(text('{"a":'))).toMatchObject({ state: 'invalid', binary: false });
    expect(messageJsonOf(text('{oops}'))).toMatchObject({ state: 'invalid', error: expect.any(String) });
  });

  it('prefers the whole message, which holds every fragment and is inflated', () => {
    const first = text('{"a":[1,', { fin: false });
    expect(messageJsonOf(first)).toEqual({ state: 'incomplete', reason: 'fragment', binary: false });
    expect(messageJsonOf(first, whole({ text: '{"a":[1,2]}' }))).toEqual({
      state: 'json',
      value: { a: [1, 2] },
      source: 'message',
      binary: false,
    });
    const compressed = binary(new Uint8Array([0xaa, 0xbb]), { rsv1: true });
    expect(messageJsonOf(compressed)).toBeNull();
    expect(messageJsonOf({ ...compressed, opcode: 1 }, whole({ text: '{"z":true}' }))).toMatchObject({
      state: 'json',
      value: { z: true },
    });
  });

  it('says a message cut short by the tap is incomplete instead of failing to parse it', () => {
    expect(
      messageJsonOf(text('{"data":"AAAA', { payload: { text: '{"data":"AAAA', truncated: true } })),
    ).toEqual({
      state: 'incomplete',
      reason: 'truncated',
      binary: false,
    });
    expect(messageJsonOf(text('{"a":1}'), whole({ text: '{"data":"AA', truncated: true }))).toEqual({
      state: 'incomplete',
      reason: 'truncated',
      binary: false,
    });
  });

  it('reads JSON sent in a binary frame as UTF-8, as the Live API sends it', () => {
    expect(messageJsonOf(binary(utf8('{"setupComplete":{},"note":"héllo"}')))).toEqual({
      state: 'json',
      value: { setupComplete: {}, note: 'héllo' },
      source: 'frame',
      binary: true,
    });
    expect(messageJsonOf(binary(utf8('{')))).toMatchObject({ state: 'invalid', binary: true });
    expect(
      messageJsonOf(binary(new Uint8Array([0x01])), whole({ base64: toBase64(utf8('{"b":2}')) })),
    ).toMatchObject({ state: 'json', value: { b: 2 }, source: 'message', binary: true });
    const cut = binary(utf8('{"data":"AAAA'), {});
    expect(messageJsonOf({ ...cut, payload: { ...cut.payload, truncated: true } })).toEqual({
      state: 'incomplete',
      reason: 'truncated',
      binary: true,
    });
  });

  it('leaves binary alone unless it is UTF-8 starting with {', () => {
    expect(messageJsonOf(binary(utf8('[1,2]')))).toBeNull();
    expect(messageJsonOf(binary(new Uint8Array([0x7a, 0x7b])))).toBeNull();
    expect(messageJsonOf(binary(new Uint8Array([0x7b, 0xff, 0x7d])))).toBeNull();
    expect(messageJsonOf(binary(new Uint8Array(0)))).toBeNull();
  });

  it('looks only at the first frame of a data message', () => {
    for (const opcode of [0, 8, 9, 10]) expect(messageJsonOf(text('{"a":1}', { opcode }))).toBeNull();
  });
});

describe('how the tree writes values', () => {
  it('groups digits by threes', () => {
    expect([0, 999, 1708, 1234567].map(formatCount)).toEqual([
      '0',
      '999',
      '1\u00a0708',
      '1\u00a0234\u00a0567',
    ]);
  });

  it('sums up objects and arrays by what they hold', () => {
    expect(containerSummary({ a: 1, b: 2, c: 3 })).toBe('{3 keys}');
    expect(containerSummary({ a: 1 })).toBe('{1 key}');
    expect(containerSummary({})).toBe('{0 keys}');
    expect(containerSummary(new Array(18).fill(0))).toBe('[18 items]');
    expect(containerSummary([7])).toBe('[1 item]');
    expect(containerSummary(new Array(1708).fill(0))).toBe('[1\u00a0708 items]');
  });

  it('shows short strings whole and long ones by their start and length', () => {
    expect(shortString('models/local')).toEqual({ shown: '"models/local"', rest: null });
    expect(shortString('say "hi"\n')).toEqual({ shown: '"say \\"hi\\"\\n"', rest: null });
    const audio = 'A'.repeat(1708);
    expect(shortString(audio)).toEqual({ shown: `"${'A'.repeat(60)}`, rest: '… 1\u00a0708 chars' });
    expect(shortString('x'.repeat(80)).rest).toBeNull();
    expect(shortString('x'.repeat(81)).rest).toBe('… 81 chars');
  });
});
