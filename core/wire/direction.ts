/**
 * Which endpoint put the bytes on the wire: `client` bytes travel client → server. The one name for
 * it, whether a frame decoder's sender, a tap event's `dir` or a Live API message's origin.
 */
export type Direction = 'client' | 'server';

/** The other endpoint: who receives what `dir` sends. */
export const otherSide = (dir: Direction): Direction => (dir === 'client' ? 'server' : 'client');
