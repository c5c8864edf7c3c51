// The few web-platform globals that Node 20 and every browser both have, declared here because
// core/ is compiled with neither the DOM's types nor Node's. Anything not listed is not available
// to core/: add to this file only what both platforms really provide.

interface TextEncoder {
  encode(input?: string): Uint8Array;
}
declare var TextEncoder: { new (): TextEncoder };

interface TextDecoderOptions {
  fatal?: boolean;
  ignoreBOM?: boolean;
}
interface TextDecoder {
  decode(input?: Uint8Array, options?: { stream?: boolean }): string;
}
declare var TextDecoder: { new (label?: string, options?: TextDecoderOptions): TextDecoder };

interface URL {
  readonly pathname: string;
  readonly search: string;
  readonly host: string;
  readonly hostname: string;
  readonly port: string;
  readonly protocol: string;
  readonly searchParams: { get(name: string): string | null };
}
declare var URL: { new (url: string, base?: string): URL };

declare var crypto: { getRandomValues<T extends Uint8Array>(array: T): T };
