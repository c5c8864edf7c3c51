// The one shape of "this worked, here is the value; or it did not, here is why", for parsers and
// checks that refuse rather than throw (the handshake checks, query parameters, lessons, CLI flags).
//
// `value` and `error` are the field names: most of the shapes this replaced already used them, and
// one name for the payload on each side lets a caller pass a result on without unpacking it. What
// a refusal carries beyond a message (an HTTP status, a stable code, a list of problems) goes in
// `E`, not in extra fields beside `ok`.

export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };
