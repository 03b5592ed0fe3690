import { describe, expect, it } from 'vitest';
import { MediaError } from '../errors.js';
import { dominantFrequency, goertzelPower, meanSquare } from './goertzel.js';
import { resample } from './resample.js';

const tone = (freq: number, rate: number, seconds: number, amp = 0.5): Float32Array =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) =>
    amp * Math.sin((2 * Math.PI * freq * i) / rate),
  );

/** The middle of a signal, away from the filter's edge transients. */
const middle = (x: Float32Array, rate: number): Float32Array =>
  x.subarray(Math.round(rate * 0.1), x.length - Math.round(rate * 0.1));

describe('resample', () => {
  for (const from of [44100, 48000, 16000, 22050, 11025, 96000, 192000, 32000]) {
    it(`keeps a 1 kHz tone at 1 kHz from ${from} Hz to 8 kHz`, () => {
      const input = tone(1000, from, 0.5);
      const out = resample(input, from, 8000);
      expect(out.length).toBe(Math.ceil((input.length * 8000) / from));
      const mid = middle(out, 8000);
      const d = dominantFrequency(mid, 8000, [500, 800, 1000, 1200, 2000, 3000]);
      expect(d.freq).toBe(1000);
      expect(d.ratio).toBeGreaterThan(0.99);
      // Unity gain in the passband (within 0.1 dB).
      expect(Math.abs(10 * Math.log10(d.power / 0.125))).toBeLessThan(0.1);
    });
  }

  it('attenuates a 6 kHz tone at 48 kHz by more than 40 dB instead of aliasing it to 2 kHz', () => {
    const out = middle(resample(tone(6000, 48000, 0.5), 48000, 8000), 8000);
    const alias = goertzelPower(out, 8000, 2000);
    expect(10 * Math.log10(alias / 0.125)).toBeLessThan(-40);
    expect(10 * Math.log10(meanSquare(out) / 0.125)).toBeLessThan(-40);
  });

  it('passes 3.3 kHz and stops 4.3 kHz from 44.1 kHz', () => {
    const pass = middle(resample(tone(3300, 44100, 0.5), 44100, 8000), 8000);
    expect(10 * Math.log10(meanSquare(pass) / 0.125)).toBeGreaterThan(-1);
    const stop = middle(resample(tone(4300, 44100, 0.5), 44100, 8000), 8000);
    expect(10 * Math.log10(meanSquare(stop) / 0.125)).toBeLessThan(-40);
  });

  it('upsamples without imaging', () => {
    const out = middle(resample(tone(1000, 8000, 0.5), 8000, 48000), 48000);
    expect(out.length).toBeGreaterThan(10000);
    const d = dominantFrequency(out, 48000, [1000, 7000, 9000]);
    expect(d.freq).toBe(1000);
    expect(d.ratio).toBeGreaterThan(0.999);
  });

  it('handles ratios with a large reduced denominator (phase interpolation)', () => {
    const out = resample(tone(1000, 44101, 0.3), 44101, 8000);
    expect(out.length).toBe(Math.ceil((13230 * 8000) / 44101));
    const d = dominantFrequency(middle(out, 8000), 8000, [900, 1000, 1100]);
    expect(d.freq).toBe(1000);
    expect(d.ratio).toBeGreaterThan(0.99);
  });

  it('is the identity when the rates are equal', () => {
    const x = tone(1000, 8000, 0.1);
    const y = resample(x, 8000, 8000);
    expect(Array.from(y)).toEqual(Array.from(x));
    expect(y).not.toBe(x);
  });

  it('keeps DC at unity gain and handles empty input', () => {
    const out = resample(new Float32Array(4410).fill(0.25), 44100, 8000);
    expect(out[400]).toBeCloseTo(0.25, 5);
    expect(resample(new Float32Array(0), 44100, 8000).length).toBe(0);
  });

  it('rejects bad rates', () => {
    expect(() => resample(new Float32Array(4), 0, 8000)).toThrow(MediaError);
    expect(() => resample(new Float32Array(4), 44100.5, 8000)).toThrow(MediaError);
    expect(() => resample(new Float32Array(4), 500000, 8000)).toThrow(MediaError);
  });
});
