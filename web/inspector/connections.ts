// The inspector's lanes: one per connection the tap reports, with who opened it. The tap cannot
// know which page opened a socket, so the page claims its own: the chat and the terminal say "I
// am opening a socket to this path", and the next handshake from this page's origin to that path
// is theirs. Snippets run in a sandbox whose Origin is "null", so their sockets are recognised by
// that while a run is going.
import type {
  ConnectionEvent,
  TapCloseEvent,
  TapErrorEvent,
  TapHandshakeEvent,
  TapOpenEvent,
} from '../../core/tap/events';
import { closeCodeInfo } from '../../core/wire/close-codes';
import { headerValue } from '../../core/wire/handshake';

export type LaneRole = 'chat' | 'terminal' | 'run' | 'page' | 'sandbox' | 'outside' | 'recorded';

/** The roles of sockets wslab's own pages opened: the inspector-first view hides them unless asked. */
const OWN_ROLES: ReadonlySet<LaneRole> = new Set(['chat', 'terminal', 'run', 'page', 'sandbox']);

export function isOwnLane(lane: Lane): boolean {
  return OWN_ROLES.has(lane.role);
}

export interface Lane {
  /** Unique across server restarts: instance and connection id. */
  key: string;
  conn: string;
  role: LaneRole;
  /** What the lane is called in the inspector: `chat`, `run 2`, `terminal`, `outside`. */
  label: string;
  open?: TapOpenEvent;
  handshake?: TapHandshakeEvent;
  close?: TapCloseEvent;
  errors: TapErrorEvent[];
  frames: number;
  /** Data messages started so far per direction: numbers chat lines and frames alike. */
  messages: { client: number; server: number };
  /** Known only from replayed history. */
  replayed: boolean;
  /** The server restarted before this connection's end was seen. */
  lost: boolean;
  /** Bumped on every change, so the view redraws only lanes that changed. */
  version: number;
}

interface Claim {
  role: 'chat' | 'terminal';
  label: string;
  path: string;
  expires: number;
  resolve(lane: Lane): void;
}

const MAX_LANES = 500;

export class Connections {
  readonly lanes = new Map<string, Lane>();
  private claims: Claim[] = [];
  private run: { label: string; endedAt: number | null } | null = null;
  /** Lanes in the order they opened. */
  order: string[] = [];
  version = 0;

  /** `recorded`: lanes from a file, named by what the server was (echo, proxy), not who opened them. */
  constructor(
    private readonly pageOrigin: string,
    private readonly recorded = false,
  ) {}

  static keyOf(instance: string, conn: string): string {
    return `${instance}/${conn}`;
  }

  /** The next socket this page opens to `path` is `role`'s. */
  claim(role: 'chat' | 'terminal', label: string, path: string, onLane: (lane: Lane) => void): void {
    const now = Date.now();
    this.claims = this.claims.filter((claim) => claim.expires > now);
    this.claims.push({ role, label, path, expires: now + 15_000, resolve: onLane });
  }

  /** Sockets from the sandbox belong to this run from now until a moment after it ends. */
  runStarted(label: string): void {
    this.run = { label, endedAt: null };
  }

  runEnded(): void {
    if (this.run) this.run.endedAt = Date.now();
  }

  /** Takes one connection event; returns the lane it touched. */
  apply(instance: string, event: ConnectionEvent, replayed: boolean): Lane {
    const key = Connections.keyOf(instance, event.conn);
    let lane = this.lanes.get(key);
    if (lane && event.type === 'open' && lane.open && lane.open.t !== event.t) {
      // A server that restarted in the same process numbers connections from c1 again: this is
      // a new connection with an old id. The old lane keeps its history under another key.
      this.retire(lane);
      lane = undefined;
    }
    if (!lane) {
      lane = {
        key,
        conn: event.conn,
        role: 'outside',
        label: 'outside',
        errors: [],
        frames: 0,
        messages: { client: 0, server: 0 },
        replayed,
        lost: false,
        version: 0,
      };
      this.lanes.set(key, lane);
      this.order.push(key);
      this.trim();
    }
    switch (event.type) {
      case 'open':
        lane.open = event;
        // Known from the start, before its answer: a long-poll may wait seconds for one.
        if (event.kind === 'http') {
          lane.role = 'outside';
          lane.label = 'http';
        }
        break;
      case 'handshake':
        lane.handshake = event;
        this.identify(lane, event, replayed);
        break;
      case 'close':
        lane.close = event;
        break;
      case 'error':
        lane.errors.push(event);
        break;
      case 'frame':
        lane.frames++;
        break;
      default:
        return lane; // messages change nothing a lane shows
    }
    lane.version++;
    this.version++;
    return lane;
  }

  private identify(lane: Lane, handshake: TapHandshakeEvent, replayed: boolean): void {
    if (lane.open?.kind === 'http') {
      // A plain HTTP exchange relayed by /proxy (Socket.IO's long-polling), whoever sent it.
      lane.role = 'outside';
      lane.label = 'http';
      return;
    }
    if (lane.open?.kind === 'workbench') {
      // The workbench's raw connection: opened by the server for this page, without an Origin.
      lane.role = 'page';
      lane.label = 'workbench';
      return;
    }
    if (this.recorded) {
      lane.role = 'recorded';
      lane.label = lane.open?.kind === 'rejected' ? 'refused' : (lane.open?.kind ?? 'recorded');
      return;
    }
    const origin = headerValue(handshake.request.headers, 'origin');
    if (origin === undefined) {
      lane.role = 'outside';
      lane.label = 'outside';
    } else if (origin === 'null') {
      const run = this.run;
      const current = run && !replayed && (run.endedAt === null || Date.now() - run.endedAt < 1500);
      lane.role = current ? 'run' : 'sandbox';
      lane.label = current ? run.label : 'sandbox';
    } else if (origin === this.pageOrigin) {
      lane.role = 'page';
      lane.label = 'page';
      if (!replayed) {
        const now = Date.now();
        const index = this.claims.findIndex(
          (claim) => claim.path === handshake.request.path && claim.expires > now,
        );
        if (index >= 0) {
          const [claim] = this.claims.splice(index, 1);
          lane.role = claim!.role;
          lane.label = claim!.label;
          claim!.resolve(lane);
        }
      }
    } else {
      lane.role = 'outside';
      lane.label = 'outside';
    }
  }

  /** Forgets the oldest closed lanes past the bound, so a long session stays small. */
  private trim(): void {
    if (this.order.length <= MAX_LANES) return;
    const keep: string[] = [];
    let excess = this.order.length - MAX_LANES;
    for (const key of this.order) {
      const lane = this.lanes.get(key);
      if (excess > 0 && lane && (lane.close || lane.replayed)) {
        this.lanes.delete(key);
        excess--;
      } else keep.push(key);
    }
    this.order = keep;
  }

  private retire(lane: Lane): void {
    const oldKey = lane.key;
    let n = 1;
    while (this.lanes.has(`${oldKey}~${n}`)) n++;
    lane.key = `${oldKey}~${n}`;
    if (!lane.close) lane.lost = true;
    lane.version++;
    this.lanes.delete(oldKey);
    this.lanes.set(lane.key, lane);
    this.order = this.order.map((key) => (key === oldKey ? lane.key : key));
  }

  /** The server restarted: connections of the old one that had not ended are gone. */
  serverRestarted(currentInstance: string): void {
    for (const lane of this.lanes.values()) {
      if (!lane.close && !lane.lost && !lane.key.startsWith(`${currentInstance}/`)) {
        lane.lost = true;
        lane.version++;
      }
    }
    this.version++;
  }

  clear(): void {
    for (const key of this.order) {
      const lane = this.lanes.get(key)!;
      if (lane.close || lane.lost) this.lanes.delete(key);
    }
    this.order = this.order.filter((key) => this.lanes.has(key));
    this.version++;
  }

  state(lane: Lane): string {
    if (lane.lost && !lane.close) return 'gone (server restarted)';
    // An HTTP exchange was never meant to be a WebSocket: its status is the whole story.
    if (lane.open?.kind === 'http') {
      if (!lane.handshake) return 'waiting for the answer';
      return `HTTP ${lane.handshake.response.status}`;
    }
    // A refused handshake also ends with a close event; the refusal is what the learner needs.
    if (lane.handshake?.rejected !== undefined || (lane.handshake && lane.handshake.response.status !== 101))
      return `refused ${lane.handshake.response.status}`;
    if (lane.close) {
      const { code, initiator, clean } = lane.close;
      const by = initiator === 'none' ? 'no close frame' : `${initiator} closed`;
      // Named as RFC 6455 §7.4.1 and the IANA registry (§11.7) name them: `1005 no status received`.
      return `closed ${code} ${closeCodeInfo(code).name} (${by}${clean ? ', clean' : ', not clean'})`;
    }
    if (lane.handshake) return 'open';
    return 'opening';
  }
}
