// The instructor's Watch lasts only as long as the learner shares their traffic: unticking "Let the
// instructor see my traffic" ends the tap subscriptions already watching them, not just new ones.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { LEARNER_PARAM } from '../../core/routes';
import { isInstructor } from './instructor';
import type { ProgressStore } from './progress';

export class Watchers {
  private readonly sockets = new Map<Duplex, string>();
  private readonly stopListening: () => void;

  constructor(
    private readonly store: ProgressStore,
    private readonly instructorToken: () => string,
  ) {
    this.stopListening = store.onChange(() => this.recheck());
  }

  get size(): number {
    return this.sockets.size;
  }

  /** Follows a `/tap` upgrade that watches one learner (the instructor's `?learner=`); others are left alone. */
  track(req: IncomingMessage, socket: Duplex): void {
    let learner: string | null;
    try {
      learner = new URL(req.url ?? '/', 'http://localhost').searchParams.get(LEARNER_PARAM);
    } catch {
      return;
    }
    if (!learner || !isInstructor(req, this.instructorToken())) return;
    this.sockets.set(socket, learner);
    socket.once('close', () => this.sockets.delete(socket));
  }

  close(): void {
    this.stopListening();
    this.sockets.clear();
  }

  private recheck(): void {
    for (const [socket, learner] of this.sockets) {
      if (this.store.sharesTraffic(learner)) continue;
      // The tap is a `ws` socket by now, but the router holds it; ending the TCP connection is what
      // is left to this module. The page's tap reconnects and is then refused with the reason.
      this.sockets.delete(socket);
      socket.destroy();
    }
  }
}
