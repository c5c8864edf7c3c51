// The selected frame's message read as JSON, below its raw payload: the audio it carries (for a
// Live API message) with Play buttons, and the whole value as a collapsible tree. Any JSON message
// gets the tree, not only the Live API's.
import { audioBlobsOf } from '../../core/live/audio-blobs';
import type { TapFrameEvent, TapMessageEvent } from '../../core/tap/events';
import { h } from '../lib/dom';
import { renderAudioBlobs } from './audio-blob-list';
import { renderJsonTree } from './json-tree';
import { type MessageJson, messageJsonOf } from './message-json';
import './live-view.css';

function heading(json: MessageJson & { state: 'json' }): string {
  const whose = json.source === 'message' ? 'The message' : 'The frame';
  return `${whose} as JSON${json.binary ? ' (sent in a binary frame, read as UTF-8)' : ''}`;
}

/** The JSON view of a frame's message, or null when it holds no JSON. */
export function renderMessageJson(event: TapFrameEvent, message?: TapMessageEvent): HTMLElement | null {
  const json = messageJsonOf(event, message);
  if (!json) return null;
  const box = (...children: (HTMLElement | string | null)[]) =>
    h(
      'div',
      { className: 'message-json', 'data-testid': 'message-json', 'data-state': json.state },
      ...children,
    );
  switch (json.state) {
    case 'incomplete':
      return box(
        h(
          'p',
          { className: 'muted', 'data-testid': 'json-incomplete' },
          json.reason === 'truncated'
            ? 'This message starts like JSON but is incomplete: the tap kept only its start (payloads are capped at 64 KiB), so it is not shown as a tree.'
            : 'This frame holds only the start of a JSON message; the rest follows in continuation frames, and the tree appears once the whole message is known.',
        ),
      );
    case 'invalid':
      return box(
        h(
          'p',
          { className: 'warn', 'data-testid': 'json-invalid' },
          `This message starts like JSON but does not parse: ${json.error}`,
        ),
      );
    case 'json':
      return box(
        h('div', { className: 'muted' }, heading(json)),
        renderAudioBlobs(audioBlobsOf(json.value)),
        renderJsonTree(json.value),
      );
  }
}
