// What a Live session remembers beyond one connection: its completed turns (what each cost in
// tokens), when it began and whether it has seen video. Resumption saves and restores it;
// context window compression drops its oldest turns. The token counts themselves stay in the
// session's `TokenLedger`, which this keeps in step.

import type { Modality } from '../../core/live/live-messages';
import { replyToText } from './model-replies';
import type { ContextTurn, SessionSnapshot } from './resumption-store';
import {
  type CompressionSettings,
  describeSessionLimit,
  type SessionSpan,
  sessionEndsAt,
} from './session-limits';
import type { TokenLedger } from './token-ledger';

/**
 * Every buffer a client can fill has a limit: a turn keeps at most this much of the user's text
 * (it is only quoted back), and a session at most this many turns, the oldest two merged into one
 * past it (their tokens added, so the counts stay exact; compression then drops them together).
 */
const MAX_KEPT_TEXT = 120;
const MAX_KEPT_TURNS = 256;

export class SessionContext {
  private turns: ContextTurn[] = [];
  /** Exchanges in this session, on every connection, compressed ones included. */
  private turnCount = 0;
  /** Exchanges brought by resumption from an earlier connection. */
  private resumedTurns = 0;
  /** The ledger's totals when the last turn was recorded: the next turn's cost is what came since. */
  private mark: Record<Modality, number>;
  /** User text of the turn being answered. */
  private heardText = '';
  private span: SessionSpan;
  /** Turns dropped by compression so far. */
  dropped = 0;
  /** Called when a turn joins the context. */
  onRecord: (() => void) | undefined;

  /** `ledger` has read the setup (instructions, tools): the turns are what comes after. */
  constructor(
    private readonly ledger: TokenLedger,
    startedAt: number,
    private readonly compression?: CompressionSettings,
  ) {
    this.mark = ledger.totals();
    this.span = { startedAt, video: false, compressed: compression !== undefined };
  }

  /** When the session began, whether it saw video, whether it is compressed. */
  get sessionSpan(): Readonly<SessionSpan> {
    return this.span;
  }

  /** When the session must end, on the store's clock, and the close reason; undefined for never. */
  limit(timeScale: number): { at: number; reason: string } | undefined {
    const at = sessionEndsAt(this.span, timeScale);
    return at === undefined ? undefined : { at, reason: describeSessionLimit(this.span, timeScale) };
  }

  /** Continues a session saved on an earlier connection. */
  restore(snapshot: SessionSnapshot): void {
    this.turns = [...snapshot.turns];
    for (const turn of this.turns) this.ledger.adjust(turn.tokens, 1);
    this.turnCount = snapshot.turnCount;
    this.resumedTurns = snapshot.turnCount;
    this.span = { ...this.span, startedAt: snapshot.startedAt, video: snapshot.video };
    this.mark = this.ledger.totals();
  }

  snapshot(callCount: number): SessionSnapshot {
    return {
      turns: [...this.turns],
      callCount,
      turnCount: this.turnCount,
      startedAt: this.span.startedAt,
      video: this.span.video,
    };
  }

  sawVideo(): void {
    this.span = { ...this.span, video: true };
  }

  /** The user's text for the turn now being answered. */
  heard(text: string): void {
    this.heardText = text;
  }

  /**
   * The answer to a text turn. In a resumed session it also says which turn this is and what the
   * user said before, so that a learner can see the earlier connection's turns were kept.
   */
  replyTo(text: string): string {
    const reply = replyToText(text);
    if (this.resumedTurns === 0) return reply;
    let before: string | undefined;
    for (const turn of this.turns) if (turn.user !== '') before = turn.user;
    const earlier = before === undefined ? '' : `; before it you said "${before}"`;
    return `${reply} This is turn ${this.turnCount + 1} of a resumed session${earlier}.`;
  }

  /**
   * Before the model reads the context for an answer: past `triggerTokens`, drop the oldest turns
   * until it holds at most `targetTokens`. The setup's instructions and tools are never dropped,
   * as the reference says of the sliding window.
   */
  compress(): void {
    if (!this.compression) return;
    if (sum(this.ledger.totals()) <= this.compression.triggerTokens) return;
    while (this.turns.length > 0 && sum(this.ledger.totals()) > this.compression.targetTokens) {
      const oldest = this.turns.shift()!;
      this.ledger.adjust(oldest.tokens, -1);
      for (const modality of Object.keys(this.mark) as Modality[])
        this.mark[modality] -= oldest.tokens[modality];
      this.dropped++;
    }
  }

  /** An answer is complete: the exchange joins the context with what it cost since the last one. */
  record(): void {
    const now = this.ledger.totals();
    const tokens = { TEXT: now.TEXT - this.mark.TEXT, AUDIO: now.AUDIO - this.mark.AUDIO };
    const user =
      this.heardText.length > MAX_KEPT_TEXT ? `${this.heardText.slice(0, MAX_KEPT_TEXT)}…` : this.heardText;
    this.turns.push({ user, tokens });
    if (this.turns.length > MAX_KEPT_TURNS) {
      const [oldest, next] = this.turns.splice(0, 2) as [ContextTurn, ContextTurn];
      const merged = {
        TEXT: oldest.tokens.TEXT + next.tokens.TEXT,
        AUDIO: oldest.tokens.AUDIO + next.tokens.AUDIO,
      };
      this.turns.unshift({ user: next.user, tokens: merged });
    }
    this.turnCount++;
    this.heardText = '';
    this.mark = now;
    this.onRecord?.();
  }
}

function sum(tokens: Readonly<Record<Modality, number>>): number {
  return tokens.TEXT + tokens.AUDIO;
}
