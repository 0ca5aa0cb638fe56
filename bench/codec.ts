/**
 * Scenario 1, codec: AudioSocket parse and serialize throughput (engine/audiosocket/codec.ts).
 *
 * Audio frames of 320 B (20 ms at 8 kHz) and 640 B (20 ms at 16 kHz). Serializing is
 * encodeAudio(); parsing pushes a prepared stream into one AudioSocketParser in chunks of one
 * frame (how TCP mostly delivers them at low load), 64 KiB (a burst read) and 1 byte (the worst
 * split the parser must survive). Chunks are cut before the clock starts, so only the codec is
 * timed. Each case runs CODEC_SECONDS (default 1) after a warm-up; the best of CODEC_ROUNDS
 * (default 3) is kept. "× 500 calls" is the rate over what 500 calls need in one direction
 * (500 × 50 frames/s = 25,000 frames/s).
 */
import { performance } from 'node:perf_hooks';
import { AudioSocketParser, encodeAudio, HEADER_BYTES } from '../engine/audiosocket/codec.js';
import { Report } from './lib/report.js';
import { int, num } from './lib/table.js';

const SECONDS = Number(process.env.CODEC_SECONDS ?? 1);
const ROUNDS = Number(process.env.CODEC_ROUNDS ?? 3);
const NEEDED_AT_500 = 500 * 50;

interface Rate {
  frames: number;
  bytes: number;
  ms: number;
}

/** Runs `batch` (which returns the frames and bytes it handled) for SECONDS; best of ROUNDS. */
function measure(batch: () => { frames: number; bytes: number }): { framesPerS: number; mbPerS: number } {
  const run = (seconds: number): Rate => {
    let frames = 0;
    let bytes = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < seconds * 1000) {
      const r = batch();
      frames += r.frames;
      bytes += r.bytes;
      t = performance.now();
    }
    return { frames, bytes, ms: t - t0 };
  };
  run(Math.min(0.3, SECONDS)); // warm-up: JIT, buffer pools
  let best = { framesPerS: 0, mbPerS: 0 };
  for (let i = 0; i < ROUNDS; i++) {
    const r = run(SECONDS);
    const framesPerS = (r.frames / r.ms) * 1000;
    if (framesPerS > best.framesPerS) best = { framesPerS, mbPerS: (r.bytes / r.ms) * 1000 / 1024 / 1024 };
  }
  return best;
}

function pcm(bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 2) b.writeInt16LE(Math.round(Math.sin(i / 7) * 8000), i);
  return b;
}

function serialize(payloadBytes: number) {
  const rate = payloadBytes === 320 ? 8000 : 16000;
  const payload = pcm(payloadBytes);
  const wire = HEADER_BYTES + payloadBytes;
  return measure(() => {
    for (let i = 0; i < 1000; i++) encodeAudio(rate, payload);
    return { frames: 1000, bytes: 1000 * wire };
  });
}

/** A stream of `frames` audio frames cut into chunks of `chunkBytes` (0 = one frame per chunk). */
function chunks(payloadBytes: number, frames: number, chunkBytes: number): { chunks: Buffer[]; bytes: number } {
  const rate = payloadBytes === 320 ? 8000 : 16000;
  const one = encodeAudio(rate, pcm(payloadBytes));
  if (chunkBytes === 0) return { chunks: Array.from({ length: frames }, () => Buffer.from(one)), bytes: one.length * frames };
  const stream = Buffer.concat(Array.from({ length: frames }, () => one));
  const out: Buffer[] = [];
  for (let o = 0; o < stream.length; o += chunkBytes) out.push(stream.subarray(o, Math.min(stream.length, o + chunkBytes)));
  return { chunks: out, bytes: stream.length };
}

function parse(payloadBytes: number, chunkBytes: number) {
  // Fewer frames per batch for 1-byte chunks: each byte is a Buffer view held in memory.
  const frames = chunkBytes === 1 ? 200 : 2000;
  const { chunks: parts, bytes } = chunks(payloadBytes, frames, chunkBytes);
  let seen = 0;
  const parser = new AudioSocketParser({ onFrame: () => void seen++, onError: (e) => { throw e; } });
  const result = measure(() => {
    for (const c of parts) parser.push(c);
    return { frames, bytes };
  });
  if (seen === 0 || parser.failed || parser.bufferedBytes !== 0) throw new Error('parser did not consume the stream cleanly');
  return result;
}

function main(): void {
  const report = new Report('codec', 'AudioSocket parse and serialize throughput', { seconds: SECONDS, rounds: ROUNDS });
  const rows: (string | number)[][] = [];
  const data: Record<string, { framesPerS: number; mbPerS: number }> = {};
  for (const size of [320, 640]) {
    const cases: Array<[string, () => { framesPerS: number; mbPerS: number }]> = [
      ['serialize (encodeAudio)', () => serialize(size)],
      ['parse, 1-frame chunks', () => parse(size, 0)],
      ['parse, 64 KiB chunks', () => parse(size, 64 * 1024)],
      ['parse, 1-byte chunks', () => parse(size, 1)],
    ];
    for (const [name, fn] of cases) {
      report.progress(`${name} ${size} B`);
      const r = fn();
      data[`${name} ${size}B`] = r;
      rows.push([name, `${size} B`, int(r.framesPerS), num(r.mbPerS, 1), `${num(r.framesPerS / NEEDED_AT_500, 1)}x`]);
    }
  }
  report.table('Throughput (one core, best round)', ['operation', 'payload', 'frames/s', 'MB/s', 'x 500 calls'], rows);
  report.data.rates = data;
  const oneByte = Math.min(data['parse, 1-byte chunks 320B'].framesPerS, data['parse, 1-byte chunks 640B'].framesPerS);
  report.note(
    `1-byte chunks are the adversarial split (a peer trickling bytes; TCP reads normally carry whole frames): ${int(oneByte)} frames/s at worst, ${num(oneByte / NEEDED_AT_500, 1)}x what 500 calls send one way`,
  );
  report.finish();
}

main();
