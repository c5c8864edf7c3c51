// The snippet's microphone and speaker (the Live API lesson): the page records and plays for the
// sandboxed worker, and a status line under the editor says what is on, with a button that
// silences what is playing.

import { LazyAudioBridge } from '../audio/lazy-audio-bridge';
import { pagePlayer } from '../audio/pcm-player';
import { byTestId } from '../lib/dom';
import type { TerminalView } from './terminal';

/** Shows the microphone's and the player's state; returns the bridge the snippet runner uses. */
export function audioStatus(terminal: TerminalView): LazyAudioBridge {
  const audioState = byTestId(document, 'audio-state');
  const audioText = audioState.querySelector<HTMLElement>('.audio-text')!;
  const stopSound = byTestId<HTMLButtonElement>(document, 'stop-sound');
  let micText = '';
  function show(): void {
    const { playing, queuedMs } = pagePlayer.state;
    const parts = [
      micText,
      playing ? `playing${queuedMs > 0 ? ` (${(queuedMs / 1000).toFixed(1)} s queued)` : ''}` : '',
    ];
    audioText.textContent = parts.filter(Boolean).join(' · ');
    audioState.dataset.playing = String(playing);
    stopSound.hidden = !playing;
    audioState.hidden = !micText && !playing;
  }
  pagePlayer.subscribe(show);
  stopSound.addEventListener('click', () => pagePlayer.stop());
  return new LazyAudioBridge({
    onMicState(state) {
      audioState.dataset.mic = state.on ? 'on' : state.asking ? 'asking' : 'off';
      if (state.asking) micText = 'waiting for the microphone: allow it if the browser asks…';
      else if (!state.on) micText = '';
      else if (state.sampleRate)
        micText = `microphone on, ${state.sampleRate / 1000} kHz in ${state.chunkMs} ms chunks`;
      show();
    },
    onNotice: (text, level) => terminal.print(text, level),
  });
}
