// The models a Live API session may name: those Google's public docs list for the Live API
// (ai.google.dev "Live API" guide and model pages, the js-genai and python-genai samples). Any
// other name is refused as the public service refuses it. Retired names stay on the list, so a
// learner following an older tutorial is not stopped here by something unrelated to WebSockets.

export const LIVE_MODELS: readonly string[] = [
  'gemini-3.1-flash-live-preview',
  'gemini-2.5-flash-native-audio-preview-12-2025',
  'gemini-2.5-flash-native-audio-preview-09-2025',
  'gemini-2.5-flash-preview-native-audio-dialog',
  'gemini-2.5-flash-exp-native-audio-thinking-dialog',
  'gemini-live-2.5-flash-preview',
  'gemini-2.0-flash-live-001',
  'gemini-2.0-flash-exp',
];

const KNOWN = new Set(LIVE_MODELS);

/** `models/NAME` as the public service names it, whether the client wrote the prefix or not. */
export function modelResourceName(model: string): string {
  return model.startsWith('models/') ? model : `models/${model}`;
}

/**
 * Why the service would refuse this model, or undefined when it is a Live model. The wording is
 * the public service's, as its users report it in the close reason (code 1008), e.g. "models/
 * gemini-2.5-flash-preview-native-audio-dialog is not found for API version v1alpha, or is not
 * supported for bidiGener…" (github.com/rudyll/stackchan-ai-server issue 5); the rest of the
 * sentence is the one generateContent gives for an unknown model.
 */
export function unknownModelReason(model: string, apiVersion: string): string | undefined {
  const name = modelResourceName(model);
  if (KNOWN.has(name.slice('models/'.length))) return undefined;
  return (
    `${name} is not found for API version ${apiVersion}, or is not supported for bidiGenerateContent. ` +
    'Call ListModels to see the list of available models and their supported methods.'
  );
}
