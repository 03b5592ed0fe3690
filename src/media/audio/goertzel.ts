/**
 * Goertzel single-bin DFT. Used to check tones and prompts (and later by DTMF detection): it costs
 * one multiply-add per sample per frequency, far less than an FFT when only a few bins matter.
 * The frequency need not fall on an FFT bin: the magnitude formula is the DTFT at that frequency.
 */

/** Int16 samples are scaled to ±1 so that both array kinds give the same numbers. */
const scaleOf = (samples: Int16Array | Float32Array): number =>
  samples instanceof Int16Array ? 1 / 32768 : 1;

/**
 * Power of the `freq` component over `length` samples from `offset`, normalised so that a sine of
 * amplitude A (full scale = 1) gives A²/2, its mean-square value; a full-scale sine gives 0.5.
 */
export function goertzelPower(
  samples: Int16Array | Float32Array,
  sampleRate: number,
  freq: number,
  offset = 0,
  length = samples.length - offset,
): number {
  if (length <= 0) return 0;
  const scale = scaleOf(samples);
  const coeff = 2 * Math.cos((2 * Math.PI * freq) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  const end = offset + length;
  for (let i = offset; i < end; i++) {
    const s0 = samples[i]! * scale + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const mag2 = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * mag2) / (length * length);
}

/** Mean-square value of a window, same scale as goertzelPower. */
export function meanSquare(
  samples: Int16Array | Float32Array,
  offset = 0,
  length = samples.length - offset,
): number {
  if (length <= 0) return 0;
  const scale = scaleOf(samples);
  let acc = 0;
  const end = offset + length;
  for (let i = offset; i < end; i++) {
    const v = samples[i]! * scale;
    acc += v * v;
  }
  return acc / length;
}

/**
 * The strongest of `candidates` over the whole array. `ratio` is its power over the total
 * mean-square power of the signal (1 for a pure tone, small for noise or another tone; 0 for
 * silence), so a caller can tell a clean tone from a loud mixture.
 */
export function dominantFrequency(
  samples: Int16Array | Float32Array,
  sampleRate: number,
  candidates: number[],
): { freq: number; power: number; ratio: number } {
  let best = { freq: Number.NaN, power: 0 };
  for (const freq of candidates) {
    const power = goertzelPower(samples, sampleRate, freq);
    if (Number.isNaN(best.freq) || power > best.power) best = { freq, power };
  }
  const total = meanSquare(samples);
  return { ...best, ratio: total > 0 ? best.power / total : 0 };
}
