import { MediaError } from '../errors.js';

/**
 * G.711 µ-law (PCMU) and A-law (PCMA), ITU-T G.711 (11/88). Decoding is a 256-entry table per law.
 * Encoding is a 16384-entry table indexed by the top 14 bits of the 16-bit sample: µ-law quantises
 * 14 bits and A-law 13, so the table is exact, and a frame costs one shift and one load per sample.
 *
 * The arithmetic follows the ITU-T G.191 reference (STL g711.c): decoded values are the centres of
 * the G.711 decision intervals scaled to 16 bits (µ-law ±32124, A-law ±32256), and negative input
 * is quantised on its one's complement so that the codes are symmetric around zero.
 */
export type G711Law = 'pcmu' | 'pcma';

function ulawExpand(code: number): number {
  const sign = code < 0x80 ? -1 : 1;
  const inv = ~code & 0xff;
  const exponent = (inv >> 4) & 0x07;
  const mantissa = inv & 0x0f;
  const step = 4 << (exponent + 1);
  return sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33);
}

function alawExpand(code: number): number {
  const ix = (code ^ 0x55) & 0x7f;
  const exponent = ix >> 4;
  let mantissa = ix & 0x0f;
  if (exponent > 0) mantissa += 16;
  mantissa = (mantissa << 4) + 8;
  if (exponent > 1) mantissa <<= exponent - 1;
  return code > 127 ? mantissa : -mantissa;
}

function ulawCompress(lin: number): number {
  // One's complement of negatives (G.191): -1 lands on the negative zero code 0x7F, not on -8.
  let absno = (lin < 0 ? ~lin >> 2 : lin >> 2) + 33;
  if (absno > 0x1fff) absno = 0x1fff;
  let segment = 1;
  for (let i = absno >> 6; i !== 0; i >>= 1) segment++;
  const high = 8 - segment;
  const low = 0x0f - ((absno >> segment) & 0x0f);
  const out = (high << 4) | low;
  return lin >= 0 ? out | 0x80 : out;
}

function alawCompress(lin: number): number {
  let ix = lin < 0 ? ~lin >> 4 : lin >> 4;
  if (ix > 15) {
    let exponent = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      exponent++;
    }
    ix -= 16;
    ix += exponent << 4;
  }
  if (lin >= 0) ix |= 0x80;
  return ix ^ 0x55; // even bits inverted on the line (G.711 §3)
}

function decodeTable(expand: (code: number) => number): Int16Array {
  const t = new Int16Array(256);
  for (let c = 0; c < 256; c++) t[c] = expand(c);
  return t;
}

function encodeTable(compress: (lin: number) => number): Uint8Array {
  const t = new Uint8Array(16384);
  // Index = (sample >> 2) & 0x3FFF; both laws depend only on those 14 bits.
  for (let k = -8192; k < 8192; k++) t[k & 0x3fff] = compress(k << 2);
  return t;
}

const ULAW_DECODE = decodeTable(ulawExpand);
const ALAW_DECODE = decodeTable(alawExpand);
const ULAW_ENCODE = encodeTable(ulawCompress);
const ALAW_ENCODE = encodeTable(alawCompress);

export const ulawToLinear = (code: number): number => ULAW_DECODE[code & 0xff]!;
export const alawToLinear = (code: number): number => ALAW_DECODE[code & 0xff]!;
export const linearToUlaw = (sample: number): number => ULAW_ENCODE[(sample >> 2) & 0x3fff]!;
export const linearToAlaw = (sample: number): number => ALAW_ENCODE[(sample >> 2) & 0x3fff]!;

function badRange(what: string): never {
  throw new MediaError('MEDIA_BAD_AUDIO', `G.711 ${what}: range outside the buffer`);
}

/** Decodes `count` code words of `payload` into `out` from `outOffset`. */
export function decodeG711(
  payload: Uint8Array,
  law: G711Law,
  out: Int16Array,
  outOffset = 0,
  count = payload.length,
): void {
  if (count < 0 || count > payload.length || outOffset < 0 || outOffset + count > out.length) {
    badRange('decode');
  }
  const table = law === 'pcmu' ? ULAW_DECODE : ALAW_DECODE;
  for (let i = 0; i < count; i++) out[outOffset + i] = table[payload[i]!]!;
}

/** Encodes `count` samples of `pcm` from `pcmOffset` into `out` from `outOffset`. */
export function encodeG711(
  pcm: Int16Array,
  law: G711Law,
  out: Uint8Array,
  pcmOffset = 0,
  count = pcm.length - pcmOffset,
  outOffset = 0,
): void {
  if (
    count < 0 ||
    pcmOffset < 0 ||
    pcmOffset + count > pcm.length ||
    outOffset < 0 ||
    outOffset + count > out.length
  ) {
    badRange('encode');
  }
  const table = law === 'pcmu' ? ULAW_ENCODE : ALAW_ENCODE;
  for (let i = 0; i < count; i++) out[outOffset + i] = table[(pcm[pcmOffset + i]! >> 2) & 0x3fff]!;
}
