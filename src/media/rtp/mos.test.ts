import { describe, expect, it } from 'vitest';
import { estimateMos, mosFromR } from './mos.js';

const perfect = { lossPercent: 0, jitterMs: 0, rttMs: 0, codec: 'pcmu' as const };

describe('estimateMos (ITU-T G.107 E-model)', () => {
  it('gives about 4.4 on a perfect network', () => {
    expect(estimateMos(perfect)).toBeCloseTo(4.4, 1);
    expect(estimateMos({ ...perfect, codec: 'pcma' })).toBe(estimateMos(perfect));
    expect(estimateMos({ ...perfect, codec: 'opus' })).toBeCloseTo(4.4, 1);
  });

  it('drops noticeably with 5 % loss', () => {
    const m = estimateMos({ ...perfect, lossPercent: 5 });
    expect(m).toBeLessThan(4.1);
    expect(m).toBeGreaterThan(3.6);
  });

  it('is monotonic in loss, jitter and round trip', () => {
    const steps = (f: (x: number) => number, xs: number[]) => xs.map(f);
    const nonIncreasing = (v: number[]) => v.every((x, i) => i === 0 || x <= v[i - 1]!);
    const xs = Array.from({ length: 200 }, (_, i) => i * 5);
    for (const codec of ['pcmu', 'opus'] as const) {
      const loss = steps((x) => estimateMos({ ...perfect, codec, lossPercent: x / 10 }), xs);
      const jitter = steps((x) => estimateMos({ ...perfect, codec, jitterMs: x }), xs);
      const rtt = steps((x) => estimateMos({ ...perfect, codec, rttMs: x * 2 }), xs);
      for (const v of [loss, jitter, rtt]) {
        expect(nonIncreasing(v)).toBe(true);
        expect(v[v.length - 1]!).toBeLessThan(v[0]!);
      }
    }
  });

  it('penalises delay beyond 177.3 ms one way', () => {
    const before = estimateMos({ ...perfect, rttMs: 2 * 150 });
    const after = estimateMos({ ...perfect, rttMs: 2 * 300 });
    expect(before - after).toBeGreaterThan(0.5);
  });

  it('stays within 1..4.5 and clamps inputs', () => {
    expect(estimateMos({ lossPercent: 100, jitterMs: 1000, rttMs: 10000, codec: 'pcmu' })).toBe(1);
    expect(estimateMos({ ...perfect, lossPercent: -3 })).toBe(estimateMos(perfect));
    expect(() => estimateMos({ ...perfect, jitterMs: Number.NaN })).toThrow(/finite/);
    expect(() => estimateMos({ ...perfect, codec: 'g729' as never })).toThrow(/codec/);
  });

  it('maps R to MOS per G.107 Annex B', () => {
    expect(mosFromR(-5)).toBe(1);
    expect(mosFromR(120)).toBe(4.5);
    expect(mosFromR(93.2)).toBeCloseTo(4.41, 2);
    expect(mosFromR(50)).toBeCloseTo(2.58, 2);
    expect(mosFromR(3)).toBe(1);
  });
});
