// Runs on the audio rendering thread: hands the microphone's samples to the page in blocks of
// about 20 ms (1024 frames), not the 128-frame render quanta, to keep the messages few.
class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.block = new Float32Array(1024);
    this.filled = 0;
  }

  process(inputs) {
    const channel = inputs[0]?.[0];
    if (channel) {
      let at = 0;
      while (at < channel.length) {
        const take = Math.min(this.block.length - this.filled, channel.length - at);
        this.block.set(channel.subarray(at, at + take), this.filled);
        this.filled += take;
        at += take;
        if (this.filled === this.block.length) {
          this.port.postMessage(this.block, [this.block.buffer]);
          this.block = new Float32Array(1024);
          this.filled = 0;
        }
      }
    }
    return true;
  }
}

registerProcessor('wslab-capture', CaptureProcessor);
