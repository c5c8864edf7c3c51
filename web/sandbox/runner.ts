// Runs a learner's snippet where it cannot reach the page: a sandboxed iframe with an opaque
// origin (no cookies, no storage, no DOM of ours) that runs the code in a worker, so an endless
// loop blocks only that worker. Stop, a new run, or the run limit removes the iframe, which ends
// the worker and closes its sockets; a snippet that still answers is first asked to close them.

import { RUN_CAPABILITY_PARAM } from '../../core/routes';
import { BRIDGE_REQUESTS, type BridgeRequest } from '../audio/bridge-protocol';
import type { LazyAudioBridge } from '../audio/lazy-audio-bridge';
import { echoUrl, serverWsUrl } from '../lib/urls';
import frameScript from './frame-script.js?raw';
import { endRunCapability, startRunCapability } from './run-capability';
import prelude from './worker-prelude.js?raw';
import './sandbox.css';

export type ConsoleLevel = 'log' | 'info' | 'warn' | 'error';

export type RunEnd = 'finished' | 'stopped' | 'timeout' | 'replaced' | 'failed';

export interface RunnerEvents {
  /** `at`: when the snippet wrote it, on the page's clock (`performance.now()`). */
  onOutput(level: ConsoleLevel, text: string, at: number): void;
  onStart(label: string): void;
  onEnd(label: string, how: RunEnd, message: string): void;
}

// How long Stop waits for a snippet to close its sockets (and say so) before killing it: a snippet
// that is not in a loop answers in a few ms, but on a busy machine the way there and back (page,
// sandbox, worker) has taken longer than 300 ms, and the snippet then lost its last words.
const POLITE_STOP_MS = 1000;

/** A snippet that may record or play sound: its run starts audio while the click is still a gesture. */
const USES_AUDIO = /\b(openMicrophone|playAudio)\b/;

function frameHtml(): string {
  const safe = (text: string): string => text.replace(/<\/(script)/gi, '<\\/$1');
  return `<!doctype html><meta charset="utf-8"><script type="text/plain" id="prelude">${safe(prelude)}</script><script>${safe(frameScript)}</script>`;
}

interface Run {
  label: string;
  frame: HTMLIFrameElement;
  timer: ReturnType<typeof setTimeout>;
  ended: boolean;
  onStopped: (() => void) | null;
  /** Classroom mode: what the run's sockets to this server carry instead of the session cookie. */
  capability: Promise<string | null>;
}

export class SnippetRunner {
  private current: Run | null = null;
  private count = 0;
  private readonly onMessage = (event: MessageEvent): void => this.receive(event);

  constructor(
    private readonly events: RunnerEvents,
    /** The run limit, ms. */
    readonly limitMs = 30_000,
    /** The page's microphone and speaker, lent to snippets that ask. */
    private readonly audio: LazyAudioBridge | null = null,
  ) {
    window.addEventListener('message', this.onMessage);
  }

  get running(): boolean {
    return this.current !== null && !this.current.ended;
  }

  run(code: string): string {
    if (this.current) this.end(this.current, 'replaced', 'a new run replaced it');
    if (USES_AUDIO.test(code)) this.audio?.prepare();
    const label = `run ${++this.count}`;
    const frame = document.createElement('iframe');
    frame.setAttribute('sandbox', 'allow-scripts');
    frame.setAttribute('title', `Sandbox for ${label}`);
    frame.setAttribute('aria-hidden', 'true');
    frame.tabIndex = -1;
    frame.className = 'sandbox-frame';
    frame.srcdoc = frameHtml();
    const run: Run = {
      label,
      frame,
      ended: false,
      onStopped: null,
      capability: startRunCapability(),
      timer: this.limitTimer(() => run),
    };
    (frame as HTMLIFrameElement & { pendingCode?: string }).pendingCode = code;
    this.current = run;
    document.body.appendChild(frame);
    this.events.onStart(label);
    return label;
  }

  // The run limit counts from Run, so that a sandbox that never starts is ended too, and again
  // from when the snippet is handed its code: "stopped after 30 s" is the snippet's own time, not
  // the sandbox's start-up on a busy machine.
  private limitTimer(run: () => Run): ReturnType<typeof setTimeout> {
    return setTimeout(
      () =>
        this.end(
          run(),
          'timeout',
          `stopped after ${this.limitMs / 1000} s, the run limit: does it loop forever or leave a socket open? Its connections were closed.`,
        ),
      this.limitMs,
    );
  }

  /** Asks the snippet to close its sockets, then removes it whether it answered or not. */
  stop(): void {
    const run = this.current;
    if (!run || run.ended) return;
    const kill = setTimeout(
      () =>
        this.end(
          run,
          'stopped',
          'stopped; it did not answer (busy in a loop?), so it was killed and its connections dropped',
        ),
      POLITE_STOP_MS,
    );
    run.onStopped = () => {
      clearTimeout(kill);
      // Give the close frames a moment to leave before the worker goes.
      setTimeout(() => this.end(run, 'stopped', 'stopped; its connections were closed'), 100);
    };
    run.frame.contentWindow?.postMessage({ type: 'stop' }, '*');
  }

  private end(run: Run, how: RunEnd, message: string): void {
    if (run.ended) return;
    run.ended = true;
    clearTimeout(run.timer);
    run.frame.remove();
    this.audio?.endRun(how === 'finished');
    void run.capability.then((capability) => capability && endRunCapability(capability));
    if (this.current === run) this.current = null;
    this.events.onEnd(run.label, how, message);
  }

  private receive(event: MessageEvent): void {
    const run = this.current;
    if (!run || event.source !== run.frame.contentWindow) return;
    const message = event.data as { type?: string; level?: ConsoleLevel; text?: string; at?: number };
    if (typeof message?.type !== 'string') return;
    if (BRIDGE_REQUESTS.has(message.type)) {
      const target = run.frame.contentWindow;
      this.audio?.handle(message as BridgeRequest, (reply, transfer = []) => {
        // A reply for a run that has ended has nowhere to go.
        if (!run.ended) target?.postMessage(reply, '*', transfer);
      });
      return;
    }
    switch (message.type) {
      case 'ready': {
        const code = (run.frame as HTMLIFrameElement & { pendingCode?: string }).pendingCode ?? '';
        void run.capability.then((capability) => {
          if (run.ended) return;
          clearTimeout(run.timer);
          run.timer = this.limitTimer(() => run);
          run.frame.contentWindow?.postMessage(
            {
              type: 'run',
              code,
              echoUrl: echoUrl(),
              serverUrl: serverWsUrl(),
              capability,
              capabilityParam: RUN_CAPABILITY_PARAM,
            },
            '*',
          );
        });
        break;
      }
      case 'console':
        this.events.onOutput(
          message.level ?? 'log',
          String(message.text ?? ''),
          // The worker's clock and the page's share the epoch, not their origin.
          typeof message.at === 'number' ? message.at - performance.timeOrigin : performance.now(),
        );
        break;
      case 'idle':
        this.end(run, 'finished', 'finished: no open sockets and no pending timers');
        break;
      case 'stopped':
        run.onStopped?.();
        break;
    }
  }
}
