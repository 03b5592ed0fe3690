import { describe, expect, it } from 'vitest';
import { MediaError } from '../errors.js';
import { FRAME_SAMPLES } from './frame.js';
import { dominantFrequency, goertzelPower } from './goertzel.js';
import { parseRegion, tonePlan, ToneSource, type Region, type ToneKind, type TonePlan } from './tones.js';

const REGIONS: Region[] = ['us', 'uk', 'eu', 'cn', 'hk', 'tw', 'jp'];
const KINDS: ToneKind[] = ['ringback', 'busy', 'congestion', 'callWaiting'];

/** Runs a source frame by frame for `samples` samples. */
function render(plan: TonePlan, samples: number, level?: number, frame = FRAME_SAMPLES): Int16Array {
  const src = new ToneSource(plan, level);
  const out = new Int16Array(Math.ceil(samples / frame) * frame);
  for (let at = 0; at < out.length; at += frame) src.next(out.subarray(at, at + frame));
  return out.subarray(0, samples);
}

const cadence = (plan: TonePlan): { freqs: number[]; start: number; end: number }[] => {
  let at = 0;
  return plan.segments.map((s) => {
    const start = at;
    at += (s.ms * 8000) / 1000;
    return { freqs: s.freqs, start, end: at };
  });
};

describe('tonePlan', () => {
  it('has the E.180 values the product documents', () => {
    const brief = (r: Region, k: ToneKind): string =>
      tonePlan(r, k)
        .segments.map((s) => `${s.freqs.join('+') || 0}${s.modulateHz ? `*${s.modulateHz}` : ''}/${s.ms}`)
        .join(',');
    expect(brief('us', 'ringback')).toBe('440+480/2000,0/4000');
    expect(brief('us', 'busy')).toBe('480+620/500,0/500');
    expect(brief('us', 'congestion')).toBe('480+620/250,0/250');
    expect(brief('uk', 'ringback')).toBe('400+450/400,0/200,400+450/400,0/2000');
    expect(brief('uk', 'busy')).toBe('400/375,0/375');
    expect(brief('eu', 'ringback')).toBe('425/1000,0/4000');
    expect(brief('eu', 'busy')).toBe('425/500,0/500');
    expect(brief('cn', 'ringback')).toBe('450/1000,0/4000');
    expect(brief('cn', 'busy')).toBe('450/350,0/350');
    expect(brief('hk', 'ringback')).toBe('440+480/400,0/200,440+480/400,0/3000');
    expect(brief('hk', 'busy')).toBe('480+620/500,0/500');
    expect(brief('tw', 'ringback')).toBe('440+480/1000,0/2000');
    expect(brief('tw', 'busy')).toBe('480+620/500,0/500');
    expect(brief('jp', 'ringback')).toBe('400*16/1000,0/2000');
    expect(brief('jp', 'busy')).toBe('400/500,0/500');
  });

  it('returns a copy callers may change', () => {
    const p = tonePlan('us', 'busy');
    p.segments[0]!.freqs.push(1000);
    expect(tonePlan('us', 'busy').segments[0]!.freqs).toEqual([480, 620]);
  });

  it('parses regions and rejects unknown ones', () => {
    expect(parseRegion('us')).toBe('us');
    expect(parseRegion(' JP ')).toBe('jp');
    expect(() => parseRegion('fr')).toThrow(MediaError);
    expect(() => parseRegion('')).toThrow(/unknown tone region/);
  });
});

describe('ToneSource', () => {
  for (const region of REGIONS) {
    for (const kind of KINDS) {
      it(`${region} ${kind}: cadence exact to the sample, right frequencies, no clicks`, () => {
        const plan = tonePlan(region, kind);
        const segs = cadence(plan);
        const cycle = segs[segs.length - 1]!.end;
        const x = render(plan, cycle * 2);
        const amp = 32768 * 10 ** ((-13 - 3.14) / 20);
        for (let rep = 0; rep < 2; rep++) {
          for (const s of segs) {
            const start = s.start + rep * cycle;
            const end = s.end + rep * cycle;
            let peak = 0;
            for (let i = start; i < end; i++) peak = Math.max(peak, Math.abs(x[i]!));
            if (s.freqs.length === 0) {
              expect(peak).toBe(0);
              continue;
            }
            expect(peak).toBeGreaterThan(amp * 0.9);
            expect(peak).toBeLessThanOrEqual(Math.ceil(amp * s.freqs.length) + 1);
            // Tone present from the first samples: energy within the first 5 ms.
            let early = 0;
            for (let i = start; i < start + 40; i++) early = Math.max(early, Math.abs(x[i]!));
            expect(early).toBeGreaterThan(0);
            // Every listed frequency is present in the steady part.
            const mid = x.subarray(start + 40, end - 40);
            for (const f of s.freqs) {
              const p = goertzelPower(mid, 8000, f);
              const want = 0.5 * (amp / 32768) ** 2;
              expect(p).toBeGreaterThan(want * (plan.segments.some((g) => g.modulateHz) ? 0.2 : 0.9));
            }
          }
        }
        // No clicks: the largest step is within what the tones themselves produce.
        const maxFreqs = Math.max(...plan.segments.map((s) => s.freqs.reduce((a, f) => a + f, 0)));
        const bound = amp * 2 * Math.PI * (maxFreqs / 8000) * 1.05 + 2;
        let step = 0;
        for (let i = 1; i < x.length; i++) step = Math.max(step, Math.abs(x[i]! - x[i - 1]!));
        expect(step).toBeLessThan(bound);
      });
    }
  }

  it('is phase-continuous across frames (frame size does not change the output)', () => {
    const plan = tonePlan('us', 'ringback');
    const a = render(plan, 16000);
    const b = render(plan, 16000, undefined, 7);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('plays a steady single-segment tone without gaps or ramps', () => {
    const x = render({ segments: [{ freqs: [1000], ms: 20 }] }, 8000, 0);
    const d = dominantFrequency(x, 8000, [900, 1000, 1100]);
    expect(d.freq).toBe(1000);
    expect(d.ratio).toBeGreaterThan(0.999);
    // 0 dBm0 is 3.14 dB below a full-scale sine (power 0.5).
    expect(10 * Math.log10(d.power / 0.5)).toBeCloseTo(-3.14, 2);
  });

  it('applies the level in dBm0 per frequency', () => {
    const x = render(tonePlan('eu', 'busy'), 4000, -10);
    const p = goertzelPower(x, 8000, 425, 100, 3000);
    const dbm0 = 10 * Math.log10(p / 0.5) + 3.14;
    expect(dbm0).toBeCloseTo(-10, 1);
  });

  it('modulates the Japanese ringback at 16 Hz', () => {
    const x = render(tonePlan('jp', 'ringback'), 8000);
    const mid = x.subarray(400, 7600);
    const side = goertzelPower(mid, 8000, 416) + goertzelPower(mid, 8000, 384);
    expect(side / goertzelPower(mid, 8000, 400)).toBeGreaterThan(0.2);
  });

  it('rejects bad plans and levels', () => {
    expect(() => new ToneSource({ segments: [] })).toThrow(MediaError);
    expect(() => new ToneSource({ segments: [{ freqs: [], ms: 0 }] })).toThrow(MediaError);
    expect(() => new ToneSource({ segments: [{ freqs: [5000], ms: 100 }] })).toThrow(MediaError);
    expect(() => new ToneSource(tonePlan('us', 'busy'), 6)).toThrow(MediaError);
  });
});
