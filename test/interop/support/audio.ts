/**
 * WAV helpers for the interop harness: write a sine-tone WAV that a SIP peer plays as its
 * microphone, and analyse a recorded WAV (dominant frequency, level, silence).
 *
 * Only 16-bit PCM is supported (that is what baresip's aufile source needs and what its
 * sndfile filter records). The reader walks the RIFF chunk list properly (skips LIST/fact/…,
 * honours odd-size padding, accepts WAVE_FORMAT_EXTENSIBLE with a PCM sub-format) and
 * tolerates a header whose data size is 0 / 0xFFFFFFFF / larger than the file, which is
 * what a recorder that has not yet closed its file leaves behind.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface ToneWavOptions {
  /** Tone frequency in Hz (0 writes digital silence). */
  frequencyHz: number;
  durationMs: number;
  /** 8000 (default) or 16000; any positive rate is accepted. */
  sampleRate?: number;
  /** Peak amplitude as a fraction of full scale, 0..1 (default 0.5 ≈ -6 dBFS). */
  amplitude?: number;
  /** Leading silence before the tone, ms (default 0). */
  leadingSilenceMs?: number;
}

export interface WavData {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Mono samples in [-1, 1); stereo input is mixed down (average of the channels). */
  samples: Float32Array;
  /** Per-channel samples in [-1, 1). */
  channelData: Float32Array[];
  durationMs: number;
}

export interface AnalyzeOptions {
  /** Length of the analysed window in ms (default 1000; shortened if the file is shorter). */
  windowMs?: number;
  /** Extra ms to skip after the detected start of sound (default 100, skips onset transients). */
  skipMs?: number;
  /** RMS (fraction of full scale) under which the window counts as silence (default 0.01 ≈ -40 dBFS). */
  silenceRms?: number;
  /** Frequencies scanned for the dominant tone: [min, max] Hz (default [50, min(4000, fs/2 - 50)]). */
  rangeHz?: [number, number];
  /** Analyse only this channel instead of the mono mix-down. */
  channel?: number;
}

export interface ToneAnalysis {
  sampleRate: number;
  channels: number;
  /** Whole file duration. */
  durationMs: number;
  /** Where the analysed window starts (first sound + skipMs), ms from the file start. */
  windowStartMs: number;
  /** Length of the analysed window, ms. */
  windowMs: number;
  /** RMS level of the analysed window, fraction of full scale (a full-scale sine is ~0.707). */
  rms: number;
  /** RMS level of the whole file. */
  overallRms: number;
  /** Peak absolute sample value of the whole file. */
  peak: number;
  /** True when no 10 ms block of the file rises above silenceRms, or the window itself is below it. */
  silent: boolean;
  /** Dominant frequency in Hz (1 Hz resolution), or null when silent. */
  dominantHz: number | null;
  /**
   * Share of the window's energy at dominantHz (0..1). A clean sine gives ~1, two equal
   * tones ~0.5, noise a small value. Codecs (G.711) and jitter lower it slightly.
   */
  toneRatio: number;
}

/** Encode mono 16-bit PCM samples (floats in [-1, 1]) as a canonical WAV file. */
export function encodeWav(samples: Float32Array | number[], sampleRate: number): Buffer {
  const n = samples.length;
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + n * 2, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) {
    const v = Math.max(-1, Math.min(1, samples[i] ?? 0));
    buf.writeInt16LE(Math.round(v * 32767), 44 + i * 2);
  }
  return buf;
}

/** Sine tone (with optional leading silence) as mono 16-bit PCM WAV bytes. */
export function toneWav(opts: ToneWavOptions): Buffer {
  const sampleRate = opts.sampleRate ?? 8000;
  const amplitude = opts.amplitude ?? 0.5;
  if (!(sampleRate > 0) || !Number.isInteger(sampleRate)) throw new Error(`bad sample rate ${sampleRate}`);
  if (!(amplitude >= 0 && amplitude <= 1)) throw new Error(`amplitude must be within 0..1, got ${amplitude}`);
  if (opts.frequencyHz < 0 || opts.frequencyHz >= sampleRate / 2) {
    throw new Error(`frequency ${opts.frequencyHz} Hz is not below Nyquist (${sampleRate / 2} Hz)`);
  }
  const lead = Math.round(((opts.leadingSilenceMs ?? 0) * sampleRate) / 1000);
  const tone = Math.round((opts.durationMs * sampleRate) / 1000);
  const samples = new Float32Array(lead + tone);
  const w = (2 * Math.PI * opts.frequencyHz) / sampleRate;
  for (let i = 0; i < tone; i++) samples[lead + i] = amplitude * Math.sin(w * i);
  return encodeWav(samples, sampleRate);
}

/** Write a sine-tone WAV file (mono, 16-bit PCM, 8 kHz unless told otherwise). */
export function writeToneWav(path: string, opts: ToneWavOptions): void {
  writeFileSync(path, toneWav(opts));
}

/** Parse a 16-bit PCM WAV (RIFF) file's bytes. */
export function parseWav(buf: Buffer): WavData {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let fmt: { format: number; channels: number; sampleRate: number; bits: number; blockAlign: number } | undefined;
  let data: Buffer | undefined;
  let off = 12;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    let size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'data') {
      // An unfinished recording may carry 0 or 0xFFFFFFFF here: use what the file holds.
      if (size === 0 || size === 0xffffffff || body + size > buf.length) size = buf.length - body;
      data = buf.subarray(body, body + size);
    } else if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new Error('truncated fmt chunk');
      let format = buf.readUInt16LE(body);
      if (format === 0xfffe && size >= 40) format = buf.readUInt16LE(body + 24); // EXTENSIBLE: sub-format GUID
      fmt = {
        format,
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        blockAlign: buf.readUInt16LE(body + 12),
        bits: buf.readUInt16LE(body + 14),
      };
    }
    off = body + size + (size % 2); // chunks are word-aligned
  }
  if (!fmt) throw new Error('WAV has no fmt chunk');
  if (!data) throw new Error('WAV has no data chunk');
  if (fmt.format !== 1) throw new Error(`unsupported WAV format tag ${fmt.format} (only PCM)`);
  if (fmt.bits !== 16) throw new Error(`unsupported WAV sample size ${fmt.bits} bits (only 16-bit)`);
  if (fmt.channels < 1) throw new Error('WAV has no channels');
  if (!(fmt.sampleRate > 0)) throw new Error('WAV has sample rate 0');
  const frameBytes = fmt.blockAlign || fmt.channels * 2;
  const frames = Math.floor(data.length / frameBytes);
  const channelData = Array.from({ length: fmt.channels }, () => new Float32Array(frames));
  const samples = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < fmt.channels; c++) {
      const v = data.readInt16LE(i * frameBytes + c * 2) / 32768;
      channelData[c]![i] = v;
      sum += v;
    }
    samples[i] = sum / fmt.channels;
  }
  return {
    sampleRate: fmt.sampleRate,
    channels: fmt.channels,
    bitsPerSample: fmt.bits,
    samples,
    channelData,
    durationMs: (frames * 1000) / fmt.sampleRate,
  };
}

export function readWav(path: string): WavData {
  return parseWav(readFileSync(path));
}

function rmsOf(x: Float32Array, from = 0, to = x.length): number {
  if (to <= from) return 0;
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / (to - from));
}

function hannWindow(n: number): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = n > 1 ? 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)) : 1;
  return w;
}

/** Goertzel power |X(f)|² of x[from, to) at frequency f, optionally windowed (win.length = to - from). */
function goertzelPower(x: Float32Array, from: number, to: number, f: number, fs: number, win?: Float32Array): number {
  const n = to - from;
  const w = (2 * Math.PI * f) / fs;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = x[from + i]! * (win ? win[i]! : 1) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

/**
 * Dominant frequency and level of samples. Skips leading silence (first 10 ms block above
 * the silence threshold, plus skipMs), then scans rangeHz in 10 Hz steps over 100 ms
 * Hann-windowed blocks averaged across the window, and refines the best candidate in 1 Hz
 * steps over the whole window.
 */
export function analyzeSamples(samples: Float32Array, sampleRate: number, opts: AnalyzeOptions = {}): Omit<ToneAnalysis, 'channels'> {
  const silenceRms = opts.silenceRms ?? 0.01;
  const fs = sampleRate;
  const durationMs = (samples.length * 1000) / fs;
  let peak = 0;
  for (const v of samples) peak = Math.max(peak, Math.abs(v));
  const overallRms = rmsOf(samples);
  const base = { sampleRate: fs, durationMs, overallRms, peak };

  const block = Math.max(1, Math.round(fs / 100)); // 10 ms
  let start = -1;
  for (let i = 0; i + block <= samples.length; i += block) {
    if (rmsOf(samples, i, i + block) >= silenceRms) {
      start = i;
      break;
    }
  }
  if (start < 0) {
    return { ...base, windowStartMs: 0, windowMs: 0, rms: 0, silent: true, dominantHz: null, toneRatio: 0 };
  }
  const skip = Math.round(((opts.skipMs ?? 100) * fs) / 1000);
  const want = Math.round(((opts.windowMs ?? 1000) * fs) / 1000);
  // Prefer skipping the onset, but never so far that less than 100 ms stays to analyse.
  const minLen = Math.round(fs / 10);
  let from = Math.min(start + skip, Math.max(start, samples.length - minLen));
  const to = Math.min(samples.length, from + want);
  if (to - from < minLen) from = Math.max(0, to - minLen);
  const n = to - from;
  const rms = rmsOf(samples, from, to);
  const windowStartMs = (from * 1000) / fs;
  const windowMs = (n * 1000) / fs;
  if (rms < silenceRms) {
    return { ...base, windowStartMs, windowMs, rms, silent: true, dominantHz: null, toneRatio: 0 };
  }

  const nyq = fs / 2;
  const [lo, hi] = opts.rangeHz ?? [50, Math.min(4000, nyq - 50)];
  // Coarse scan: 100 ms Hann blocks (≈ 20 Hz main lobe), 10 Hz steps, power summed over blocks.
  const blockLen = Math.min(n, Math.round(fs / 10));
  const hann = hannWindow(blockLen);
  let bestF = lo;
  let bestP = -1;
  for (let f = lo; f <= hi; f += 10) {
    let p = 0;
    for (let b = from; b + blockLen <= to; b += blockLen) p += goertzelPower(samples, b, b + blockLen, f, fs, hann);
    if (p > bestP) {
      bestP = p;
      bestF = f;
    }
  }
  // Fine scan: 1 Hz steps around the coarse peak over the whole window.
  let fineF = bestF;
  let fineP = -1;
  for (let f = Math.max(1, bestF - 15); f <= Math.min(nyq - 1, bestF + 15); f += 1) {
    const p = goertzelPower(samples, from, to, f, fs);
    if (p > fineP) {
      fineP = p;
      fineF = f;
    }
  }
  // A sine of amplitude A gives |X|² ≈ (A·n/2)², i.e. 2|X|²/n² ≈ A²/2 = its mean square.
  const toneRatio = Math.min(1, (2 * fineP) / (n * n) / (rms * rms));
  return { ...base, windowStartMs, windowMs, rms, silent: false, dominantHz: fineF, toneRatio };
}

/** Analyse a WAV: dominant frequency over a window after leading silence, and RMS level. */
export function analyzeWav(pathOrBytes: string | Buffer, opts: AnalyzeOptions = {}): ToneAnalysis {
  const wav = typeof pathOrBytes === 'string' ? readWav(pathOrBytes) : parseWav(pathOrBytes);
  let x = wav.samples;
  if (opts.channel !== undefined) {
    const ch = wav.channelData[opts.channel];
    if (!ch) throw new Error(`WAV has no channel ${opts.channel}`);
    x = ch;
  }
  return { ...analyzeSamples(x, wav.sampleRate, opts), channels: wav.channels };
}
