import { MediaError } from '../errors.js';

/**
 * Band-limited sample-rate conversion by a Kaiser-windowed sinc (polyphase). It runs once per
 * prompt load, not per frame, so it favours quality: 32 zero crossings each side of the kernel at
 * the lower of the two rates, β = 8 (about 80 dB of stopband), cutoff at 45 % of the lower rate so
 * that a 48 kHz → 8 kHz conversion keeps 0–3.4 kHz (the telephone band, ITU-T G.712) and folds
 * nothing back below it.
 */
const ZERO_CROSSINGS = 32;
const KAISER_BETA = 8;
const CUTOFF = 0.9; // fraction of the lower Nyquist frequency
/** Largest coefficient table (floats); beyond it phases are interpolated instead of exact. */
const TABLE_BUDGET = 1 << 20;
export const MAX_RATE = 384_000;

function besselI0(x: number): number {
  // Power series; converges fast for the β used here.
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

const gcd = (a: number, b: number): number => {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
};

function checkRate(rate: number): void {
  if (!Number.isInteger(rate) || rate <= 0 || rate > MAX_RATE) {
    throw new MediaError('MEDIA_BAD_AUDIO', `unsupported sample rate ${rate}`);
  }
}

/**
 * `rows` rows of `taps` coefficients; row k is the kernel for an output instant `k / divisor` of an
 * input sample after tap `-jMin`. Every row is normalised to a sum of 1 so that DC passes at unity
 * gain whatever the phase.
 */
function buildTable(
  rows: number,
  divisor: number,
  taps: number,
  jMin: number,
  fc: number,
  halfWidth: number,
): Float32Array {
  const table = new Float32Array(rows * taps);
  const i0Beta = besselI0(KAISER_BETA);
  for (let k = 0; k < rows; k++) {
    const frac = k / divisor;
    let sum = 0;
    for (let t = 0; t < taps; t++) {
      const d = jMin + t - frac; // distance in input samples
      let h = 0;
      if (Math.abs(d) < halfWidth) {
        const x = 2 * fc * d;
        const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
        const u = d / halfWidth;
        h = (2 * fc * sinc * besselI0(KAISER_BETA * Math.sqrt(1 - u * u))) / i0Beta;
      }
      table[k * taps + t] = h;
      sum += h;
    }
    if (sum !== 0) for (let t = 0; t < taps; t++) table[k * taps + t]! /= sum;
  }
  return table;
}

/** Converts mono float samples from `fromRate` to `toRate` (integer rates up to 384 kHz). */
export function resample(input: Float32Array, fromRate: number, toRate: number): Float32Array {
  checkRate(fromRate);
  checkRate(toRate);
  if (fromRate === toRate) return input.slice();

  const g = gcd(fromRate, toRate);
  const up = toRate / g; // output samples per period
  const down = fromRate / g; // input samples per period
  const n = input.length;
  const outLen = Math.ceil((n * up) / down);
  const out = new Float32Array(outLen);
  if (n === 0) return out;

  // Cutoff in cycles per input sample; the kernel widens when downsampling.
  const fc = 0.5 * CUTOFF * Math.min(1, toRate / fromRate);
  const halfWidth = ZERO_CROSSINGS / (2 * fc);
  const jMin = -Math.ceil(halfWidth);
  const jMax = Math.ceil(halfWidth) + 1;
  const taps = jMax - jMin + 1;

  // Exact polyphase when the table fits (every 8 kHz target with a common source rate), else a
  // grid of phases 1/rows apart, interpolated linearly; its last row is offset 1.0.
  const exact = up * taps <= TABLE_BUDGET;
  const rows = exact ? up : Math.max(64, Math.floor(TABLE_BUDGET / taps) - 1);
  const grid = exact
    ? buildTable(up, up, taps, jMin, fc, halfWidth)
    : buildTable(rows + 1, rows, taps, jMin, fc, halfWidth);

  let base = 0; // integer input position of output sample o
  let acc = 0; // fractional part, in 1/up of an input sample
  for (let o = 0; o < outLen; o++) {
    const tLo = Math.max(0, -(base + jMin));
    const tHi = Math.min(taps - 1, n - 1 - (base + jMin));
    let sum = 0;
    if (exact) {
      const row = acc * taps;
      for (let t = tLo, i = base + jMin + tLo; t <= tHi; t++, i++) sum += input[i]! * grid[row + t]!;
    } else {
      const pos = (acc / up) * rows;
      const r = Math.floor(pos);
      const w = pos - r;
      const row0 = r * taps;
      const row1 = row0 + taps;
      for (let t = tLo, i = base + jMin + tLo; t <= tHi; t++, i++) {
        const c0 = grid[row0 + t]!;
        sum += input[i]! * (c0 + (grid[row1 + t]! - c0) * w);
      }
    }
    out[o] = sum;
    acc += down;
    if (acc >= up) {
      const step = Math.floor(acc / up);
      base += step;
      acc -= step * up;
    }
  }
  return out;
}
