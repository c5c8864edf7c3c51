// The microphone refused: Chromium answering every permission request with "deny", as a user
// who clicks Block does. The snippet gets a rejected promise that says what to do, the page
// says it in the terminal, and nothing is left recording.
import { CHROMIUM_ARGS, findChromium } from './chromium';
import { expect, runSnippet, test } from './fixtures';

test.use({
  launchOptions: {
    executablePath: findChromium(),
    args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream=deny'],
  },
});

test('a refused microphone is an error the snippet can catch, with what to do about it', async ({
  app,
  errors,
}) => {
  const screen = await runSnippet(app, [
    'try {',
    '  await openMicrophone();',
    "  console.log('recording');",
    '} catch (error) {',
    "  console.log('no microphone:', error.message);",
    '}',
  ]);
  await expect(screen).toContainText('no microphone: openMicrophone: the microphone permission was denied');
  await expect(screen).toContainText('run 1 finished');
  await expect(screen).not.toContainText('recording');
  const audioState = app.getByTestId('audio-state');
  await expect(audioState).toHaveAttribute('data-mic', 'off');
  await expect(audioState).toBeHidden();
  // The terminal's red line is the page telling the user; the page itself logged no error.
  expect(errors.messages).toEqual([]);
});
