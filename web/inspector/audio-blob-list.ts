// The audio blobs of a Live API message, one line each: how long, at what rate, how many bytes,
// and a Play button. The click is the user gesture browsers require before a page may make
// sound, so the page's player creates or resumes its AudioContext there and then.
import { type AudioBlob, describeAudioBlob, samplesOfBlob } from '../../core/live/audio-blobs';
import { pagePlayer } from '../audio/pcm-player';
import { h } from '../lib/dom';
import './live-view.css';

function setPlaying(button: HTMLButtonElement, playing: boolean): void {
  button.dataset.playing = String(playing);
  button.textContent = playing ? '■ Stop' : '▶ Play';
  button.setAttribute('aria-pressed', String(playing));
}

function playButton(blob: AudioBlob, label: string): HTMLButtonElement {
  let unsubscribe: (() => void) | null = null;
  const done = () => {
    unsubscribe?.();
    unsubscribe = null;
    setPlaying(button, false);
  };
  const button = h('button', {
    type: 'button',
    className: 'play-audio',
    'data-testid': 'play-audio',
    'aria-label': `Play ${label}`,
    onclick: () => {
      if (button.dataset.playing === 'true') {
        pagePlayer.stop();
        return;
      }
      const samples = samplesOfBlob(blob);
      if (!samples) {
        button.disabled = true;
        button.title = 'Not playable: the data is not base64 of whole 16-bit samples';
        return;
      }
      pagePlayer.playNow(samples, blob.rate);
      // How often it was handed to the player: a playback shorter than a glance still counts.
      button.dataset.played = String(Number(button.dataset.played ?? 0) + 1);
      if (!pagePlayer.state.playing) return; // no audio output in this browser
      setPlaying(button, true);
      // Ends when this audio ends, or when anything else stops or replaces it. A button no
      // longer on the page lets go at the next change, so the player keeps no dead listeners.
      unsubscribe = pagePlayer.subscribe((state) => {
        if (!state.playing || !button.isConnected) done();
      });
    },
  });
  setPlaying(button, false);
  return button;
}

/** One line per blob; null when the message carries no audio. */
export function renderAudioBlobs(blobs: readonly AudioBlob[]): HTMLElement | null {
  if (blobs.length === 0) return null;
  return h(
    'ul',
    { className: 'audio-blobs', 'aria-label': 'Audio in this message' },
    ...blobs.map((blob) => {
      const text = describeAudioBlob(blob);
      return h(
        'li',
        {
          className: 'audio-blob',
          'data-testid': 'audio-blob',
          'data-rate': blob.rate,
          'data-ms': blob.durationMs,
        },
        playButton(blob, text),
        h('span', { className: 'audio-info' }, text),
        h('code', { className: 'audio-path muted' }, blob.path),
      );
    }),
  );
}
