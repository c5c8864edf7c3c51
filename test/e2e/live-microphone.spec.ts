// Lesson 13's microphone step, walked in Chromium with its fake microphone (a tone that beeps
// twice a second; FAKE_MEDIA_ARGS): the page records and resamples for the snippet, the snippet
// streams 16 kHz chunks to the Live API stand-in, the stand-in answers each beep with 24 kHz audio
// that the page plays, and the step's checks turn green from what the tap saw.
import type { TapMessageEvent as TapMessage, TapOpenEvent } from '../../core/tap/events';
import { expect, NodeTap } from './fixtures';
import { fetchLesson, LessonWalker, test } from './lesson-walk';

/** A message's JSON text: the server's come in binary frames, as the public service's do. */
function jsonOf(message: TapMessage): string {
  return message.text ?? Buffer.from(message.base64 ?? '', 'base64').toString('utf8');
}

test('the microphone step streams the fake microphone, plays the answers and completes its checks', async ({
  lessonPage: app,
  lessonServer: server,
  errors,
}) => {
  test.setTimeout(60_000);
  const tap = await NodeTap.open(server);
  const lesson = await fetchLesson(server.url, 'live-api');
  const step = lesson.steps.find((s) => s.title.startsWith('Your microphone'))!;
  expect(step, 'lesson 13 has a microphone step').toBeDefined();
  const walker = new LessonWalker(app, server.url, lesson);
  await walker.open(step);
  await walker.showSolution();

  // The speaker's state, sampled by the page itself so a short playback is not missed.
  await app.evaluate(() => {
    const state = document.querySelector<HTMLElement>('[data-testid="audio-state"]')!;
    // Watching only the two attributes the page sets: the marks this sets must not wake it again.
    new MutationObserver(() => {
      if (state.dataset.playing === 'true') state.dataset.playedOnce = 'true';
      if (state.dataset.mic === 'on') state.dataset.recordedOnce = 'true';
    }).observe(state, { attributes: true, attributeFilter: ['data-playing', 'data-mic'] });
  });
  const run = await walker.run();
  await walker.runEnded(run, ['finished'], 40_000);
  await walker.expectStepDone(step);

  // The voice session: the one whose setup asked for transcriptions of the input.
  const messages = tap.events.filter((e): e is TapMessage => e.type === 'message');
  const setup = messages.find((m) => m.dir === 'client' && m.text?.includes('"inputAudioTranscription"'));
  expect(setup, 'the microphone session sent its setup').toBeDefined();
  const conn = setup!.conn;
  const open = tap.events.find((e): e is TapOpenEvent => e.type === 'open' && e.conn === conn);
  expect(open?.path).toMatch(/^\/live\//);
  const onSession = messages.filter((m) => m.conn === conn);
  const chunks = onSession.filter((m) => m.dir === 'client' && m.text?.includes('"audio/pcm;rate=16000"'));
  // Three seconds would be 75 chunks of 40 ms. The fake device starts late and the audio thread
  // runs behind on a busy machine (37 came once with both cores taken by other test runs), so a
  // third of them is what is certain; each one is whole.
  expect(chunks.length).toBeGreaterThanOrEqual(25);
  const first = JSON.parse(chunks[0]!.text!) as { realtimeInput: { audio: { data: string } } };
  expect(Buffer.from(first.realtimeInput.audio.data, 'base64').length).toBe(1280);
  expect(onSession.some((m) => m.dir === 'client' && m.text?.includes('"audioStreamEnd":true'))).toBe(true);
  const answers = onSession.filter((m) => m.dir === 'server' && jsonOf(m).includes('"audio/pcm;rate=24000"'));
  expect(answers.length, 'the stand-in answered the beeps with audio').toBeGreaterThan(0);
  expect(onSession.some((m) => m.dir === 'server' && jsonOf(m).includes('"inputTranscription"'))).toBe(true);

  const audioState = app.getByTestId('audio-state');
  await expect(audioState).toHaveAttribute('data-recorded-once', 'true');
  await expect(audioState).toHaveAttribute('data-played-once', 'true');
  await expect(audioState).toHaveAttribute('data-mic', 'off');
  expect(errors.messages).toEqual([]);
  tap.close();
});
