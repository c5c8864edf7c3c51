// Defaults that more than one module relies on, named once. A module that needs one imports it
// here rather than writing the number again.

/**
 * The memory the tap's journal (every captured byte, and its bookkeeping) may use by default:
 * the history new subscribers and the exports get. Counted in real memory.
 */
export const TAP_STORE_BYTES = 64 * 1024 * 1024;

/** Payload bytes one tap event carries before `truncated: true` (DESIGN.md "Tap messages"). */
export const TAP_PAYLOAD_CAP = 64 * 1024;

/** Frames the inspector keeps before it forgets the oldest. */
export const INSPECTOR_CAPACITY = 100_000;
