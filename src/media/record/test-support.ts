import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FRAME_SAMPLES } from '../audio/frame.js';

/** A deliberately tiny WAV reader, independent of the writer's header code. */
export interface WavFile {
  size: number;
  riff: string;
  riffSize: number;
  wave: string;
  fmt: string;
  fmtSize: number;
  format: number;
  channels: number;
  sampleRate: number;
  byteRate: number;
  blockAlign: number;
  bits: number;
  data: string;
  dataSize: number;
  /** Interleaved samples of the data the header covers. */
  samples: Int16Array;
}

export function readWav(file: string): WavFile {
  const b = fs.readFileSync(file);
  const dataSize = b.readUInt32LE(40);
  const body = b.subarray(44, 44 + dataSize);
  const samples = new Int16Array(body.length / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = body.readInt16LE(2 * i);
  return {
    size: b.length,
    riff: b.toString('ascii', 0, 4),
    riffSize: b.readUInt32LE(4),
    wave: b.toString('ascii', 8, 12),
    fmt: b.toString('ascii', 12, 16),
    fmtSize: b.readUInt32LE(16),
    format: b.readUInt16LE(20),
    channels: b.readUInt16LE(22),
    sampleRate: b.readUInt32LE(24),
    byteRate: b.readUInt32LE(28),
    blockAlign: b.readUInt16LE(32),
    bits: b.readUInt16LE(34),
    data: b.toString('ascii', 36, 40),
    dataSize,
    samples,
  };
}

/** Frame `n` of a sine tone, continuous across frames. */
export function tone(hz: number, n: number, amplitude = 8000): Int16Array {
  const f = new Int16Array(FRAME_SAMPLES);
  for (let i = 0; i < FRAME_SAMPLES; i++) {
    f[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * (n * FRAME_SAMPLES + i)) / 8000));
  }
  return f;
}

export const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-rec-'));
