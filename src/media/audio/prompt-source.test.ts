import { describe, expect, it } from 'vitest';
import { PromptSource } from './prompt-source.js';

const ramp = (n: number): Int16Array => Int16Array.from({ length: n }, (_, i) => i + 1);

describe('PromptSource', () => {
  it('plays a prompt once, then silence and false', () => {
    const src = new PromptSource(ramp(400), { loop: false });
    const out = new Int16Array(160).fill(-1);
    expect(src.next(out)).toBe(true);
    expect(out[0]).toBe(1);
    expect(src.position).toBe(160);
    expect(src.next(out)).toBe(true);
    expect(out[159]).toBe(320);
    expect(src.next(out)).toBe(true);
    expect(out[79]).toBe(400);
    expect(out.subarray(80).every((v) => v === 0)).toBe(true);
    expect(src.position).toBe(400);
    out.fill(-1);
    expect(src.next(out)).toBe(false);
    expect(out.every((v) => v === 0)).toBe(true);
    expect(src.next(out)).toBe(false);
  });

  it('ends on a frame boundary without an extra audio frame', () => {
    const src = new PromptSource(ramp(320), { loop: false });
    const out = new Int16Array(160);
    expect(src.next(out)).toBe(true);
    expect(src.next(out)).toBe(true);
    expect(src.next(out)).toBe(false);
  });

  it('loops seamlessly, even when the prompt is shorter than a frame', () => {
    const src = new PromptSource(ramp(100), { loop: true });
    const out = new Int16Array(160);
    expect(src.next(out)).toBe(true);
    expect(out[99]).toBe(100);
    expect(out[100]).toBe(1);
    expect(src.position).toBe(60);
    for (let i = 0; i < 50; i++) expect(src.next(out)).toBe(true);
    expect(out[0]).toBe(((50 * 160) % 100) + 1);
    expect(src.position).toBe((51 * 160) % 100);
  });

  it('treats an empty prompt as finished, or as endless silence when looping', () => {
    const out = new Int16Array(160).fill(5);
    expect(new PromptSource(new Int16Array(0), { loop: false }).next(out)).toBe(false);
    expect(out.every((v) => v === 0)).toBe(true);
    expect(new PromptSource(new Int16Array(0), { loop: true }).next(out)).toBe(true);
  });
});
