import { describe, expect, it } from 'vitest';
import { dominantFrequency, goertzelPower, meanSquare } from './goertzel.js';

const tone = (freq: number, rate: number, n: number, amp = 1): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / rate));

describe('goertzelPower', () => {
  it('gives A²/2 for a sine of amplitude A on a bin', () => {
    expect(goertzelPower(tone(1000, 8000, 800, 0.5), 8000, 1000)).toBeCloseTo(0.125, 4);
  });

  it('scales Int16 input to full scale 1', () => {
    const pcm = Int16Array.from(tone(1000, 8000, 800, 16384));
    expect(goertzelPower(pcm, 8000, 1000)).toBeCloseTo(0.125, 3);
  });

  it('rejects other frequencies', () => {
    const x = tone(1000, 8000, 800);
    expect(goertzelPower(x, 8000, 1500)).toBeLessThan(1e-6);
  });

  it('honours offset and length', () => {
    const x = new Float32Array(1600);
    x.set(tone(700, 8000, 800), 800);
    expect(goertzelPower(x, 8000, 700, 0, 800)).toBe(0);
    expect(goertzelPower(x, 8000, 700, 800)).toBeCloseTo(0.5, 2);
    expect(goertzelPower(x, 8000, 700, 0, 0)).toBe(0);
  });
});

describe('dominantFrequency', () => {
  it('picks the strongest candidate and reports its share of the power', () => {
    const x = tone(440, 8000, 1600);
    const y = tone(1200, 8000, 1600, 0.1);
    for (let i = 0; i < x.length; i++) x[i]! += y[i]!;
    const d = dominantFrequency(x, 8000, [350, 440, 480, 620, 1200]);
    expect(d.freq).toBe(440);
    expect(d.power).toBeCloseTo(0.5, 2);
    expect(d.ratio).toBeGreaterThan(0.98);
    expect(d.ratio).toBeLessThan(1.01);
  });

  it('reports ratio 0 for silence', () => {
    const d = dominantFrequency(new Int16Array(160), 8000, [440]);
    expect(d.ratio).toBe(0);
    expect(meanSquare(new Int16Array(0))).toBe(0);
  });
});
