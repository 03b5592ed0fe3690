import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeSamples, analyzeWav, encodeWav, parseWav, readWav, toneWav, writeToneWav } from './support/audio.js';

const dir = mkdtempSync(join(tmpdir(), 'hotline-audio-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Hand-built RIFF file: arbitrary chunk order/extra chunks, to test the parser independently of encodeWav. */
function riff(chunks: Array<[string, Buffer]>): Buffer {
  const parts: Buffer[] = [];
  for (const [id, body] of chunks) {
    const head = Buffer.alloc(8);
    head.write(id, 0, 'ascii');
    head.writeUInt32LE(body.length, 4);
    parts.push(head, body);
    if (body.length % 2) parts.push(Buffer.alloc(1));
  }
  const all = Buffer.concat(parts);
  const h = Buffer.alloc(12);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(all.length + 4, 4);
  h.write('WAVE', 8, 'ascii');
  return Buffer.concat([h, all]);
}

function fmtChunk(channels: number, rate: number, extensible = false): Buffer {
  const b = Buffer.alloc(extensible ? 40 : 16);
  b.writeUInt16LE(extensible ? 0xfffe : 1, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(rate, 4);
  b.writeUInt32LE(rate * channels * 2, 8);
  b.writeUInt16LE(channels * 2, 12);
  b.writeUInt16LE(16, 14);
  if (extensible) {
    b.writeUInt16LE(22, 16); // cbSize
    b.writeUInt16LE(16, 18); // valid bits
    b.writeUInt32LE(channels === 2 ? 3 : 4, 20); // channel mask
    b.writeUInt16LE(1, 24); // KSDATAFORMAT_SUBTYPE_PCM starts with 0x0001
  }
  return b;
}

function stereoData(rate: number, seconds: number, left: number, right: number): Buffer {
  const n = Math.round(rate * seconds);
  const b = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) {
    b.writeInt16LE(Math.round(12000 * Math.sin((2 * Math.PI * left * i) / rate)), i * 4);
    b.writeInt16LE(Math.round(12000 * Math.sin((2 * Math.PI * right * i) / rate)), i * 4 + 2);
  }
  return b;
}

describe('tone WAV writer', () => {
  it('writes a canonical mono 16-bit PCM WAV of the requested length and rate', () => {
    const path = join(dir, 'w.wav');
    writeToneWav(path, { frequencyHz: 440, durationMs: 2000, sampleRate: 16000 });
    const wav = readWav(path);
    expect(wav.sampleRate).toBe(16000);
    expect(wav.channels).toBe(1);
    expect(wav.bitsPerSample).toBe(16);
    expect(wav.samples.length).toBe(32000);
    expect(wav.durationMs).toBe(2000);
    const bytes = toneWav({ frequencyHz: 440, durationMs: 1000 });
    expect(bytes.length).toBe(44 + 8000 * 2);
    expect(bytes.readUInt32LE(24)).toBe(8000);
  });

  it('rejects a tone at or above Nyquist', () => {
    expect(() => toneWav({ frequencyHz: 4000, durationMs: 100, sampleRate: 8000 })).toThrow(/Nyquist/);
  });
});

describe('analyzeWav', () => {
  it.each([
    [440, 8000],
    [1000, 8000],
    [440, 16000],
    [1000, 16000],
    [2350, 8000],
    [123, 16000],
  ])('finds %i Hz at %i Hz sampling', (hz, rate) => {
    const a = analyzeWav(toneWav({ frequencyHz: hz, durationMs: 1500, sampleRate: rate, amplitude: 0.5 }));
    expect(a.silent).toBe(false);
    expect(a.dominantHz).not.toBeNull();
    expect(Math.abs(a.dominantHz! - hz)).toBeLessThanOrEqual(2);
    expect(a.toneRatio).toBeGreaterThan(0.9);
    expect(a.rms).toBeCloseTo(0.5 / Math.SQRT2, 2);
    expect(a.peak).toBeCloseTo(0.5, 2);
  });

  it('tells 440 Hz from 1000 Hz', () => {
    const a = analyzeWav(toneWav({ frequencyHz: 440, durationMs: 1000 }));
    const b = analyzeWav(toneWav({ frequencyHz: 1000, durationMs: 1000 }));
    expect(a.dominantHz).toBeGreaterThan(430);
    expect(a.dominantHz).toBeLessThan(450);
    expect(b.dominantHz).toBeGreaterThan(990);
    expect(b.dominantHz).toBeLessThan(1010);
  });

  it('picks the louder of two mixed tones and reports a lower tone ratio', () => {
    const fs = 8000;
    const x = new Float32Array(fs);
    for (let i = 0; i < fs; i++) x[i] = 0.2 * Math.sin((2 * Math.PI * 440 * i) / fs) + 0.5 * Math.sin((2 * Math.PI * 1000 * i) / fs);
    const a = analyzeWav(encodeWav(x, fs));
    expect(a.dominantHz).toBe(1000);
    expect(a.toneRatio).toBeGreaterThan(0.7);
    expect(a.toneRatio).toBeLessThan(0.95);
    for (let i = 0; i < fs; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / fs) + 0.2 * Math.sin((2 * Math.PI * 1000 * i) / fs);
    expect(analyzeWav(encodeWav(x, fs)).dominantHz).toBe(440);
  });

  it('reports digital silence as silent with no frequency', () => {
    const a = analyzeWav(toneWav({ frequencyHz: 0, durationMs: 2000 }));
    expect(a.silent).toBe(true);
    expect(a.dominantHz).toBeNull();
    expect(a.rms).toBe(0);
    expect(a.peak).toBe(0);
  });

  it('reports a very quiet tone (-60 dBFS) as silent, but a -30 dBFS tone as a tone', () => {
    const quiet = analyzeWav(toneWav({ frequencyHz: 440, durationMs: 1000, amplitude: 0.001 }));
    expect(quiet.silent).toBe(true);
    expect(quiet.dominantHz).toBeNull();
    const soft = analyzeWav(toneWav({ frequencyHz: 440, durationMs: 1000, amplitude: 0.03 }));
    expect(soft.silent).toBe(false);
    expect(soft.dominantHz).toBe(440);
  });

  it('reports noise as noise: low tone ratio', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1;
    const x = Float32Array.from({ length: 8000 }, () => 0.3 * rnd());
    const a = analyzeSamples(x, 8000);
    expect(a.silent).toBe(false);
    expect(a.toneRatio).toBeLessThan(0.05);
  });

  it('skips leading silence before analysing', () => {
    const a = analyzeWav(toneWav({ frequencyHz: 700, durationMs: 1200, leadingSilenceMs: 1500 }));
    expect(a.silent).toBe(false);
    expect(a.dominantHz).toBe(700);
    expect(a.windowStartMs).toBeGreaterThanOrEqual(1500);
    expect(a.rms).toBeCloseTo(0.5 / Math.SQRT2, 2);
    // Over the whole file (more than half silence) the level is clearly lower.
    expect(a.overallRms).toBeLessThan(a.rms * 0.75);
  });

  it('analyses a short (300 ms) tone', () => {
    expect(analyzeWav(toneWav({ frequencyHz: 1000, durationMs: 300 })).dominantHz).toBe(1000);
  });
});

describe('parseWav', () => {
  it('walks RIFF chunks: skips LIST and odd-sized chunks, reads stereo per channel', () => {
    const bytes = riff([
      ['LIST', Buffer.from('INFOISFT\x05\x00\x00\x00test\x00', 'latin1')],
      ['junk', Buffer.alloc(3)], // odd size → one pad byte
      ['fmt ', fmtChunk(2, 11025)],
      ['fact', Buffer.alloc(4)],
      ['data', stereoData(11025, 1, 440, 1000)],
    ]);
    const wav = parseWav(bytes);
    expect(wav.channels).toBe(2);
    expect(wav.sampleRate).toBe(11025);
    expect(wav.samples.length).toBe(11025);
    expect(analyzeWav(bytes, { channel: 0 }).dominantHz).toBe(440);
    expect(analyzeWav(bytes, { channel: 1 }).dominantHz).toBe(1000);
    // The mono mix-down holds both at equal level.
    const mix = analyzeWav(bytes);
    expect([440, 1000]).toContain(mix.dominantHz);
    expect(mix.toneRatio).toBeLessThan(0.6);
  });

  it('accepts WAVE_FORMAT_EXTENSIBLE with a PCM sub-format', () => {
    const bytes = riff([
      ['fmt ', fmtChunk(2, 48000, true)],
      ['data', stereoData(48000, 0.5, 1000, 1000)],
    ]);
    const a = analyzeWav(bytes);
    expect(a.sampleRate).toBe(48000);
    expect(a.dominantHz).toBe(1000);
  });

  it('reads an unfinished recording whose data size is still 0', () => {
    const bytes = toneWav({ frequencyHz: 440, durationMs: 1000 });
    bytes.writeUInt32LE(0, 40);
    const wav = parseWav(bytes);
    expect(wav.samples.length).toBe(8000);
    expect(analyzeWav(bytes).dominantHz).toBe(440);
  });

  it('rejects what it cannot read', () => {
    expect(() => parseWav(Buffer.from('not a wav file at all'))).toThrow(/RIFF/);
    const f8 = fmtChunk(1, 8000);
    f8.writeUInt16LE(8, 14);
    expect(() => parseWav(riff([['fmt ', f8], ['data', Buffer.alloc(10)]]))).toThrow(/16-bit/);
    const alaw = fmtChunk(1, 8000);
    alaw.writeUInt16LE(6, 0);
    expect(() => parseWav(riff([['fmt ', alaw], ['data', Buffer.alloc(10)]]))).toThrow(/format/);
    expect(() => parseWav(riff([['fmt ', fmtChunk(1, 8000)]]))).toThrow(/data/);
  });
});

const haveSox = spawnSync('sox', ['--version']).status === 0;
describe.skipIf(!haveSox)('against sox (independent WAV writer)', () => {
  it('analyses sox-made 16 kHz stereo and 8 kHz mono tones', () => {
    const p1 = join(dir, 'sox1.wav');
    execFileSync('sox', ['-n', '-r', '16000', '-c', '2', '-b', '16', p1, 'synth', '1', 'sine', '1000', 'vol', '0.5']);
    const a = analyzeWav(p1);
    expect(a.channels).toBe(2);
    expect(a.dominantHz).toBe(1000);
    const p2 = join(dir, 'sox2.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', p2, 'synth', '1', 'sine', '440', 'vol', '0.5']);
    expect(analyzeWav(p2).dominantHz).toBe(440);
    const p3 = join(dir, 'sox3.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', p3, 'trim', '0', '1']);
    expect(analyzeWav(p3).silent).toBe(true);
  });

  it('writes WAVs sox reads back with the same rate and length', () => {
    const p = join(dir, 'ours.wav');
    writeFileSync(p, toneWav({ frequencyHz: 440, durationMs: 1000, sampleRate: 16000 }));
    const info = execFileSync('soxi', [p]).toString();
    expect(info).toMatch(/Sample Rate\s*:\s*16000/);
    expect(info).toMatch(/Channels\s*:\s*1/);
    expect(info).toMatch(/16000 samples/);
  });
});
