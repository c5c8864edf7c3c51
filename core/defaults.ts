// Defaults that more than one module relies on, named once. A module that needs one imports it
// here rather than writing the number again.

/**
 * The most bytes each of the tap's stores keeps by default: the journal, the event history, the
 * export recording and a worker's backlog. Bounded by real memory (DESIGN.md "The tap").
 */
export const TAP_STORE_BYTES = 64 * 1024 * 1024;

/** Events a new `/tap` subscriber is replayed before live events. */
export const TAP_HISTORY_EVENTS = 5000;

/** Payload bytes one tap event carries before `truncated: true` (DESIGN.md "Tap messages"). */
export const TAP_PAYLOAD_CAP = 64 * 1024;

/** Frames the inspector keeps before it forgets the oldest. */
export const INSPECTOR_CAPACITY = 100_000;
