import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SAMPLE_RATE } from './frame.js';
import { loadPrompt, parseWav } from './wav.js';

/** The default prompts shipped in assets/prompts (made by scripts/make-prompts.ts). */
const DIR = new URL('../../../assets/prompts/', import.meta.url);
const read = (name: string): Uint8Array => readFileSync(new URL(name, DIR));

/** Share of 20 ms blocks louder than -45 dBFS. */
function activeShare(x: Int16Array): number {
  const block = SAMPLE_RATE / 50;
  let active = 0;
  let blocks = 0;
  for (let at = 0; at + block <= x.length; at += block, blocks++) {
    let e = 0;
    for (let i = at; i < at + block; i++) e += (x[i]! / 32768) ** 2;
    if (e / block > 10 ** (-45 / 10)) active++;
  }
  return active / blocks;
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
};

describe('shipped prompts', () => {
  const files = ['hold-music.wav', 'recording-notice.en.wav', 'recording-notice.zh-CN.wav', 'recording-notice.zh-TW.wav'];

  for (const name of files) {
    it(`${name} is 8 kHz 16-bit mono, under 600 KB, and loads`, () => {
      expect(statSync(new URL(name, DIR)).size).toBeLessThan(600 * 1024);
      const wav = parseWav(read(name));
      expect(wav).toMatchObject({ sampleRate: 8000, channels: 1 });
      const pcm = loadPrompt(read(name));
      expect(pcm.length).toBe(wav.frames);
    });
  }

  for (const name of files.slice(1)) {
    it(`${name} is a few seconds of speech`, () => {
      const pcm = loadPrompt(read(name));
      expect(pcm.length / SAMPLE_RATE).toBeGreaterThan(2);
      expect(pcm.length / SAMPLE_RATE).toBeLessThan(8);
      expect(activeShare(pcm)).toBeGreaterThan(0.4);
      // Starts and ends quietly, so the first and last frames carry no click.
      expect(Math.abs(pcm[0]!)).toBeLessThan(100);
      expect(Math.abs(pcm[pcm.length - 1]!)).toBeLessThan(100);
    });
  }

  it('hold-music.wav is 20-30 s of sound', () => {
    const pcm = loadPrompt(read('hold-music.wav'));
    expect(pcm.length / SAMPLE_RATE).toBeGreaterThanOrEqual(20);
    expect(pcm.length / SAMPLE_RATE).toBeLessThanOrEqual(30);
    expect(activeShare(pcm)).toBeGreaterThan(0.95);
  });

  it('hold-music.wav loops without a discontinuity', () => {
    const x = loadPrompt(read('hold-music.wav'));
    const n = x.length;
    const steps: number[] = [];
    const bends: number[] = [];
    for (let i = 2; i < n; i++) {
      steps.push(Math.abs(x[i]! - x[i - 1]!));
      bends.push(Math.abs(x[i]! - 2 * x[i - 1]! + x[i - 2]!));
    }
    // The seam must look like an ordinary pair of neighbours: slope and curvature below the 95th
    // percentile of the whole file (a cut waveform shows as a spike in the second difference).
    expect(Math.abs(x[0]! - x[n - 1]!)).toBeLessThanOrEqual(percentile(steps, 0.95));
    expect(Math.abs(x[0]! - 2 * x[n - 1]! + x[n - 2]!)).toBeLessThanOrEqual(percentile(bends, 0.95));
    expect(Math.abs(x[1]! - 2 * x[0]! + x[n - 1]!)).toBeLessThanOrEqual(percentile(bends, 0.95));
  });
});
