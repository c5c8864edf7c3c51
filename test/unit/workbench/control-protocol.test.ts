import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/wire/bytes';
import {
  CHECK_MAX_PATTERNS,
  parseWorkbenchReply,
  parseWorkbenchRequest,
  WORKBENCH_MAX_SEND_BYTES,
} from '../../../core/workbench/control-protocol';

const parse = (value: unknown) => parseWorkbenchRequest(JSON.stringify(value));

describe('the workbench control messages', () => {
  it('reads open with and without a target, and close', () => {
    expect(parse({ type: 'open' })).toEqual({ ok: true, value: { type: 'open' } });
    expect(parse({ type: 'open', target: 'ws://127.0.0.1:9/x' })).toEqual({
      ok: true,
      value: { type: 'open', target: 'ws://127.0.0.1:9/x' },
    });
    expect(parse({ type: 'close' })).toEqual({ ok: true, value: { type: 'close' } });
  });

  it('reads send with hex or base64 bytes, its write sizes and pause', () => {
    const hex = parse({ type: 'send', hex: '81 02 48 69', writes: [1, 3], pauseMs: 5 });
    expect(
      hex.ok && hex.value.type === 'send' && [toHex(hex.value.bytes), hex.value.writes, hex.value.pauseMs],
    ).toEqual(['81024869', [1, 3], 5]);
    const b64 = parse({ type: 'send', base64: 'gQJIaQ==' });
    expect(b64.ok && b64.value.type === 'send' && [toHex(b64.value.bytes), b64.value.writes]).toEqual([
      '81024869',
      [4],
    ]);
  });

  it('refuses what is not a message, with a reason', () => {
    expect(parseWorkbenchRequest('{')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(parse([1])).toMatchObject({ ok: false });
    expect(parse({ type: 'fly' })).toMatchObject({ ok: false, error: { message: /unknown message type/ } });
    expect(parse({ type: 'open', target: 7 })).toMatchObject({ ok: false });
  });

  it('refuses a send whose bytes or writes are wrong', () => {
    expect(parse({ type: 'send' })).toMatchObject({ ok: false, error: { message: /base64 or as hex/ } });
    expect(parse({ type: 'send', hex: '00', base64: 'AA==' })).toMatchObject({ ok: false });
    expect(parse({ type: 'send', hex: 'zz' })).toMatchObject({
      ok: false,
      error: { message: /not valid hex/ },
    });
    expect(parse({ type: 'send', base64: 'A' })).toMatchObject({ ok: false });
    expect(parse({ type: 'send', hex: '' })).toMatchObject({ ok: false, error: { message: /no bytes/ } });
    expect(parse({ type: 'send', hex: '0102', writes: [1] })).toMatchObject({
      ok: false,
      error: { message: /add up to 1 bytes, not the 2/ },
    });
    expect(parse({ type: 'send', hex: '0102', writes: [0, 2] })).toMatchObject({ ok: false });
    expect(parse({ type: 'send', hex: '0102', pauseMs: 5000 })).toMatchObject({ ok: false });
    expect(
      parse({ type: 'send', hex: '00'.repeat(40), writes: Array(40).fill(1), pauseMs: 1000 }),
    ).toMatchObject({
      ok: false,
      error: { message: /pauses add up/ },
    });
  });

  it('refuses a send over the size cap as too big', () => {
    const base64 = 'A'.repeat(Math.ceil(((WORKBENCH_MAX_SEND_BYTES + 3) * 4) / 3 / 4) * 4);
    expect(parse({ type: 'send', base64 })).toMatchObject({ ok: false, error: { code: 'TOO_BIG' } });
  });

  it('reads the server replies the page acts on and drops anything else', () => {
    expect(parseWorkbenchReply('{"type":"error","code":"IDLE","message":"idle"}')).toMatchObject({
      type: 'error',
    });
    expect(parseWorkbenchReply('{"type":"received","frames":[],"sentBytes":0}')).toMatchObject({
      type: 'received',
    });
    expect(parseWorkbenchReply('{"type":"progress","done":1,"total":2,"result":{}}')).toMatchObject({
      type: 'progress',
    });
    expect(parseWorkbenchReply('{"type":"report","report":{"results":[]},"cancelled":false}')).toMatchObject({
      type: 'report',
    });
    expect(parseWorkbenchReply('{"type":"report","report":{}}')).toBeNull();
    expect(parseWorkbenchReply('{"type":"progress","done":1}')).toBeNull();
    expect(parseWorkbenchReply('{"type":"nope"}')).toBeNull();
    expect(parseWorkbenchReply('nope')).toBeNull();
  });

  it('reads check with a target and case patterns, as a list or as one line, and cancel', () => {
    expect(parse({ type: 'check' })).toEqual({ ok: true, value: { type: 'check' } });
    expect(parse({ type: 'check', target: '', cases: [] })).toEqual({ ok: true, value: { type: 'check' } });
    expect(parse({ type: 'check', target: 'ws://127.0.0.1:9001/', cases: ['5', '6.*'] })).toEqual({
      ok: true,
      value: { type: 'check', target: 'ws://127.0.0.1:9001/', cases: ['5', '6.*'] },
    });
    expect(parse({ type: 'check', cases: '1.1, 7.*' })).toEqual({
      ok: true,
      value: { type: 'check', cases: ['1.1', '7.*'] },
    });
    expect(parse({ type: 'cancel' })).toEqual({ ok: true, value: { type: 'cancel' } });
  });

  it('refuses a check whose target or patterns are not what they should be', () => {
    const refused = (value: unknown, message: RegExp) =>
      expect(parse(value)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message } });
    refused({ type: 'check', target: 9001 }, /target is a ws:\/\/ URL/);
    refused({ type: 'check', cases: [5] }, /list of case patterns/);
    refused({ type: 'check', cases: [''] }, /list of case patterns/);
    refused({ type: 'check', cases: Array(CHECK_MAX_PATTERNS + 1).fill('1') }, /at most 64 case patterns/);
    refused({ type: 'check', cases: ['1'.repeat(65)] }, /at most 64 characters/);
  });
});
