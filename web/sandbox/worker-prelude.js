// Runs first in the snippet's worker (inside a sandboxed iframe with an opaque origin): it gives
// the snippet console, WebSocket and timers that report to the page, takes away every network API
// but WebSocket, and tells the page when the snippet is idle (no open socket, no pending timer).

(() => {
  // Console lines carry the moment they were written (ms since the epoch, as the page's
  // performance.timeOrigin counts): the terminal puts them among the wire log's frames by it.
  const post = (message) =>
    self.postMessage(
      message.type === 'console' ? { ...message, at: performance.timeOrigin + performance.now() } : message,
    );
  const MAX_TEXT = 4000;

  function inspect(value, depth, seen) {
    if (value === null) return 'null';
    const type = typeof value;
    if (type === 'string') return depth === 0 ? value : `'${value.replace(/'/g, "\\'")}'`;
    if (type === 'number' || type === 'boolean' || type === 'undefined') return String(value);
    if (type === 'bigint') return `${value}n`;
    if (type === 'symbol') return value.toString();
    if (type === 'function') return `[Function: ${value.name || 'anonymous'}]`;
    if (seen.has(value)) return '[Circular]';
    if (depth > 3) return Array.isArray(value) ? '[Array]' : '[Object]';
    seen.add(value);
    try {
      if (value instanceof Error)
        return value.stack && depth === 0 ? cleanStack(value) : `${value.name}: ${value.message}`;
      if (Array.isArray(value)) return `[${value.map((item) => inspect(item, depth + 1, seen)).join(', ')}]`;
      if (value instanceof ArrayBuffer) {
        const bytes = [...new Uint8Array(value.slice(0, 64))].map((b) => b.toString(16).padStart(2, '0'));
        return `ArrayBuffer(${value.byteLength}) [${bytes.join(' ')}${value.byteLength > 64 ? ' …' : ''}]`;
      }
      if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
        const items = Array.prototype.slice.call(value, 0, 100).map(String);
        return `${value.constructor.name}(${value.length}) [${items.join(', ')}${value.length > 100 ? ', …' : ''}]`;
      }
      if (typeof Blob !== 'undefined' && value instanceof Blob)
        return `Blob { size: ${value.size}, type: '${value.type}' }`;
      if (value instanceof NativeWebSocket) {
        return `WebSocket { url: '${value.url}', readyState: ${value.readyState}, protocol: '${value.protocol}', extensions: '${value.extensions}', bufferedAmount: ${value.bufferedAmount} }`;
      }
      if (typeof Event !== 'undefined' && value instanceof Event) {
        const fields = ['type'];
        if ('code' in value) fields.push('code', 'reason', 'wasClean');
        if ('data' in value) fields.push('data');
        return `${value.constructor.name} { ${fields.map((f) => `${f}: ${inspect(value[f], depth + 1, seen)}`).join(', ')} }`;
      }
      if (value instanceof Map) {
        return `Map(${value.size}) { ${[...value].map(([k, v]) => `${inspect(k, depth + 1, seen)} => ${inspect(v, depth + 1, seen)}`).join(', ')} }`;
      }
      if (value instanceof Set)
        return `Set(${value.size}) { ${[...value].map((v) => inspect(v, depth + 1, seen)).join(', ')} }`;
      if (value instanceof Promise) return 'Promise { … }';
      const name = value.constructor && value.constructor !== Object ? `${value.constructor.name} ` : '';
      const entries = Object.keys(value).map(
        (key) =>
          `${/^[A-Za-z_$][\w$]*$/.test(key) ? key : `'${key}'`}: ${inspect(value[key], depth + 1, seen)}`,
      );
      return entries.length ? `${name}{ ${entries.join(', ')} }` : `${name}{}`;
    } catch {
      return '[object]';
    } finally {
      seen.delete(value);
    }
  }

  // The snippet runs as the body of an async function: its line N is line N + 2 of that function.
  const LINE_OFFSET = 2;

  function cleanStack(error) {
    const lines = String(error.stack || `${error.name}: ${error.message}`).split('\n');
    const out = [lines[0]];
    for (const line of lines.slice(1)) {
      const at = /<anonymous>:(\d+):(\d+)/.exec(line);
      if (at) out.push(`    at snippet.js:${Number(at[1]) - LINE_OFFSET}:${at[2]}`);
    }
    return out.join('\n');
  }

  function format(args) {
    const text = args.map((arg) => inspect(arg, 0, new Set())).join(' ');
    return text.length > MAX_TEXT
      ? `${text.slice(0, MAX_TEXT)}… (${text.length - MAX_TEXT} more characters)`
      : text;
  }

  const levels = {
    log: 'log',
    info: 'info',
    warn: 'warn',
    error: 'error',
    debug: 'log',
    trace: 'log',
    dir: 'log',
    table: 'log',
  };
  for (const [name, level] of Object.entries(levels)) {
    console[name] = (...args) => post({ type: 'console', level, text: format(args) });
  }

  // Sockets: remembered so Stop can close them and the run knows when it is over.
  // Classroom mode: this sandbox sends no cookie, so a socket to wslab's own server carries the
  // run's capability instead, which says whose it is; other servers never see it, nor does the
  // snippet's `url`.
  const NativeWebSocket = self.WebSocket;
  const sockets = new Set();
  let runCapability = null;
  let capabilityParam = null;
  let serverHost = null;
  function withCapability(url) {
    if (!runCapability) return url;
    try {
      const parsed = new URL(String(url));
      if (parsed.host !== serverHost) return url;
      parsed.searchParams.set(capabilityParam, runCapability);
      return parsed.href;
    } catch {
      return url;
    }
  }
  class WebSocket extends NativeWebSocket {
    constructor(url, protocols) {
      super(withCapability(url), protocols);
      sockets.add(this);
      this.addEventListener('close', () => sockets.delete(this));
    }
    get url() {
      const shown = new URL(super.url);
      if (!capabilityParam || !shown.searchParams.has(capabilityParam)) return super.url;
      shown.searchParams.delete(capabilityParam);
      return shown.href;
    }
  }
  self.WebSocket = WebSocket;

  // Timers: counted so the run knows when nothing is left to happen.
  const nativeSetTimeout = self.setTimeout.bind(self);
  const nativeClearTimeout = self.clearTimeout.bind(self);
  const nativeSetInterval = self.setInterval.bind(self);
  const nativeClearInterval = self.clearInterval.bind(self);
  const timers = new Set();
  self.setTimeout = (callback, ms, ...args) => {
    const id = nativeSetTimeout(() => {
      timers.delete(id);
      if (typeof callback === 'function') callback(...args);
    }, ms);
    timers.add(id);
    return id;
  };
  self.clearTimeout = (id) => {
    timers.delete(id);
    nativeClearTimeout(id);
  };
  self.setInterval = (callback, ms, ...args) => {
    const id = nativeSetInterval(() => {
      if (typeof callback === 'function') callback(...args);
    }, ms);
    timers.add(id);
    return id;
  };
  self.clearInterval = (id) => {
    timers.delete(id);
    nativeClearInterval(id);
  };

  // Microphone and speaker: a worker has neither getUserMedia nor an AudioContext, so the page
  // records and plays for the snippet (web/audio/audio-bridge.ts). An open microphone keeps the
  // run alive, like an open socket; Stop and the end of the run turn it off.
  const microphones = new Map();
  let microphoneIds = 0;

  class Microphone {
    constructor(id, sampleRate, chunkMs, info) {
      this.id = id;
      this.sampleRate = sampleRate;
      this.chunkMs = chunkMs;
      this.deviceLabel = info.deviceLabel;
      this.deviceRate = info.deviceRate;
      /** Called with each chunk, an Int16Array of `sampleRate * chunkMs / 1000` samples. */
      this.onchunk = null;
      /** Called once when the microphone stops, with the reason. */
      this.onended = null;
      this.active = true;
    }

    stop() {
      this.close('stopped by the snippet');
    }

    close(reason) {
      if (!this.active) return;
      post({ type: 'mic-close', id: this.id });
      this.ended(reason);
    }

    ended(reason) {
      if (!this.active) return;
      this.active = false;
      microphones.delete(this.id);
      if (typeof this.onended === 'function') this.onended(reason);
    }
  }

  self.openMicrophone = (options = {}) => {
    const sampleRate = options.sampleRate ?? 16000;
    const chunkMs = options.chunkMs ?? 40;
    const id = ++microphoneIds;
    return new Promise((resolve, reject) => {
      microphones.set(id, { opening: true, sampleRate, chunkMs, resolve, reject });
      post({ type: 'mic-open', id, sampleRate, chunkMs });
    });
  };

  function onMicrophoneMessage(message) {
    const entry = microphones.get(message.id);
    if (!entry) return;
    if (message.type === 'mic-opened' && entry.opening) {
      const mic = new Microphone(message.id, entry.sampleRate, entry.chunkMs, message);
      microphones.set(message.id, mic);
      entry.resolve(mic);
    } else if (message.type === 'mic-error' && entry.opening) {
      microphones.delete(message.id);
      entry.reject(new Error(`openMicrophone: ${message.message}`));
    } else if (message.type === 'mic-chunk' && entry instanceof Microphone) {
      if (typeof entry.onchunk === 'function') entry.onchunk(message.samples);
    } else if (message.type === 'mic-ended' && entry instanceof Microphone) {
      entry.ended(message.reason);
    }
  }

  /** Queues 16-bit mono samples (an Int16Array, or little-endian bytes) to play in the page. */
  self.playAudio = (samples, sampleRate) => {
    let pcm = samples;
    if (samples instanceof ArrayBuffer) samples = new Uint8Array(samples);
    if (samples instanceof Uint8Array) {
      const view = new DataView(
        samples.buffer,
        samples.byteOffset,
        samples.byteLength - (samples.byteLength % 2),
      );
      pcm = new Int16Array(view.byteLength / 2);
      for (let i = 0; i < pcm.length; i++) pcm[i] = view.getInt16(i * 2, true);
    }
    if (!(pcm instanceof Int16Array))
      throw new TypeError('playAudio(samples, sampleRate): samples must be an Int16Array or PCM bytes');
    if (typeof sampleRate !== 'number')
      throw new TypeError('playAudio(samples, sampleRate): give the sample rate in Hz, e.g. 24000');
    // A view of a larger buffer would send all of it across.
    if (pcm.byteLength !== pcm.buffer.byteLength) pcm = pcm.slice();
    post({ type: 'audio-play', samples: pcm, sampleRate });
    return (pcm.length / sampleRate) * 1000;
  };

  /** Stops what is playing and drops what is queued: for `interrupted`. */
  self.stopAudio = () => post({ type: 'audio-stop' });

  // No network but WebSocket, and no storage (lessons/README.md, "Snippets").
  for (const name of [
    'fetch',
    'XMLHttpRequest',
    'importScripts',
    'EventSource',
    'WebTransport',
    'indexedDB',
    'caches',
  ]) {
    try {
      Object.defineProperty(self, name, { value: undefined, configurable: false, writable: false });
    } catch {
      // Not present here, or not removable: nothing to do.
    }
  }

  function report(error) {
    const text = error instanceof Error ? cleanStack(error) : `Uncaught ${inspect(error, 1, new Set())}`;
    post({ type: 'console', level: 'error', text: error instanceof Error ? `Uncaught ${text}` : text });
  }

  self.addEventListener('error', (event) => {
    event.preventDefault();
    report(event.error ?? new Error(event.message));
  });
  self.addEventListener('unhandledrejection', (event) => {
    event.preventDefault();
    report(event.reason);
  });

  let settled = false;
  let quiet = 0;
  function watchIdle() {
    nativeSetInterval(() => {
      if (!settled) return;
      quiet = sockets.size === 0 && timers.size === 0 && microphones.size === 0 ? quiet + 1 : 0;
      if (quiet === 2) post({ type: 'idle' });
    }, 150);
  }

  function run(message) {
    Object.defineProperty(self, 'ECHO_URL', { value: message.echoUrl, enumerable: true });
    Object.defineProperty(self, 'SERVER_URL', { value: message.serverUrl, enumerable: true });
    runCapability = typeof message.capability === 'string' ? message.capability : null;
    capabilityParam = message.capabilityParam;
    serverHost = new URL(message.serverUrl).host;
    const AsyncFunction = (async () => {}).constructor;
    let body;
    try {
      body = new AsyncFunction(message.code);
    } catch (error) {
      post({
        type: 'console',
        level: 'error',
        text: `${error.name}: ${error.message} — the snippet did not start`,
      });
      post({ type: 'idle' });
      return;
    }
    post({ type: 'started' });
    watchIdle();
    body().then(
      () => {
        settled = true;
      },
      (error) => {
        report(error);
        settled = true;
      },
    );
  }

  function stop() {
    for (const entry of [...microphones.values()]) {
      if (entry instanceof Microphone) entry.close('the run was stopped');
      else entry.reject(new Error('openMicrophone: the run was stopped'));
    }
    microphones.clear();
    for (const socket of sockets) {
      try {
        socket.close(1000, 'run stopped');
      } catch {
        // Already closing.
      }
    }
    post({ type: 'stopped', sockets: sockets.size });
  }

  self.addEventListener('message', (event) => {
    const message = event.data;
    if (!message || typeof message !== 'object') return;
    if (message.type === 'run') run(message);
    else if (message.type === 'stop') stop();
    else if (typeof message.type === 'string' && message.type.startsWith('mic-'))
      onMicrophoneMessage(message);
  });
  post({ type: 'ready' });
})();
