/**
 * Regenerates the default prompts in assets/prompts: a synthesized hold-music loop and the
 * recording notice in English and Mandarin, spoken by espeak-ng. Everything is 8 kHz 16-bit mono,
 * the engine's own format, so nothing is converted at load.
 *
 *   npx tsx scripts/make-prompts.ts            # needs espeak-ng on the PATH
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeWav16, parseWav, resample, SAMPLE_RATE } from '../src/media/audio/index.js';

const OUT_DIR = fileURLToPath(new URL('../assets/prompts/', import.meta.url));
const RATE = SAMPLE_RATE;

// ---------------------------------------------------------------------------------------------
// Hold music: Cmaj7 Am7 Dm7 G7 | Cmaj7 Am7 Fmaj7 G7sus4-G7 at 80 bpm, one chord per bar, 24 s.
// Every note is rendered into a circular buffer, so tails that run past the end land on the start
// and the loop has no seam.

const BPM = 80;
const BEAT = (60 / BPM) * RATE; // 6000 samples
const BAR = 4 * BEAT;
const midi = (n: number): number => 440 * 2 ** ((n - 69) / 12);

/** Chord tones as MIDI notes, lowest first; the first is the root. */
const CHORDS: number[][] = [
  [60, 64, 67, 71], // Cmaj7
  [57, 60, 64, 67], // Am7
  [62, 65, 69, 72], // Dm7
  [55, 59, 62, 65], // G7
  [60, 64, 67, 71], // Cmaj7
  [57, 60, 64, 67], // Am7
  [53, 57, 60, 64], // Fmaj7
  [55, 60, 62, 65], // G7sus4 (resolves to G7 halfway through the bar, below)
];
const LENGTH = CHORDS.length * BAR;

interface Voice {
  /** Relative amplitude of partials 1, 2, 3...; partials at or above 3.6 kHz are dropped. */
  partials: number[];
  /** Decay time constant per partial, seconds (Infinity = sustained). */
  decay: number[];
  attack: number;
  release: number;
}

const PAD: Voice = {
  partials: [1, 0.25, 0.08],
  decay: [Infinity, Infinity, Infinity],
  attack: 0.8,
  release: 1.2,
};
const PIANO: Voice = {
  partials: [1, 0.45, 0.18, 0.08],
  decay: [0.7, 0.35, 0.2, 0.12],
  attack: 0.004,
  release: 0.3,
};
const BASS: Voice = {
  partials: [1, 0.8, 0.6, 0.4, 0.25, 0.15],
  decay: [1.2, 0.9, 0.7, 0.5, 0.4, 0.3],
  attack: 0.01,
  release: 0.2,
};

function addNote(
  buf: Float64Array,
  voice: Voice,
  note: number,
  start: number,
  seconds: number,
  gain: number,
): void {
  const f0 = midi(note);
  const held = Math.round(seconds * RATE);
  const tail = Math.round(voice.release * RATE);
  const attack = Math.max(1, Math.round(voice.attack * RATE));
  // Two slightly detuned copies give the pad its slow movement.
  const detunes = voice === PAD ? [0.9985, 1.0015] : [1];
  for (let p = 0; p < voice.partials.length; p++) {
    const f = f0 * (p + 1);
    if (f >= 3600) break;
    const a = (voice.partials[p]! * gain) / detunes.length;
    const tau = voice.decay[p]! * RATE;
    for (const d of detunes) {
      const w = (2 * Math.PI * f * d) / RATE;
      for (let k = 0; k < held + tail; k++) {
        let env = k < attack ? 0.5 - 0.5 * Math.cos((Math.PI * k) / attack) : 1;
        if (Number.isFinite(tau)) env *= Math.exp(-k / tau);
        if (k >= held) env *= 0.5 + 0.5 * Math.cos((Math.PI * (k - held)) / tail);
        buf[(start + k) % LENGTH]! += a * env * Math.sin(w * k);
      }
    }
  }
}

function holdMusic(): Int16Array {
  const buf = new Float64Array(LENGTH);
  // Up-and-down arpeggio an octave above the pad; the second half answers with another order.
  const patterns = [
    [0, 1, 2, 3, 4, 3, 2, 1],
    [0, 2, 1, 3, 2, 4, 3, 1],
  ];
  CHORDS.forEach((chord, bar) => {
    const at = bar * BAR;
    for (const n of chord) addNote(buf, PAD, n, at, BAR / RATE, 0.11);
    addNote(buf, BASS, chord[0]! - 12, at, (2 * BEAT) / RATE, 0.2);
    addNote(buf, BASS, chord[0]! - 12 + (bar % 2 === 0 ? 7 : 0), at + 2 * BEAT, (2 * BEAT) / RATE, 0.16);
    const tones = bar === 7 ? [55, 59, 62, 65] : chord; // G7sus4 → G7
    const arp = [...tones.map((n) => n + 12), tones[0]! + 24];
    const pattern = patterns[bar < 4 ? 0 : 1]!;
    pattern.forEach((i, step) => {
      const gain = step % 2 === 0 ? 0.16 : 0.12; // a lighter off-beat
      addNote(buf, PIANO, arp[i]!, at + step * (BEAT / 2), 0.5, gain);
    });
  });
  return toPcm(buf, -18);
}

// ---------------------------------------------------------------------------------------------
// Speech.

interface Speech {
  file: string;
  voice: string;
  speed: number;
  text: string;
}

const NOTICES: Speech[] = [
  {
    file: 'recording-notice.en.wav',
    voice: 'en-us',
    speed: 150,
    text: 'This call may be recorded for quality and training purposes.',
  },
  // cmn-latn-pinyin: the cmn voice whose dictionary output (pinyin) is read as Mandarin, not spelled.
  { file: 'recording-notice.zh-CN.wav', voice: 'cmn-latn-pinyin', speed: 140, text: '本次通话可能会被录音。' },
  { file: 'recording-notice.zh-TW.wav', voice: 'cmn-latn-pinyin', speed: 140, text: '本次通話可能會被錄音。' },
];

function speak(s: Speech, dir: string): Int16Array {
  const tmp = join(dir, 'speech.wav');
  execFileSync('espeak-ng', ['-v', s.voice, '-s', String(s.speed), '-w', tmp, s.text], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const wav = parseWav(readFileSync(tmp));
  const mono = wav.channelData[0]!;
  const at8k = resample(mono, wav.sampleRate, RATE);
  // Trim espeak's own leading/trailing silence, then add a fixed lead-in and tail.
  const threshold = 10 ** (-50 / 20);
  let first = 0;
  let last = at8k.length - 1;
  while (first < last && Math.abs(at8k[first]!) < threshold) first++;
  while (last > first && Math.abs(at8k[last]!) < threshold) last--;
  const lead = Math.round(0.25 * RATE);
  const tail = Math.round(0.4 * RATE);
  const out = new Float64Array(lead + (last - first + 1) + tail);
  for (let i = first; i <= last; i++) out[lead + i - first] = at8k[i]!;
  return toPcm(out, -16, activeRms(out));
}

/** RMS over the 20 ms blocks that hold speech (a simple stand-in for ITU-T P.56 active level). */
function activeRms(x: Float64Array): number {
  const block = RATE / 50;
  let sum = 0;
  let n = 0;
  for (let at = 0; at + block <= x.length; at += block) {
    let e = 0;
    for (let i = at; i < at + block; i++) e += x[i]! * x[i]!;
    if (e / block > 10 ** (-45 / 10)) {
      sum += e;
      n += block;
    }
  }
  return Math.sqrt(sum / Math.max(1, n));
}

function rms(x: Float64Array): number {
  let e = 0;
  for (const v of x) e += v * v;
  return Math.sqrt(e / x.length);
}

/** Scales to `dbfs` (RMS re full scale), softly limits peaks above -1 dBFS, rounds to 16 bits. */
function toPcm(x: Float64Array, dbfs: number, level = rms(x)): Int16Array {
  const gain = 10 ** (dbfs / 20) / level;
  const knee = 10 ** (-1 / 20);
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let v = x[i]! * gain;
    const a = Math.abs(v);
    if (a > knee) v = Math.sign(v) * (knee + (1 - knee) * Math.tanh((a - knee) / (1 - knee)));
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v * 32767)));
  }
  return out;
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'prompts-'));
  try {
    const files: [string, Int16Array][] = [['hold-music.wav', holdMusic()]];
    for (const s of NOTICES) files.push([s.file, speak(s, dir)]);
    for (const [name, pcm] of files) {
      writeFileSync(join(OUT_DIR, name), encodeWav16(pcm, RATE, 1));
      console.log(`${name}: ${(pcm.length / RATE).toFixed(2)} s`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
