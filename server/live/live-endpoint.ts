// Placeholder: the local stand-in for the Live API (BidiGenerateContent) is being written.
import type { TappedEndpoint } from '../endpoint';

export const LIVE_PATH = '/live/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent';

export const liveEndpoint: TappedEndpoint<Record<string, never>> = {
  kind: 'live',
  matches: () => false,
  parse: () => ({ ok: true, value: {} }),
  serve: (socket) => socket.close(1011, 'not implemented yet'),
};
