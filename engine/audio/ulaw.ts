/**
 * G.711 μ-law and A-law companding, table-driven.
 *
 * The tables are filled once from the ITU-T G.191 reference algorithms (g711.c: ulaw_compress,
 * ulaw_expand, alaw_compress, alaw_expand), so results match the reference bit for bit: μ-law
 * 0xFF → 0, 0x80 → +32124, 0x00 → -32124; A-law 0xD5 → +8, 0xAA → +32256. The reference takes
 * the magnitude of a negative sample as its one's complement (~x), so -1 encodes as negative zero
 * (μ-law 0x7F, A-law 0x55); Asterisk's own tables negate instead, which differs by one step only
 * for negative samples lying exactly on a decision boundary.
 */
import { fromSamples, samples } from './pcm.js';

/** G.191 ulaw_compress for one 16-bit sample. */
function ulawCompressReference(x: number): number {
  let absno = x < 0 ? (~x >> 2) + 33 : (x >> 2) + 33;
  if (absno > 0x1fff) absno = 0x1fff;
  let i = absno >> 6;
  let segno = 1;
  while (i !== 0) {
    segno++;
    i >>= 1;
  }
  const highNibble = 0x0008 - segno;
  const lowNibble = 0x000f - ((absno >> segno) & 0x000f);
  let code = (highNibble << 4) | lowNibble;
  if (x >= 0) code |= 0x0080;
  return code;
}

/** G.191 ulaw_expand for one code byte. */
function ulawExpandReference(code: number): number {
  const sign = code < 0x80 ? -1 : 1;
  const inverted = ~code;
  const exponent = (inverted >> 4) & 0x07;
  const segment = exponent + 1;
  const mantissa = inverted & 0x0f;
  const step = 4 << segment;
  return sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33);
}

/** G.191 alaw_compress for one 16-bit sample. */
function alawCompressReference(x: number): number {
  let ix = x < 0 ? ~x >> 4 : x >> 4;
  if (ix > 15) {
    let iexp = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      iexp++;
    }
    ix -= 16;
    ix += iexp << 4;
  }
  if (x >= 0) ix |= 0x0080;
  return ix ^ 0x0055;
}

/** G.191 alaw_expand for one code byte. */
function alawExpandReference(code: number): number {
  const ix = (code ^ 0x0055) & 0x007f;
  const iexp = ix >> 4;
  let mant = ix & 0x000f;
  if (iexp > 0) mant += 16;
  mant = (mant << 4) + 0x0008;
  if (iexp > 1) mant <<= iexp - 1;
  return code > 127 ? mant : -mant;
}

function buildEncodeTable(compress: (x: number) => number): Uint8Array {
  // Indexed by the sample's 16-bit pattern (sample & 0xffff).
  const table = new Uint8Array(65536);
  for (let x = -32768; x <= 32767; x++) table[x & 0xffff] = compress(x);
  return table;
}

function buildDecodeTable(expand: (code: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) table[code] = expand(code);
  return table;
}

const ULAW_ENCODE = buildEncodeTable(ulawCompressReference);
const ULAW_DECODE = buildDecodeTable(ulawExpandReference);
const ALAW_ENCODE = buildEncodeTable(alawCompressReference);
const ALAW_DECODE = buildDecodeTable(alawExpandReference);

function encodeWith(table: Uint8Array, pcm: Buffer): Buffer {
  const s = samples(pcm);
  const out = Buffer.alloc(s.length);
  for (let i = 0; i < s.length; i++) out[i] = table[s[i] & 0xffff];
  return out;
}

function decodeWith(table: Int16Array, codes: Buffer): Buffer {
  const out = new Int16Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = table[codes[i]];
  return fromSamples(out);
}

/** μ-law code byte for one 16-bit sample. */
export function ulawEncodeSample(sample: number): number {
  return ULAW_ENCODE[sample & 0xffff];
}

/** 16-bit sample for one μ-law code byte. */
export function ulawDecodeSample(code: number): number {
  return ULAW_DECODE[code & 0xff];
}

/** A-law code byte for one 16-bit sample. */
export function alawEncodeSample(sample: number): number {
  return ALAW_ENCODE[sample & 0xffff];
}

/** 16-bit sample for one A-law code byte. */
export function alawDecodeSample(code: number): number {
  return ALAW_DECODE[code & 0xff];
}

/** s16le PCM → μ-law, one byte per sample. */
export function ulawEncode(pcm: Buffer): Buffer {
  return encodeWith(ULAW_ENCODE, pcm);
}

/** μ-law → s16le PCM, two bytes per code. */
export function ulawDecode(ulaw: Buffer): Buffer {
  return decodeWith(ULAW_DECODE, ulaw);
}

/** s16le PCM → A-law, one byte per sample. */
export function alawEncode(pcm: Buffer): Buffer {
  return encodeWith(ALAW_ENCODE, pcm);
}

/** A-law → s16le PCM, two bytes per code. */
export function alawDecode(alaw: Buffer): Buffer {
  return decodeWith(ALAW_DECODE, alaw);
}
