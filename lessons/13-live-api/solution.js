// Lesson 13: a realtime AI session over one WebSocket, against the local Live API stand-in.
// Same path and JSON as Google's public endpoint, under /live, and like it the stand-in sends its
// JSON in binary frames (add binary=0 for text frames). chunkMs=10 and silenceMs=200 keep every
// answer quick; goAwayAfter=300 makes the server announce the end of a session early.
const LIVE_URL =
  SERVER_URL + '/live/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent';
const FAST = 'chunkMs=10&silenceMs=200';
const MODEL = 'models/gemini-live-2.5-flash-preview'; // a Live model: others are refused

const sessions = []; // every session opened, so the end (or the safety net) can close them all

function send(session, message) {
  session.socket.send(JSON.stringify(message));
}

// A text frame arrives as a string; a binary frame as an ArrayBuffer, because openSession sets
// binaryType to 'arraybuffer' (the default would be a Blob, readable only with an await). Either
// way the bytes are UTF-8 JSON, decoded here at once, so messages are handled in wire order.
const utf8 = new TextDecoder();
function messageText(data) {
  return typeof data === 'string' ? data : utf8.decode(data);
}

function sendTurn(session, text) {
  send(session, { clientContent: { turns: [{ role: 'user', parts: [{ text }] }], turnComplete: true } });
}

// Step 1: connect, send `setup` first, and resolve once the server answers `setupComplete`.
function openSession(query, modality, extra = {}) {
  return new Promise((resolve, reject) => {
    const session = { socket: new WebSocket(`${LIVE_URL}?${query}`), onMessage: null };
    session.goingAway = false; // the server said goAway: move on between two turns (step 6)
    session.resumeHandle = null; // the latest handle that can resume this session (step 6)
    session.socket.binaryType = 'arraybuffer';
    sessions.push(session);
    session.socket.onopen = () => {
      // The first message must be `setup`, and only one: it fixes the model and the modality.
      send(session, { setup: { model: MODEL, generationConfig: { responseModalities: [modality] }, ...extra } });
    };
    session.socket.onmessage = (event) => {
      const message = JSON.parse(messageText(event.data));
      if (message.setupComplete) {
        console.log(`session ready (${modality})`);
        resolve(session);
      } else if (message.goAway) {
        console.log(`goAway: this session ends in ${message.goAway.timeLeft}`);
        session.goingAway = true;
      } else if (message.sessionResumptionUpdate) {
        // Only a resumable update carries a handle; keep the newest one.
        const update = message.sessionResumptionUpdate;
        if (update.resumable && update.newHandle) session.resumeHandle = update.newHandle;
      } else {
        session.onMessage?.(message);
      }
    };
    session.socket.onclose = (event) => {
      console.log(`session closed: ${event.code} ${event.reason}`);
      reject(new Error(`closed with ${event.code} before setupComplete`));
    };
  });
}

// Step 2: one text turn; the answer streams in parts until `turnComplete`.
function textTurn(session, text) {
  return new Promise((resolve) => {
    let answer = '';
    session.onMessage = (message) => {
      const content = message.serverContent;
      if (!content) return;
      for (const part of content.modelTurn?.parts ?? []) {
        if (part.text === undefined) continue;
        console.log('part:', JSON.stringify(part.text));
        answer += part.text;
      }
      if (content.turnComplete) {
        session.contextTokens = message.usageMetadata?.totalTokenCount; // everything read and said
        console.log('turnComplete; the whole answer:', answer);
        resolve(answer);
      }
    };
    sendTurn(session, text);
  });
}

// Step 3: speech-like audio without a microphone: a 220 Hz tone whose loudness rises and falls
// like two syllables, then silence. 16-bit little-endian mono PCM at 16 kHz.
const INPUT_RATE = 16000;
function speechLikePcm() {
  const speech = 0.4 * INPUT_RATE; // 400 ms of "speech"
  const quiet = 0.32 * INPUT_RATE; // then 320 ms of silence: longer than silenceMs
  const bytes = new Uint8Array((speech + quiet) * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < speech; i++) {
    const t = i / INPUT_RATE;
    const envelope = Math.sin((Math.PI * i) / speech) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 5 * t));
    view.setInt16(i * 2, Math.round(12000 * envelope * Math.sin(2 * Math.PI * 220 * t)), true);
  }
  return bytes; // the rest is already zero: silence
}

function toBase64(bytes) {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const CHUNK_MS = 40;
function speak(session) {
  return new Promise((resolve) => {
    let received = 0; // bytes of 24 kHz audio that came back
    session.onMessage = (message) => {
      const content = message.serverContent;
      if (!content) return;
      for (const part of content.modelTurn?.parts ?? []) {
        if (part.inlineData) received += atob(part.inlineData.data).length;
      }
      if (content.turnComplete) {
        const seconds = received / 2 / 24000; // 2 bytes a sample, 24000 samples a second
        console.log(`answer: ${received} bytes of audio/pcm;rate=24000 = ${seconds.toFixed(2)} s`);
        resolve(seconds);
      }
    };
    const pcm = speechLikePcm();
    const chunkBytes = (INPUT_RATE * CHUNK_MS) / 1000 * 2; // 640 samples = 1280 bytes
    let offset = 0;
    const sendNext = () => {
      const chunk = pcm.subarray(offset, offset + chunkBytes);
      send(session, { realtimeInput: { audio: { mimeType: 'audio/pcm;rate=16000', data: toBase64(chunk) } } });
      offset += chunkBytes;
      if (offset < pcm.length) setTimeout(sendNext, CHUNK_MS); // in real time, as a microphone would
      else console.log(`sent ${pcm.length / chunkBytes} chunks of ${CHUNK_MS} ms`);
    };
    sendNext();
  });
}

// Step 4: your own voice. A worker has no microphone and no speaker, so the page lends it both:
// openMicrophone() records, resamples to 16 kHz and hands over Int16Array chunks; playAudio()
// queues PCM on the page's speaker and stopAudio() silences it.
function pcmBytes(samples) {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  samples.forEach((sample, i) => view.setInt16(i * 2, sample, true)); // little-endian, always
  return bytes;
}

function fromBase64(base64) {
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0)); // 16-bit LE samples, as sent
}

async function talk(session, seconds) {
  const mic = await openMicrophone({ sampleRate: INPUT_RATE, chunkMs: CHUNK_MS });
  console.log(`recording for ${seconds} s: ${mic.deviceRate} Hz from the sound card, ${mic.sampleRate} Hz to the server`);
  let chunks = 0;
  let answered = 0; // ms of answer queued on the speaker
  let finished = null;
  let heard = ''; // a transcription streams in pieces; `finished` marks the last one
  session.onMessage = (message) => {
    const content = message.serverContent;
    if (!content) return;
    if (content.inputTranscription) {
      heard += content.inputTranscription.text ?? '';
      if (content.inputTranscription.finished) {
        console.log('heard:', heard);
        heard = '';
      }
    }
    if (content.interrupted) stopAudio(); // you spoke over the answer: silence it at once
    for (const part of content.modelTurn?.parts ?? []) {
        if (part.inlineData) answered += playAudio(fromBase64(part.inlineData.data), 24000);
    }
    if (content.turnComplete) finished?.();
  };
  mic.onchunk = (samples) => {
    chunks++;
      send(session, { realtimeInput: { audio: { mimeType: 'audio/pcm;rate=16000', data: toBase64(pcmBytes(samples)) } } });
  };
  await new Promise((wake) => setTimeout(wake, seconds * 1000));
  mic.stop();
  // The microphone is off: tell the server, so it answers what it has heard so far.
  send(session, { realtimeInput: { audioStreamEnd: true } });
  await new Promise((wake) => {
    finished = wake;
    setTimeout(wake, 1500); // nothing heard, nothing to answer
  });
  console.log(`sent ${chunks} chunks of ${CHUNK_MS} ms; ${(answered / 1000).toFixed(2)} s of answer played`);
}

// Step 5: barge in. As soon as the first part of a long answer arrives, send a new turn.
function interruptTurn(session) {
  return new Promise((resolve) => {
    let bargedIn = false;
    let completed = 0; // every turn ends with turnComplete, an interrupted one too
    session.onMessage = (message) => {
      const content = message.serverContent;
      if (!content) return;
      if (content.interrupted) console.log('interrupted: the rest of the first answer will not come');
      for (const part of content.modelTurn?.parts ?? []) if (part.text) console.log('part:', JSON.stringify(part.text));
      if (content.modelTurn && !bargedIn) {
        bargedIn = true;
        sendTurn(session, 'Stop, just say hi.');
      }
      if (content.turnComplete) {
        console.log('turnComplete');
        if (++completed === (bargedIn ? 2 : 1)) resolve();
      }
    };
    sendTurn(session, 'Tell me everything about frames, masks, opcodes, close codes, ping, pong, and why the handshake needs a key at all, slowly.');
  });
}

// Step 6: goAway. Move the conversation to a new connection before the old one is cut off, and
// resume the session there: `sessionResumption` in setup asks for handles, and a handle resumes.
async function conversation(questions) {
  let session = await openSession(`${FAST}&goAwayAfter=300&goAwayMs=2000`, 'TEXT', { sessionResumption: {} });
  for (const question of questions) {
    if (session.goingAway) {
      // Between two turns, the latest handle holds the whole conversation.
      const old = session;
      session = await openSession(FAST, 'TEXT', { sessionResumption: { handle: old.resumeHandle } });
      old.socket.close(1000, 'goAway: moved to a new session');
    }
    await textTurn(session, question);
    console.log(`context: ${session.contextTokens} tokens`);
    await new Promise((wake) => setTimeout(wake, 150)); // the user thinks
  }
}

const safetyNet = setTimeout(() => {
  console.log('time is up');
  for (const session of sessions) session.socket.close(1000, 'time is up');
}, 20000);

async function main() {
  try {
    const text = await openSession(FAST, 'TEXT');
    await textTurn(text, 'Hello, live API');
    await interruptTurn(text);

    const voice = await openSession(FAST, 'AUDIO');
    await speak(voice);
    const microphone = await openSession(FAST, 'AUDIO', { inputAudioTranscription: {} });
    try {
      await talk(microphone, 3);
    } catch (error) {
      // No microphone, or no permission: the rest of the lesson needs neither.
      console.log(`skipping the microphone: ${error.message}`);
    }

    await conversation(['first question', 'second question', 'third question', 'fourth question']);
  } catch (error) {
    console.log('stopped:', error.message);
  } finally {
    clearTimeout(safetyNet);
    for (const session of sessions) session.socket.close(1000, 'done');
  }
}

main();
