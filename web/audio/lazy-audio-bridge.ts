// The audio bridge, loaded the first time a snippet asks for sound, not with the page: most runs
// never do. Until it is loaded, requests wait in order; a run that ends meanwhile takes its
// requests with it, so a microphone is never opened for a run that is over.
import type { AudioBridge } from './audio-bridge';
import type { BridgeEvents, BridgeRequest, Reply } from './bridge-protocol';
import { pagePlayer } from './pcm-player';

export class LazyAudioBridge {
  private bridge: AudioBridge | null = null;
  private loading: Promise<AudioBridge> | null = null;
  /** Counts runs: a request still waiting for the bridge when its run ended is dropped. */
  private generation = 0;

  constructor(private readonly events: BridgeEvents) {}

  /** Creates or resumes the page's audio while a click or key press is being handled. */
  prepare(): void {
    pagePlayer.unlock();
    void this.load();
  }

  handle(request: BridgeRequest, reply: Reply): void {
    if (this.bridge) {
      this.bridge.handle(request, reply);
      return;
    }
    const generation = this.generation;
    void this.load().then((bridge) => {
      if (generation === this.generation) bridge.handle(request, reply);
    });
  }

  endRun(finished: boolean): void {
    this.generation++;
    if (this.bridge) this.bridge.endRun(finished);
    else if (!finished) pagePlayer.stop();
  }

  private load(): Promise<AudioBridge> {
    this.loading ??= import('./audio-bridge').then(({ AudioBridge }) => {
      this.bridge = new AudioBridge(this.events);
      return this.bridge;
    });
    return this.loading;
  }
}
