/**
 * Hands out a response's audio in chunks, paced like a streaming TTS: faster than real time, in
 * order, and stoppable at once.
 *
 * Pacing follows a monotonic deadline (chunk i is due at start + i * interval), so timer lateness
 * never accumulates into drift; the clock is injectable for tests.
 */

/** Splits linear16 PCM into chunks of `chunkMs` (the last one may be shorter), on sample bounds. */
export function splitPcm(pcm: Buffer, sampleRate: number, chunkMs: number): Buffer[] {
  const bytesPerChunk = Math.max(2, Math.round((sampleRate * chunkMs) / 1000) * 2);
  const usable = pcm.length - (pcm.length % 2); // an odd trailing byte is not a sample
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < usable; offset += bytesPerChunk) {
    chunks.push(pcm.subarray(offset, Math.min(offset + bytesPerChunk, usable)));
  }
  return chunks;
}

export interface PacedSendOptions {
  chunks: readonly Buffer[];
  /** Time between two chunks, in ms; 0 hands out every chunk at once. */
  intervalMs: number;
  onChunk: (chunk: Buffer) => void;
  /** Called once after the last chunk; never after cancel(). */
  onDone: () => void;
  /** Monotonic clock in ms. Default: performance.now. */
  now?: () => number;
}

export interface PacedSend {
  /** Stops at once: no further onChunk or onDone. Safe to call twice. */
  cancel(): void;
  readonly active: boolean;
}

/** Starts sending: the first chunk goes out synchronously, the rest on their deadlines. */
export function sendPaced(options: PacedSendOptions): PacedSend {
  const { chunks, intervalMs, onChunk, onDone } = options;
  const now = options.now ?? (() => performance.now());
  const startedAt = now();
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  let active = true;

  const pump = (): void => {
    timer = undefined;
    // Send every chunk whose deadline has passed (all of them when intervalMs is 0). A listener
    // may cancel from inside onChunk, so `active` is checked before each one.
    while (active && next < chunks.length && (intervalMs <= 0 || startedAt + next * intervalMs <= now() + 1)) {
      onChunk(chunks[next++]);
    }
    if (!active) return;
    if (next >= chunks.length) {
      active = false;
      onDone();
      return;
    }
    const dueIn = startedAt + next * intervalMs - now();
    timer = setTimeout(pump, Math.max(0, dueIn));
  };

  pump();
  return {
    cancel() {
      active = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    get active() {
      return active;
    },
  };
}
