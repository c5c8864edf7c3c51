// What JSON.parse can hand back as an object: string keys, values yet to be checked. Every reader
// of untrusted JSON (HAR files, Live API messages) narrows with this one guard before it looks
// inside.

export type JsonObject = Record<string, unknown>;

/** True for a JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
