// Where resumable Live sessions wait for a new connection: each `sessionResumptionUpdate` hands the
// client a handle to the state it describes, and a later `setup.sessionResumption.handle` takes it
// back. The public service keeps a handle for two hours (Google's Live API docs, "Session
// management"); so does this store, scaled by `timeScale` like every other limit of the stand-in.
//
// A client can fill this store (every completed turn issues a handle), so it is bounded like the
// tap's other buffers: by count, by the memory its entries take, and by time. Past a bound the
// oldest entry goes first. One store belongs to one running server; nothing here is global.

import type { Modality } from '../../core/live/live-messages';

/**
 * What a resumed session starts from: the turns the model read and answered. The new connection's
 * own `setup` supplies the rest (model, system instruction, tools).
 */
export interface SessionSnapshot {
  /** Completed exchanges, oldest first, as the context holds them. */
  turns: readonly ContextTurn[];
  /** Function calls made so far, so that call ids stay unique across connections. */
  callCount: number;
  /** Exchanges the session has had, including any dropped by compression. */
  turnCount: number;
  /** When the session (not the connection) began, on the store's clock, in ms. */
  startedAt: number;
  /** A video frame has been received: the session is held to the audio+video limit. */
  video: boolean;
}

/** One exchange in the context: the user's text (empty for audio) and what the exchange cost. */
export interface ContextTurn {
  user: string;
  /** Tokens the exchange added to the context, the answer included, by modality. */
  tokens: Readonly<Record<Modality, number>>;
}

export interface ResumptionStoreLimits {
  /** Handles kept at once. */
  maxHandles: number;
  /** Memory the kept snapshots may take, estimated generously, in bytes. */
  maxBytes: number;
}

export const RESUMPTION_STORE_DEFAULTS: ResumptionStoreLimits = {
  maxHandles: 1000,
  maxBytes: 8 * 1024 * 1024,
};

/** The public service keeps a handle for two hours; a connection's `timeScale` shortens it. */
export const HANDLE_LIFETIME_MS = 2 * 60 * 60_000;

interface Entry {
  snapshot: SessionSnapshot;
  expiresAt: number;
  bytes: number;
}

// Per entry and per turn: object headers, the Map slot, numbers, the handle string. Generous on
// purpose, as the journal's estimate is, so that the bound holds in real memory.
const ENTRY_OVERHEAD_BYTES = 256;
const TURN_OVERHEAD_BYTES = 96;

export class ResumptionStore {
  private readonly entries = new Map<string, Entry>();
  private memory = 0;
  /** Entries dropped to stay within the bounds (not counting expiry). */
  evicted = 0;

  constructor(
    readonly limits: ResumptionStoreLimits = RESUMPTION_STORE_DEFAULTS,
    private readonly now: () => number = () => Date.now(),
    private readonly newHandle: () => string = randomHandle,
  ) {}

  /** The clock the store and its sessions share, in ms. */
  time(): number {
    return this.now();
  }

  get size(): number {
    return this.entries.size;
  }

  get memoryBytes(): number {
    return this.memory;
  }

  /**
   * Keeps a snapshot for `lifetimeMs` and returns its handle, or undefined when the snapshot alone
   * is larger than the whole store (the session then cannot be resumed from this point).
   */
  keep(snapshot: SessionSnapshot, lifetimeMs: number): string | undefined {
    this.expire();
    const handle = this.newHandle();
    const bytes = snapshotBytes(snapshot) + handle.length * 2;
    if (bytes > this.limits.maxBytes) return undefined;
    while (
      this.entries.size > 0 &&
      (this.entries.size >= this.limits.maxHandles || this.memory + bytes > this.limits.maxBytes)
    ) {
      this.drop(this.entries.keys().next().value as string);
      this.evicted++;
    }
    this.entries.set(handle, { snapshot, expiresAt: this.now() + lifetimeMs, bytes });
    this.memory += bytes;
    return handle;
  }

  /** The snapshot a handle names, unless it is unknown, expired or evicted. */
  find(handle: string): SessionSnapshot | undefined {
    const entry = this.entries.get(handle);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.drop(handle);
      return undefined;
    }
    return entry.snapshot;
  }

  /** Drops every expired entry. Lifetimes differ by connection, so every entry is looked at. */
  expire(): void {
    const now = this.now();
    for (const [handle, entry] of this.entries) if (entry.expiresAt <= now) this.drop(handle);
  }

  private drop(handle: string): void {
    const entry = this.entries.get(handle);
    if (!entry) return;
    this.entries.delete(handle);
    this.memory -= entry.bytes;
  }
}

/** An estimate of a snapshot's memory: strings at two bytes a character, plus object overheads. */
export function snapshotBytes(snapshot: SessionSnapshot): number {
  let bytes = ENTRY_OVERHEAD_BYTES;
  for (const turn of snapshot.turns) bytes += TURN_OVERHEAD_BYTES + turn.user.length * 2;
  return bytes;
}

function randomHandle(): string {
  // Opaque, as the public service's handles are; long enough that a guess finds nothing.
  return Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url');
}
