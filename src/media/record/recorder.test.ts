import { createHash } from 'node:crypto';
import fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FRAME_SAMPLES } from '../audio/frame.js';
import { nodeFs, type RecorderFile, type RecorderFs } from './fs.js';
import { verifyRecording, WavRecorder } from './index.js';
import { readWav, tmpDir, tone } from './test-support.js';
import { maxDataBytes } from './wav-header.js';

const FRAME_BYTES = FRAME_SAMPLES * 4; // stereo
const dirs: string[] = [];
const newPath = (name = 'call.wav') => {
  const d = tmpDir();
  dirs.push(d);
  return path.join(d, name);
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Left channel, right channel of the interleaved samples, frame by frame. */
const channel = (s: Int16Array, ch: 0 | 1) => s.filter((_, i) => i % 2 === ch);

const waitFor = async (check: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('WavRecorder', () => {
  it('writes a canonical header and round-trips two different tones', async () => {
    const file = newPath();
    const rec = await WavRecorder.open(file);
    const empty = readWav(file);
    expect(empty.size).toBe(44);
    expect(empty.dataSize).toBe(0);
    expect(empty.riffSize).toBe(36);

    const frames = 60; // 1.2 s: one automatic flush, the rest on close
    for (let n = 0; n < frames; n++) rec.write(tone(440, n), tone(1000, n, 4000));
    expect(rec.durationMs).toBe(1200);
    const result = await rec.close();

    const w = readWav(file);
    expect(w).toMatchObject({
      riff: 'RIFF',
      riffSize: 36 + frames * FRAME_BYTES,
      wave: 'WAVE',
      fmt: 'fmt ',
      fmtSize: 16,
      format: 1,
      channels: 2,
      sampleRate: 8000,
      byteRate: 32000,
      blockAlign: 4,
      bits: 16,
      data: 'data',
      dataSize: frames * FRAME_BYTES,
      size: 44 + frames * FRAME_BYTES,
    });
    const left = Array.from({ length: frames }, (_, n) => Array.from(tone(440, n))).flat();
    const right = Array.from({ length: frames }, (_, n) => Array.from(tone(1000, n, 4000))).flat();
    expect(Array.from(channel(w.samples, 0))).toEqual(left);
    expect(Array.from(channel(w.samples, 1))).toEqual(right);
    expect(result).toMatchObject({ path: file, bytes: w.size, durationMs: 1200, truncated: false, silencedMs: 0 });
    expect(rec.bytesWritten).toBe(w.size);
  });

  it('hashes the final file into a sha256sum sidecar', async () => {
    const file = newPath('a b.wav');
    const rec = await WavRecorder.open(file, { flushMs: 100 });
    for (let n = 0; n < 13; n++) rec.write(tone(300, n), null);
    const { sha256 } = await rec.close();
    const expected = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    expect(sha256).toBe(expected);
    expect(fs.readFileSync(`${file}.sha256`, 'utf8')).toBe(`${expected}  a b.wav\n`);
    expect(fs.existsSync(`${file}.sha256.tmp`)).toBe(false);
    expect(await verifyRecording(file)).toBe(true);
    fs.appendFileSync(file, Buffer.alloc(4));
    expect(await verifyRecording(file)).toBe(false);
    expect(await verifyRecording(newPath('none.wav'))).toBe(false);
  });

  it('records exact silence of the right length while paused', async () => {
    const file = newPath();
    const rec = await WavRecorder.open(file, { flushMs: 200 });
    let n = 0;
    for (; n < 10; n++) rec.write(tone(440, n), tone(600, n));
    rec.pause();
    expect(rec.paused).toBe(true);
    for (; n < 25; n++) rec.write(tone(440, n), tone(600, n));
    rec.resume();
    for (; n < 35; n++) rec.write(tone(440, n), tone(600, n));
    await rec.close();

    const w = readWav(file);
    expect(w.dataSize).toBe(35 * FRAME_BYTES);
    const perFrame = FRAME_SAMPLES * 2;
    for (let f = 0; f < 35; f++) {
      const frame = w.samples.subarray(f * perFrame, (f + 1) * perFrame);
      const silent = frame.every((s) => s === 0);
      expect(silent, `frame ${f}`).toBe(f >= 10 && f < 25);
    }
    expect(Array.from(channel(w.samples.subarray(25 * perFrame, 26 * perFrame), 0))).toEqual(Array.from(tone(440, 25)));
  });

  it('mixes both sides into one channel when mono, clipping instead of wrapping', async () => {
    const file = newPath();
    const rec = await WavRecorder.open(file, { channels: 1 });
    const loud = new Int16Array(FRAME_SAMPLES).fill(30000);
    rec.write(tone(440, 0), tone(1000, 0));
    rec.write(loud, loud);
    rec.write(null, tone(1000, 2));
    await rec.close();
    const w = readWav(file);
    expect(w).toMatchObject({ channels: 1, blockAlign: 2, byteRate: 16000, dataSize: 3 * FRAME_SAMPLES * 2 });
    const a = tone(440, 0);
    const b = tone(1000, 0);
    expect(Array.from(w.samples.subarray(0, FRAME_SAMPLES))).toEqual(Array.from(a, (s, i) => s + b[i]!));
    expect(w.samples.subarray(FRAME_SAMPLES, 2 * FRAME_SAMPLES).every((s) => s === 32767)).toBe(true);
    expect(Array.from(w.samples.subarray(2 * FRAME_SAMPLES))).toEqual(Array.from(tone(1000, 2)));
  });

  it('close is idempotent and writing afterwards is refused', async () => {
    const file = newPath();
    const rec = await WavRecorder.open(file);
    rec.write(tone(440, 0), tone(440, 0));
    const first = rec.close();
    expect(rec.close()).toBe(first);
    expect(() => rec.write(null, null)).toThrow(expect.objectContaining({ code: 'MEDIA_BAD_REQUEST' }));
    const r = await first;
    expect(await rec.close()).toBe(r);
    expect(r.bytes).toBe(44 + FRAME_BYTES);
  });

  it('keeps the header valid after every flush while recording', async () => {
    const file = newPath();
    const rec = await WavRecorder.open(file, { flushMs: 100 });
    const check = (frames: number) => {
      const w = readWav(file);
      expect(w.dataSize).toBe(frames * FRAME_BYTES);
      expect(w.riffSize).toBe(36 + frames * FRAME_BYTES);
      expect(w.size).toBe(44 + w.dataSize);
      expect(Array.from(channel(w.samples, 0).subarray(-FRAME_SAMPLES))).toEqual(Array.from(tone(440, frames - 1)));
    };
    let n = 0;
    for (let round = 1; round <= 3; round++) {
      for (; n < round * 5; n++) rec.write(tone(440, n), null);
      await waitFor(() => rec.bytesWritten === 44 + n * FRAME_BYTES); // chunk of 100 ms flushed on its own
      check(n);
    }
    for (; n < 18; n++) rec.write(tone(440, n), null); // less than a chunk: stays in memory
    await new Promise((r) => setTimeout(r, 30));
    check(15);
    await rec.flush();
    check(18);
    await rec.close();
    check(18);
  });

  it('stops at the size limit and says so', async () => {
    const file = newPath();
    const rec = await WavRecorder.open(file, { maxDataBytes: 10 * FRAME_BYTES + 100 });
    for (let n = 0; n < 15; n++) rec.write(tone(440, n), tone(440, n));
    expect(rec.truncated).toBe(true);
    expect(rec.durationMs).toBe(200);
    const r = await rec.close();
    expect(r).toMatchObject({ truncated: true, durationMs: 200, bytes: 44 + 10 * FRAME_BYTES });
    expect(readWav(file).dataSize).toBe(10 * FRAME_BYTES);
  });

  it('the default limit is the largest whole-frame size the 32-bit RIFF field can hold', () => {
    const max = maxDataBytes({ sampleRate: 8000, channels: 2 });
    expect(max % 4).toBe(0);
    expect(36 + max).toBeLessThanOrEqual(0xffff_ffff);
    expect(36 + max + 4).toBeGreaterThan(0xffff_ffff);
    expect(maxDataBytes({ sampleRate: 8000, channels: 1 })).toBe(0xffff_ffff - 36 - 1);
  });

  it('refuses bad frames, bad options and existing files', async () => {
    const file = newPath();
    const rec = await WavRecorder.open(file);
    expect(() => rec.write(new Int16Array(80), null)).toThrow(expect.objectContaining({ code: 'MEDIA_BAD_REQUEST' }));
    await rec.close();
    await expect(WavRecorder.open(file)).rejects.toMatchObject({ code: 'MEDIA_BAD_REQUEST' });
    await expect(WavRecorder.open(newPath(), { flushMs: 30 })).rejects.toMatchObject({ code: 'MEDIA_BAD_REQUEST' });
    await expect(WavRecorder.open(newPath(), { sampleRate: 16000 as 8000 })).rejects.toMatchObject({ code: 'MEDIA_BAD_REQUEST' });
    await expect(WavRecorder.open(path.join(newPath(), 'missing', 'x.wav'))).rejects.toMatchObject({ code: 'MEDIA_IO_FAILED' });
  });
});

/** Real files, but the data writes of the recording can be made to fail or to stall. */
function faultyFs(target: string, behave: (dataWrite: number) => 'ok' | 'fail' | Promise<void>): RecorderFs {
  let dataWrites = 0;
  return {
    ...nodeFs,
    async open(p, flags) {
      const real = await nodeFs.open(p, flags);
      if (p !== target) return real;
      const file: RecorderFile = {
        async write(buf, offset, length, position) {
          if (position >= 44) {
            const b = behave(++dataWrites);
            if (b === 'fail') throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
            if (b !== 'ok') await b;
          }
          return real.write(buf, offset, length, position);
        },
        datasync: () => real.datasync(),
        sync: () => real.sync(),
        close: () => real.close(),
      };
      return file;
    },
  };
}

describe('WavRecorder on a failing disk', () => {
  it('fails once, drops further frames, rejects close, and leaves a playable file', async () => {
    const file = newPath();
    const onError = vi.fn();
    const rec = await WavRecorder.open(file, { flushMs: 20, onError, fs: faultyFs(file, (n) => (n >= 3 ? 'fail' : 'ok')) });
    for (let n = 0; n < 10; n++) rec.write(tone(440, n), tone(440, n));
    await expect(rec.flush()).rejects.toMatchObject({ code: 'MEDIA_IO_FAILED' });
    expect(onError).toHaveBeenCalledTimes(1);
    expect(rec.error?.code).toBe('MEDIA_IO_FAILED');
    expect(rec.error?.message).toContain('ENOSPC');
    rec.write(tone(440, 10), null); // dropped, not thrown: the media tick must not see disk errors
    const closed = rec.close();
    expect(rec.close()).toBe(closed);
    await expect(closed).rejects.toMatchObject({ code: 'MEDIA_IO_FAILED' });

    const w = readWav(file);
    expect(w.dataSize).toBe(2 * FRAME_BYTES);
    expect(w.size).toBe(44 + w.dataSize);
    expect(Array.from(channel(w.samples, 0).subarray(FRAME_SAMPLES))).toEqual(Array.from(tone(440, 1)));
    expect(fs.existsSync(`${file}.sha256`)).toBe(false);
    expect(rec.bytesWritten).toBe(44 + 2 * FRAME_BYTES);
  });

  it('a failing header write also fails the recorder without an unhandled rejection', async () => {
    const file = newPath();
    const fsWithBadSync: RecorderFs = {
      ...nodeFs,
      async open(p, flags) {
        const real = await nodeFs.open(p, flags);
        if (p !== file) return real;
        let syncs = 0;
        return {
          write: (b, o, l, pos) => real.write(b, o, l, pos),
          datasync: async () => {
            if (++syncs > 1) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
            return real.datasync();
          },
          sync: () => real.sync(),
          close: () => real.close(),
        };
      },
    };
    const rec = await WavRecorder.open(file, { fs: fsWithBadSync });
    for (let n = 0; n < 5; n++) rec.write(tone(440, n), null);
    await expect(rec.close()).rejects.toMatchObject({ code: 'MEDIA_IO_FAILED' });
    expect(readWav(file).dataSize).toBe(5 * FRAME_BYTES); // data and header made it; only the sync failed
    expect(fs.existsSync(`${file}.sha256`)).toBe(false);
  });

  it('bounds memory behind a stalled disk by recording silence, keeping the timeline', async () => {
    const file = newPath();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const rec = await WavRecorder.open(file, {
      flushMs: 20,
      maxBufferedMs: 100, // five frames
      fs: faultyFs(file, (n) => (n === 1 ? gate : 'ok')),
    });
    for (let n = 0; n < 20; n++) rec.write(tone(440, n), tone(880, n));
    expect(rec.durationMs).toBe(400);
    release();
    const r = await rec.close();
    expect(r).toMatchObject({ durationMs: 400, silencedMs: 300, bytes: 44 + 20 * FRAME_BYTES });
    const w = readWav(file);
    const perFrame = FRAME_SAMPLES * 2;
    for (let f = 0; f < 20; f++) {
      const silent = w.samples.subarray(f * perFrame, (f + 1) * perFrame).every((s) => s === 0);
      expect(silent, `frame ${f}`).toBe(f >= 5);
    }
  });

  it('between appends the header covers exactly the data in the file', async () => {
    const file = newPath();
    const seen: number[] = [];
    const rec = await WavRecorder.open(file, {
      flushMs: 40,
      fs: faultyFs(file, () => {
        const w = readWav(file); // the file as a crash right now would leave it
        expect(w.size).toBe(44 + w.dataSize);
        expect(w.riffSize).toBe(36 + w.dataSize);
        seen.push(w.dataSize);
        return 'ok';
      }),
    });
    for (let n = 0; n < 10; n++) rec.write(tone(440, n), null);
    await rec.close();
    expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => i * 2 * FRAME_BYTES));
  });

  it('never writes more than one chunk at a time', async () => {
    const file = newPath();
    let inFlight = 0;
    let most = 0;
    const rec = await WavRecorder.open(file, {
      flushMs: 20,
      fs: faultyFs(file, () => {
        most = Math.max(most, ++inFlight);
        return new Promise<void>((r) => setTimeout(() => r(), 2)).then(() => void inFlight--);
      }),
    });
    for (let n = 0; n < 30; n++) rec.write(tone(440, n), null);
    await rec.close();
    expect(most).toBe(1);
    expect(await fsp.stat(file).then((s) => s.size)).toBe(44 + 30 * FRAME_BYTES);
  });
});
