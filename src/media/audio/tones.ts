import { MediaError } from '../errors.js';
import { SAMPLE_RATE } from './frame.js';

/**
 * Call-progress tones per region. Frequencies and cadences are those of ITU-T E.180 Supplement 2
 * ("Various tones used in national networks", as updated by the ITU Operational Bulletin). Where
 * the supplement is silent or lists several variants (congestion, call waiting), the choice is the
 * one common in deployed PBXs (Asterisk indications.conf), noted per entry.
 */
export type ToneKind = 'ringback' | 'busy' | 'congestion' | 'callWaiting';
export type Region = 'us' | 'uk' | 'eu' | 'cn' | 'hk' | 'tw' | 'jp';

export interface ToneSegment {
  /** Frequencies summed, each at the source's level; [] is silence. */
  freqs: number[];
  ms: number;
  /** Amplitude modulation at this rate (90 % depth), as in the Japanese "400 Hz × 16 Hz" tones. */
  modulateHz?: number;
}

/** Segments play in order and the list repeats. */
export interface TonePlan {
  segments: ToneSegment[];
}

const on = (freqs: number[], ms: number, modulateHz?: number): ToneSegment =>
  modulateHz === undefined ? { freqs, ms } : { freqs, ms, modulateHz };
const off = (ms: number): ToneSegment => ({ freqs: [], ms });

const PLANS: Record<Region, Record<ToneKind, ToneSegment[]>> = {
  // North American precise tone plan.
  us: {
    ringback: [on([440, 480], 2000), off(4000)],
    busy: [on([480, 620], 500), off(500)],
    congestion: [on([480, 620], 250), off(250)], // "reorder"
    callWaiting: [on([440], 300), off(9700)],
  },
  // United Kingdom; congestion and call waiting as in Asterisk's "uk" zone.
  uk: {
    ringback: [on([400, 450], 400), off(200), on([400, 450], 400), off(2000)],
    busy: [on([400], 375), off(375)],
    congestion: [on([400], 400), off(350), on([400], 225), off(525)],
    callWaiting: [on([400], 100), off(4000)],
  },
  // CEPT 425 Hz tones, used across most of continental Europe; congestion and call waiting as
  // in Asterisk's "ch" zone (Germany and most neighbours differ by tens of milliseconds).
  eu: {
    ringback: [on([425], 1000), off(4000)],
    busy: [on([425], 500), off(500)],
    congestion: [on([425], 200), off(200)],
    callWaiting: [on([425], 200), off(200), on([425], 200), off(4000)],
  },
  // China; congestion and call waiting as in Asterisk's "cn" zone.
  cn: {
    ringback: [on([450], 1000), off(4000)],
    busy: [on([450], 350), off(350)],
    congestion: [on([450], 700), off(700)],
    callWaiting: [on([450], 400), off(4000)],
  },
  // Hong Kong: North American frequencies with a UK-style double ring. Congestion as the US
  // reorder tone; call waiting is not listed in the supplement, so the North American one.
  hk: {
    ringback: [on([440, 480], 400), off(200), on([440, 480], 400), off(3000)],
    busy: [on([480, 620], 500), off(500)],
    congestion: [on([480, 620], 250), off(250)],
    callWaiting: [on([440], 300), off(9700)],
  },
  // Taiwan; congestion and call waiting as in Asterisk's "tw" zone.
  tw: {
    ringback: [on([440, 480], 1000), off(2000)],
    busy: [on([480, 620], 500), off(500)],
    congestion: [on([480, 620], 250), off(250)],
    callWaiting: [on([350, 440], 250), off(250), on([350, 440], 250), off(3250)],
  },
  // Japan (NTT): congestion shares the busy tone; call waiting as in Asterisk's "jp" zone.
  jp: {
    ringback: [on([400], 1000, 16), off(2000)],
    busy: [on([400], 500), off(500)],
    congestion: [on([400], 500), off(500)],
    callWaiting: [on([400], 500, 16), off(8000)],
  },
};

const REGIONS = Object.keys(PLANS) as Region[];

export function tonePlan(region: Region, kind: ToneKind): TonePlan {
  const plan = PLANS[region]?.[kind];
  if (plan === undefined) throw new MediaError('MEDIA_BAD_AUDIO', `no ${kind} tone for region ${region}`);
  return { segments: plan.map((s) => ({ ...s, freqs: [...s.freqs] })) };
}

export function parseRegion(s: string): Region {
  const r = s.trim().toLowerCase();
  if ((REGIONS as string[]).includes(r)) return r as Region;
  throw new MediaError('MEDIA_BAD_AUDIO', `unknown tone region "${s}" (one of ${REGIONS.join(', ')})`);
}

// ---------------------------------------------------------------------------------------------

const SIN_BITS = 10;
const SIN_SIZE = 1 << SIN_BITS;
/** One sine period plus a guard entry for the interpolation; error below -120 dB. */
const SIN = new Float32Array(SIN_SIZE + 1);
for (let i = 0; i <= SIN_SIZE; i++) SIN[i] = Math.sin((2 * Math.PI * i) / SIN_SIZE);

/** `phase` in cycles, [0, 1). */
function sine(phase: number): number {
  const x = phase * SIN_SIZE;
  const i = x | 0;
  const a = SIN[i]!;
  return a + (SIN[i + 1]! - a) * (x - i);
}

/** Ramps at tone edges; 4 ms keeps the spectrum clean without shortening the cadence audibly. */
const RAMP_SAMPLES = 32;
const MOD_DEPTH = 0.9;
/**
 * 0 dBm0 is 3.14 dB below a full-scale sine (ITU-T G.711 A-law overload point; µ-law's 3.17 dB
 * differs by less than the tone tolerances).
 */
const DBM0_FULL_SCALE = 3.14;

interface Segment {
  samples: number;
  /** Cycles per sample, one per frequency. */
  incs: Float64Array;
  modInc: number;
  /** Raised-cosine gains for the first/last samples; empty when the neighbour is the same tone. */
  rampIn: Float32Array;
  rampOut: Float32Array;
}

const sameTone = (a: ToneSegment, b: ToneSegment): boolean =>
  a.freqs.length === b.freqs.length &&
  a.freqs.every((f, i) => f === b.freqs[i]) &&
  (a.modulateHz ?? 0) === (b.modulateHz ?? 0);

function ramp(length: number): Float32Array {
  const r = new Float32Array(length);
  for (let k = 0; k < length; k++) r[k] = 0.5 - 0.5 * Math.cos((Math.PI * (k + 0.5)) / length);
  return r;
}

/** Generates a tone plan as 8 kHz frames, phase-continuous and exact to the sample. */
export class ToneSource {
  private readonly segs: Segment[];
  private readonly amp: number;
  private readonly phases: Float64Array;
  private modPhase = 0;
  private seg = 0;
  private pos = 0;

  constructor(plan: TonePlan, levelDbm0 = -13) {
    if (!Number.isFinite(levelDbm0) || levelDbm0 > DBM0_FULL_SCALE) {
      throw new MediaError('MEDIA_BAD_AUDIO', `tone level ${levelDbm0} dBm0 is out of range`);
    }
    const list = plan.segments;
    if (list.length === 0) throw new MediaError('MEDIA_BAD_AUDIO', 'tone plan has no segments');
    let maxFreqs = 0;
    let total = 0;
    this.segs = list.map((s, i) => {
      const samples = Math.round((s.ms * SAMPLE_RATE) / 1000);
      if (!Number.isFinite(samples) || samples < 0) {
        throw new MediaError('MEDIA_BAD_AUDIO', `tone segment ${i} has a bad duration`);
      }
      for (const f of [...s.freqs, s.modulateHz ?? 0]) {
        if (!Number.isFinite(f) || f < 0 || f >= SAMPLE_RATE / 2) {
          throw new MediaError('MEDIA_BAD_AUDIO', `tone frequency ${f} Hz is out of range`);
        }
      }
      total += samples;
      maxFreqs = Math.max(maxFreqs, s.freqs.length);
      const prev = list[(i + list.length - 1) % list.length]!;
      const next = list[(i + 1) % list.length]!;
      const edge = Math.min(RAMP_SAMPLES, samples >> 1);
      const silent = s.freqs.length === 0;
      return {
        samples,
        incs: Float64Array.from(s.freqs, (f) => f / SAMPLE_RATE),
        modInc: (s.modulateHz ?? 0) / SAMPLE_RATE,
        rampIn: silent || sameTone(prev, s) ? new Float32Array(0) : ramp(edge),
        rampOut: silent || sameTone(s, next) ? new Float32Array(0) : ramp(edge).reverse(),
      };
    });
    if (total === 0) throw new MediaError('MEDIA_BAD_AUDIO', 'tone plan lasts no time');
    this.phases = new Float64Array(maxFreqs);
    this.amp = 32768 * 10 ** ((levelDbm0 - DBM0_FULL_SCALE) / 20);
    while (this.segs[this.seg]!.samples === 0) this.seg++;
  }

  /** Fills `out` (a frame, normally 160 samples) with the next samples of the tone. */
  next(out: Int16Array): void {
    const len = out.length;
    let i = 0;
    while (i < len) {
      const s = this.segs[this.seg]!;
      const n = Math.min(len - i, s.samples - this.pos);
      if (s.incs.length === 0) out.fill(0, i, i + n);
      else this.render(s, out, i, n);
      i += n;
      this.pos += n;
      if (this.pos === s.samples) {
        this.pos = 0;
        do this.seg = (this.seg + 1) % this.segs.length;
        while (this.segs[this.seg]!.samples === 0);
      }
    }
  }

  private render(s: Segment, out: Int16Array, at: number, n: number): void {
    const { incs, modInc, rampIn, rampOut, samples } = s;
    const phases = this.phases;
    const nf = incs.length;
    const amp = this.amp;
    const outStart = samples - rampOut.length;
    let mp = this.modPhase;
    for (let k = 0; k < n; k++) {
      let v = 0;
      for (let j = 0; j < nf; j++) {
        const p = phases[j]!;
        v += sine(p);
        const q = p + incs[j]!;
        phases[j] = q >= 1 ? q - 1 : q;
      }
      v *= amp;
      if (modInc !== 0) {
        v *= (1 + MOD_DEPTH * sine(mp)) / (1 + MOD_DEPTH);
        mp += modInc;
        if (mp >= 1) mp -= 1;
      }
      const idx = this.pos + k;
      if (idx < rampIn.length) v *= rampIn[idx]!;
      if (idx >= outStart) v *= rampOut[idx - outStart]!;
      const r = Math.round(v);
      out[at + k] = r > 32767 ? 32767 : r < -32768 ? -32768 : r;
    }
    this.modPhase = mp;
  }
}
