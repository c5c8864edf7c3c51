// The snippet's microphone and speaker, with Chromium's fake microphone (a beeping tone; see
// FAKE_MEDIA_ARGS): the page records, resamples to the rate the snippet asked for, and hands the
// worker 16-bit chunks of the asked length; what the snippet plays goes to the page's speaker.
import { expect, runSnippet, setSnippet, test, unique, waitForTerminal } from './fixtures';

test('a snippet records 16 kHz chunks from the microphone and plays them back', async ({ app, errors }) => {
  const marker = unique('mic');
  const screen = await runSnippet(app, [
    'const mic = await openMicrophone({ sampleRate: 16000, chunkMs: 40 });',
    `console.log('${marker} open', mic.sampleRate, mic.chunkMs, mic.deviceRate > 0);`,
    'const chunks = [];',
    'await new Promise((resolve) => {',
    '  mic.onchunk = (samples) => {',
    '    chunks.push(samples);',
    '    if (chunks.length === 25) { mic.stop(); resolve(); }',
    '  };',
    '});',
    'const lengths = new Set(chunks.map((c) => c.length));',
    'let peak = 0;',
    'for (const chunk of chunks) for (const s of chunk) peak = Math.max(peak, Math.abs(s));',
    `console.log('${marker} chunks', chunks.length, [...lengths].join(','), chunks[0].constructor.name, peak > 1000 ? 'loud' : 'quiet', mic.active);`,
    // Played three times over: still playing when the terminal has shown the lines below.
    'const all = new Int16Array(chunks.length * 640 * 3);',
    'for (let r = 0; r < 3; r++) chunks.forEach((c, i) => all.set(c, (r * chunks.length + i) * 640));',
    `console.log('${marker} playing', Math.round(playAudio(all, 16000)), 'ms');`,
  ]);
  const audioState = app.getByTestId('audio-state');
  await expect(screen).toContainText(`${marker} open 16000 40 true`);
  await expect(screen).toContainText('microphone on');
  await expect(screen).toContainText('resampled to 16 kHz, 40 ms chunks');
  await expect(screen).toContainText(`${marker} chunks 25 640 Int16Array loud false`);
  await expect(screen).toContainText(`${marker} playing 3000 ms`);
  // The page may have sent a few more before the snippet's stop reached it.
  await expect(screen).toContainText(/microphone off \(closed by the snippet\), (2[5-9]|[3-9]\d) chunks/);
  await expect(audioState).toHaveAttribute('data-mic', 'off');
  await expect(audioState).toHaveAttribute('data-playing', 'true');
  await app.getByTestId('stop-sound').click();
  await expect(audioState).toHaveAttribute('data-playing', 'false');
  await expect(audioState).toBeHidden();
  expect(errors.messages).toEqual([]);
});

test('Stop turns the microphone off, and the indicator shows it while it records', async ({ app }) => {
  await setSnippet(
    app,
    [
      'const mic = await openMicrophone();',
      "mic.onended = (reason) => console.log('mic ended:', reason);",
      "console.log('recording', mic.sampleRate, mic.chunkMs);",
    ].join('\n'),
  );
  await waitForTerminal(app);
  // Every state the indicator passes through, however briefly.
  await app.evaluate(() => {
    const state = document.querySelector<HTMLElement>('[data-testid="audio-state"]')!;
    const seen: string[] = [];
    new MutationObserver(() => {
      if (seen.at(-1) !== state.dataset.mic) seen.push(state.dataset.mic ?? '');
      document.body.dataset.micStates = seen.join(',');
    }).observe(state, { attributes: true, attributeFilter: ['data-mic'] });
  });
  await app.getByTestId('run').click();
  const screen = app.getByTestId('terminal').locator('.xterm-rows');
  await expect(screen).toContainText('recording 16000 40');
  const audioState = app.getByTestId('audio-state');
  await expect(audioState).toHaveAttribute('data-mic', 'on');
  await expect(audioState).toContainText('microphone on, 16 kHz in 40 ms chunks');
  // An open microphone keeps the run going, like an open socket.
  await app.waitForTimeout(600);
  await expect(app.getByTestId('stop')).toBeEnabled();
  await app.getByTestId('stop').click();
  await expect(screen).toContainText('mic ended: the run was stopped');
  await expect(screen).toContainText('microphone off');
  await expect(audioState).toHaveAttribute('data-mic', 'off');
  await expect(audioState).toBeHidden();
  // While the browser asks for permission the page says so, then the red dot, then nothing.
  await expect(app.locator('body')).toHaveAttribute('data-mic-states', 'asking,on,off');
});

test('a bad request for the microphone is an error in the snippet, not in the page', async ({
  app,
  errors,
}) => {
  const screen = await runSnippet(app, [
    'try {',
    '  await openMicrophone({ sampleRate: 1000 });',
    '} catch (error) {',
    "  console.log('refused:', error.message);",
    '}',
  ]);
  await expect(screen).toContainText('refused: openMicrophone: sampleRate must be 8000–48000 Hz');
  expect(errors.messages).toEqual([]);
});

test('a new run that replaces a recording one gets a microphone of its own', async ({ app, errors }) => {
  const first = unique('first');
  const second = unique('second');
  const snippet = (marker: string) => [
    'const mic = await openMicrophone({ chunkMs: 20 });',
    'let chunks = 0;',
    `mic.onchunk = () => { if (++chunks === 10) { console.log('${marker} got 10 chunks'); mic.stop(); } };`,
  ];
  await runSnippet(app, snippet(first));
  // Replaced at once, perhaps before the first run's microphone has opened.
  const screen = await runSnippet(app, snippet(second));
  await expect(screen).toContainText(`${second} got 10 chunks`);
  await expect(screen).toContainText('run 2 finished');
  await expect(app.getByTestId('audio-state')).toHaveAttribute('data-mic', 'off');
  expect(errors.messages).toEqual([]);
});
