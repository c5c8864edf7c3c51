import { describe, expect, it } from 'vitest';
import { liveMessageLabel, pcmDurationMs } from '../../../core/live/message-label';

const pcm = (ms: number, rate: number): string => Buffer.alloc((rate * ms * 2) / 1000).toString('base64');

describe('labels for Live API messages', () => {
  it('names client messages, with the length of the audio they carry', () => {
    expect(liveMessageLabel('{"setup":{"model":"models/x"}}')).toBe('setup');
    expect(liveMessageLabel('{"clientContent":{"turns":[],"turnComplete":true}}')).toBe(
      'clientContent · turnComplete',
    );
    const chunk = { realtimeInput: { audio: { mimeType: 'audio/pcm;rate=16000', data: pcm(40, 16000) } } };
    expect(liveMessageLabel(JSON.stringify(chunk))).toBe('realtimeInput · audio 40 ms');
    expect(liveMessageLabel('{"realtimeInput":{"audioStreamEnd":true}}')).toBe(
      'realtimeInput · audioStreamEnd',
    );
    expect(liveMessageLabel('{"toolResponse":{"functionResponses":[{"id":"call-1"}]}}')).toBe(
      'toolResponse · id call-1',
    );
  });

  it('names server messages and what they carry', () => {
    expect(liveMessageLabel('{"setupComplete":{}}')).toBe('setupComplete');
    expect(liveMessageLabel('{"serverContent":{"turnComplete":true}}')).toBe('serverContent · turnComplete');
    const answer = {
      serverContent: {
        modelTurn: { parts: [{ inlineData: { mimeType: 'audio/pcm;rate=24000', data: pcm(100, 24000) } }] },
      },
    };
    expect(liveMessageLabel(JSON.stringify(answer))).toBe('serverContent · audio 100 ms');
    expect(liveMessageLabel('{"serverContent":{"interrupted":true}}')).toBe('serverContent · interrupted');
    expect(liveMessageLabel('{"toolCall":{"functionCalls":[{"id":"call-1","name":"lights"}]}}')).toBe(
      'toolCall · lights',
    );
    expect(liveMessageLabel('{"goAway":{"timeLeft":"10s"}}')).toBe('goAway · timeLeft 10s');
    expect(liveMessageLabel('{"sessionResumptionUpdate":{}}')).toBe(
      'sessionResumptionUpdate · not resumable',
    );
    expect(
      liveMessageLabel(
        '{"sessionResumptionUpdate":{"newHandle":"h","resumable":true,"lastConsumedClientMessageIndex":"3"}}',
      ),
    ).toBe('sessionResumptionUpdate · resumable · index 3');
  });

  it('returns null for anything that is not a Live API message, and never throws', () => {
    for (const text of [undefined, '', 'hello', '[1,2]', '{"type":"chat"}', '{', 'null']) {
      expect(liveMessageLabel(text)).toBeNull();
    }
    expect(liveMessageLabel('{"realtimeInput":{"audio":{"data":"AAAA')).toBe('realtimeInput (cut short)');
  });

  it('measures PCM durations from the rate in the MIME type', () => {
    expect(pcmDurationMs(pcm(20, 16000), 'audio/pcm;rate=16000')).toBe(20);
    expect(pcmDurationMs('AAAA', 'audio/wav')).toBeNull();
  });
});
