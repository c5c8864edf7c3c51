import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpeechDetector, type SpeechEvent } from '../../../server/live/speech-detector';
import { Utterance } from '../../../server/live/utterance';

const loud = (n: number): number[] => Array.from({ length: n }, (_, i) => (i % 2 ? -1000 : 1000));
const quiet = (n: number): number[] => Array.from({ length: n }, () => 0);

/** Events with their positions in the whole stream, whatever the chunks. */
function run(
  detector: SpeechDetector,
  chunks: number[][],
): { type: string; at: number; trailing?: number }[] {
  const found: { type: string; at: number; trailing?: number }[] = [];
  let offset = 0;
  for (const chunk of chunks) {
    for (const event of detector.feed(Int16Array.from(chunk)) as SpeechEvent[]) {
      found.push({ ...event, at: offset + event.at });
    }
    offset += chunk.length;
  }
  return found;
}

describe('SpeechDetector', () => {
  it('with a prefix, takes no sound shorter than it for speech, the quiet after it not counted', () => {
    expect(run(new SpeechDetector(10, 500, 25), [[...loud(20), ...quiet(9), ...quiet(5)]])).toEqual([]);
    expect(
      run(new SpeechDetector(10, 500, 30), [[...loud(20), ...quiet(10), ...loud(5), ...quiet(10)]]),
    ).toEqual([]);
  });

  it('with a prefix, starts speech where it began, handing back the samples of earlier chunks', () => {
    const detector = new SpeechDetector(10, 500, 30);
    expect(detector.feed(Int16Array.from([...quiet(4), ...loud(16)]))).toEqual([]);
    const [start] = detector.feed(Int16Array.from(loud(20)));
    expect(start).toEqual({ type: 'start', at: 0, held: Int16Array.from(loud(16)) });
    expect(detector.inSpeech).toBe(true);
    // Within one chunk, the start is where the speech began.
    expect(run(new SpeechDetector(10, 500, 30), [[...quiet(3), ...loud(40)]])).toEqual([
      { type: 'start', at: 3 },
    ]);
  });

  it('starts speech at the first loud sample and ends it after the silence window', () => {
    const events = run(new SpeechDetector(10, 500), [[...quiet(5), ...loud(20), ...quiet(12)]]);
    expect(events).toEqual([
      { type: 'start', at: 5 },
      { type: 'end', at: 35, trailing: 10 },
    ]);
  });

  it('keeps speech going through a pause shorter than the window', () => {
    const events = run(new SpeechDetector(10, 500), [[...loud(5), ...quiet(9), ...loud(5), ...quiet(10)]]);
    expect(events).toEqual([
      { type: 'start', at: 0 },
      { type: 'end', at: 29, trailing: 10 },
    ]);
  });

  it('counts a sample at the level as silence and one above it as speech', () => {
    expect(run(new SpeechDetector(1, 500), [[500, -500, 0]])).toEqual([]);
    expect(run(new SpeechDetector(1, 500), [[-501]])).toEqual([{ type: 'start', at: 0 }]);
    expect(run(new SpeechDetector(1, 32_767), [[-32768]])).toEqual([{ type: 'start', at: 0 }]);
  });

  it('finds the same events however the audio is split into chunks', () => {
    const stream = [...quiet(3), ...loud(7), ...quiet(4), ...loud(2), ...quiet(8), ...loud(1), ...quiet(9)];
    const whole = run(new SpeechDetector(6, 500), [stream]);
    expect(whole.filter((e) => e.type === 'start')).toHaveLength(2);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 6 }), (cuts) => {
        const points = [...new Set([0, ...cuts, stream.length])].sort((a, b) => a - b);
        const chunks = points.slice(1).map((end, i) => stream.slice(points[i], end));
        expect(run(new SpeechDetector(6, 500), chunks)).toEqual(whole);
      }),
    );
  });

  it('flushes speech in progress with its trailing quiet samples, and nothing otherwise', () => {
    const detector = new SpeechDetector(100, 500);
    expect(detector.flush()).toBeNull();
    detector.feed(Int16Array.from([...loud(4), ...quiet(3)]));
    expect(detector.inSpeech).toBe(true);
    expect(detector.flush()).toBe(3);
    expect(detector.inSpeech).toBe(false);
  });
});

describe('Utterance', () => {
  it('gives back the speech without its trailing silence', () => {
    const utterance = new Utterance();
    utterance.append(Int16Array.from([1, 2, 3]));
    utterance.append(Int16Array.from([4, 0, 0]));
    const heard = utterance.finish(2);
    expect(heard.count).toBe(4);
    expect([...heard.samples]).toEqual([1, 2, 3, 4]);
  });

  it('copies what it keeps, so a reused buffer does not change it', () => {
    const buffer = Int16Array.from([7, 7]);
    const utterance = new Utterance();
    utterance.append(buffer);
    buffer.fill(0);
    expect([...utterance.finish(0).samples]).toEqual([7, 7]);
  });

  it('keeps at most a minute of samples but counts all of them', () => {
    const utterance = new Utterance();
    const second = new Int16Array(16_000).fill(1);
    for (let i = 0; i < 61; i++) utterance.append(second);
    const heard = utterance.finish(0);
    expect(heard.count).toBe(61 * 16_000);
    expect(heard.samples).toHaveLength(60 * 16_000);
  });
});
