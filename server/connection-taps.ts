import type { ConnectionKind, HandshakeRefusalCode, UpstreamView } from '../core/tap/events';
import type { HeaderList } from '../core/wire/handshake';
import { redactQuery } from './redact';
import { rejectHandshake } from './reject-handshake';
import { ConnectionCapture, captureRefusal } from './tap/capture';
import type { Journal } from './tap/journal';
import { queryOf, type UpgradeRequest } from './upgrade-request';

export interface CaptureLimits {
  /** The message size limit the tap holds the client to, as the server does. */
  maxPayload: number;
  /** The query to show, when it is not the upgrade URL's own (a relay adds its target). */
  query?: Record<string, string>;
  /** The tap must know at once where frames end (a relay, which injects frames of its own). */
  trackFrames?: boolean;
  /** A relayed connection: how the upstream was reached. */
  upstream?: UpstreamView;
}

/**
 * Gives every connection the tap shows its id, and its capture or its refusal: the one way an
 * upgrade, whatever serves it (echo, live, proxy), becomes something the tap shows.
 */
export class ConnectionTaps {
  /** Upgrades tapped since the start, refused ones included. */
  total = 0;

  constructor(
    private readonly journal: Journal,
    /** Payload bytes kept in an event. */
    private readonly payloadCap: number,
  ) {}

  /** Starts capturing an upgraded connection's bytes; `watchWrites` before the 101 is written. */
  captureFor(upgrade: UpgradeRequest, kind: ConnectionKind, limits: CaptureLimits): ConnectionCapture {
    this.total++;
    return new ConnectionCapture(this.journal, {
      kind,
      remote: upgrade.remote,
      local: upgrade.local,
      path: upgrade.url.pathname,
      query: redactQuery(limits.query ?? queryOf(upgrade.url)),
      requestRaw: upgrade.requestRaw,
      maxPayload: limits.maxPayload,
      payloadCap: this.payloadCap,
      ...(limits.trackFrames ? { trackFrames: true } : {}),
      ...(limits.upstream ? { upstream: limits.upstream } : {}),
      ...(upgrade.learner ? { learner: upgrade.learner } : {}),
    });
  }

  /**
   * Refuses the opening handshake with an HTTP status (RFC 6455 §4.2.2: anything but 101) and
   * shows the tap what was refused and why; `code` is the tap error's stable code.
   */
  refuse(
    upgrade: UpgradeRequest,
    status: number,
    reason: string,
    code: HandshakeRefusalCode,
    headers: HeaderList = [],
  ): void {
    const responseRaw = rejectHandshake(upgrade.socket, status, reason, headers);
    // The workbench's journal of its own connection has this answer already, as it read it.
    if (upgrade.journaledByWorkbench) return;
    this.total++;
    captureRefusal(this.journal, {
      remote: upgrade.remote,
      local: upgrade.local,
      path: upgrade.url.pathname,
      query: redactQuery(queryOf(upgrade.url)),
      requestRaw: upgrade.requestRaw,
      status,
      reason,
      responseRaw,
      code,
      maxPayload: 0,
      payloadCap: this.payloadCap,
      ...(upgrade.learner ? { learner: upgrade.learner } : {}),
    });
  }
}
