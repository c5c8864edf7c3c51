import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../../core/live/live-messages';
import {
  argumentsFor,
  chunkText,
  mentionedFunction,
  replyToText,
  replyToToolResult,
  speak,
} from '../../../server/live/model-replies';
import { audioTokens, TokenLedger, textTokens } from '../../../server/live/token-ledger';

describe('model replies', () => {
  it('echoes a text with its size in UTF-8 bytes', () => {
    expect(replyToText('héllo')).toBe('You said "héllo" (6 bytes).');
  });

  it('streams two words a chunk, and the chunks joined give the text back exactly', () => {
    expect(chunkText('You said "hi" (2 bytes).')).toEqual(['You said ', '"hi" (2 ', 'bytes).']);
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(chunkText(text).join('')).toBe(text);
      }),
    );
  });

  it('finds a declared function named as a whole word, the earliest first', () => {
    const functions = [{ name: 'lights_off' }, { name: 'lights' }, { name: 'weather.get' }];
    expect(mentionedFunction('turn the lights on', functions)?.name).toBe('lights');
    expect(mentionedFunction('lights_off now, then lights', functions)?.name).toBe('lights_off');
    expect(mentionedFunction('call weather.get', functions)?.name).toBe('weather.get');
    expect(mentionedFunction('my_lights are on', functions)).toBeUndefined();
    expect(mentionedFunction('weatherxget', functions)).toBeUndefined();
  });

  it('fills arguments from the declared parameters', () => {
    const declaration = {
      name: 'book',
      parameters: {
        properties: {
          place: { type: 'STRING' },
          seats: { type: 'integer' },
          urgent: { type: 'BOOLEAN' },
          extra: {},
        },
      },
    };
    expect(argumentsFor(declaration, 'please book  a table ')).toEqual({
      place: 'a table',
      seats: 21,
      urgent: true,
    });
    expect(argumentsFor({ name: 'ping' }, 'ping')).toEqual({});
  });

  it('reports a tool result as compact JSON, cut when long', () => {
    expect(replyToToolResult('f', { a: [1, 2] })).toBe('f returned {"a":[1,2]}.');
    expect(replyToToolResult('f', undefined)).toBe('f returned null.');
    expect(replyToToolResult('f', { text: 'x'.repeat(500) }).length).toBeLessThan(230);
  });

  it('speaks a text as one tone and one gap a word', () => {
    // 120 ms of tone and 40 ms of gap a word, at 24 kHz.
    expect(speak('two words', 24_000)).toHaveLength(2 * (2880 + 960));
    expect(speak('', 24_000)).toHaveLength(0);
  });
});

describe('usage and durations', () => {
  it('counts about four bytes of text a token and 32 tokens a second of audio', () => {
    expect(textTokens('')).toBe(0);
    expect(textTokens('abcde')).toBe(2);
    expect(audioTokens(16_000, 16_000)).toBe(32);
    expect(audioTokens(8000, 16_000)).toBe(16);
  });

  it('grows the prompt with every input and answer of the session', () => {
    const ledger = new TokenLedger();
    ledger.read('TEXT', 10);
    const first = ledger.answer('TEXT', 5);
    expect(first).toEqual({
      promptTokenCount: 10,
      responseTokenCount: 5,
      totalTokenCount: 15,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 10 }],
      responseTokensDetails: [{ modality: 'TEXT', tokenCount: 5 }],
    });
    for (let i = 0; i < 50; i++) ledger.hear(320, 16_000); // 1 s of audio in 20 ms chunks
    const second = ledger.answer('AUDIO', 32);
    expect(second.promptTokensDetails).toEqual([
      { modality: 'TEXT', tokenCount: 15 },
      { modality: 'AUDIO', tokenCount: 32 },
    ]);
    expect(second.totalTokenCount).toBe(15 + 32 + 32);
  });

  it('writes durations as protobuf JSON does', () => {
    expect(formatDuration(10_000)).toBe('10s');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(250)).toBe('0.25s');
    expect(formatDuration(-5)).toBe('0s');
  });
});
