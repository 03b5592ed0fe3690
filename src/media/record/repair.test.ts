import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repairRecordings, WavRecorder } from './index.js';
import { readWav, tmpDir, tone } from './test-support.js';
import { wavHeader } from './wav-header.js';

const dirs: string[] = [];
const newDir = () => {
  const d = tmpDir();
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const stereo = { sampleRate: 8000, channels: 2 as const };

describe('repairRecordings', () => {
  it('moves aside a file too short to hold a header', async () => {
    const dir = newDir();
    const file = path.join(dir, 'short.wav');
    fs.writeFileSync(file, Buffer.from('RIFF\0\0'));
    const r = await repairRecordings(dir);
    expect(r).toEqual({ repaired: [], ok: [], removed: [file] });
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readFileSync(`${file}.broken`, 'utf8')).toBe('RIFF\0\0');
  });

  it('moves aside a file that is not one of ours, without overwriting an earlier one', async () => {
    const dir = newDir();
    const file = path.join(dir, 'other.wav');
    const foreign = wavHeader({ sampleRate: 16000, channels: 2 }, 0); // not the engine's rate
    fs.writeFileSync(file, Buffer.concat([foreign, Buffer.alloc(64)]));
    fs.writeFileSync(`${file}.broken`, 'earlier');
    const r = await repairRecordings(dir);
    expect(r.removed).toEqual([file]);
    expect(fs.readFileSync(`${file}.broken`, 'utf8')).toBe('earlier');
    expect(fs.statSync(`${file}.broken.1`).size).toBe(44 + 64);
  });

  it('cuts an unclosed file to whole frames and makes both sizes cover it', async () => {
    const dir = newDir();
    const file = path.join(dir, 'cut.wav');
    // Header says 8 bytes, file holds 103 bytes of data (25 whole stereo frames and 3 stray bytes).
    fs.writeFileSync(file, Buffer.concat([wavHeader(stereo, 8), Buffer.alloc(103, 1)]));
    const r = await repairRecordings(dir);
    expect(r).toEqual({ repaired: [file], ok: [], removed: [] });
    const w = readWav(file);
    expect(w).toMatchObject({ size: 44 + 100, dataSize: 100, riffSize: 136 });
    expect(fs.existsSync(`${file}.sha256`)).toBe(false);
    expect(await repairRecordings(dir)).toEqual({ repaired: [], ok: [file], removed: [] });
  });

  it('leaves closed recordings alone and clears unfinished sidecars', async () => {
    const dir = newDir();
    const closed = path.join(dir, 'closed.wav');
    const rec = await WavRecorder.open(closed);
    rec.write(tone(440, 0), tone(440, 0));
    await rec.close();
    fs.appendFileSync(closed, Buffer.alloc(3)); // would be cut, were it not closed
    fs.writeFileSync(path.join(dir, 'x.wav.sha256.tmp'), 'half');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not audio');
    expect(await repairRecordings(dir)).toEqual({ repaired: [], ok: [], removed: [] });
    expect(fs.statSync(closed).size).toBe(44 + 640 + 3);
    expect(fs.existsSync(path.join(dir, 'x.wav.sha256.tmp'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'notes.txt'))).toBe(true);
  });

  it('a missing directory has nothing to repair', async () => {
    expect(await repairRecordings(path.join(newDir(), 'nope'))).toEqual({ repaired: [], ok: [], removed: [] });
  });
});
