import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MediaError } from '../errors.js';
import { alawToLinear, ulawToLinear } from './g711.js';
import { dominantFrequency } from './goertzel.js';
import { encodeWav16, loadPrompt, parseWav } from './wav.js';

interface Spec {
  format?: number;
  channels?: number;
  rate?: number;
  bits?: number;
  blockAlign?: number;
  /** WAVE_FORMAT_EXTENSIBLE wrapping `format`; a custom GUID tail when `guidTail` is set. */
  extensible?: boolean;
  guidTail?: number[];
  fmtSize?: number;
  data: Uint8Array;
  dataSize?: number;
  before?: Uint8Array[];
  after?: Uint8Array[];
  riff?: string;
}

const chunk = (id: string, body: Uint8Array, size = body.length): Uint8Array => {
  const out = new Uint8Array(8 + body.length + (body.length & 1));
  out.set(Buffer.from(id, 'latin1'));
  new DataView(out.buffer).setUint32(4, size >>> 0, true);
  out.set(body, 8);
  return out;
};

const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

function fmtBody(s: Spec): Uint8Array {
  const channels = s.channels ?? 1;
  const bits = s.bits ?? 16;
  const blockAlign = s.blockAlign ?? channels * Math.ceil(bits / 8);
  const body = new Uint8Array(s.extensible ? 40 : 16);
  const v = new DataView(body.buffer);
  v.setUint16(0, s.extensible ? 0xfffe : (s.format ?? 1), true);
  v.setUint16(2, channels, true);
  v.setUint32(4, s.rate ?? 8000, true);
  v.setUint32(8, (s.rate ?? 8000) * blockAlign, true);
  v.setUint16(12, blockAlign, true);
  v.setUint16(14, bits, true);
  if (s.extensible) {
    v.setUint16(16, 22, true);
    v.setUint16(18, bits, true);
    v.setUint32(20, 0, true);
    v.setUint16(24, s.format ?? 1, true);
    body.set(s.guidTail ?? GUID_TAIL, 26);
  }
  return s.fmtSize === undefined ? body : body.subarray(0, s.fmtSize);
}

function wav(s: Spec): Uint8Array {
  const parts = [
    ...(s.before ?? []),
    chunk('fmt ', fmtBody(s)),
    chunk('data', s.data, s.dataSize ?? s.data.length),
    ...(s.after ?? []),
  ];
  const len = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(12 + len);
  out.set(Buffer.from(s.riff ?? 'RIFF', 'latin1'));
  new DataView(out.buffer).setUint32(4, 4 + len, true);
  out.set(Buffer.from('WAVE', 'latin1'), 8);
  let at = 12;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const le = (kind: 'i16' | 'i32' | 'f32' | 'f64', values: number[]): Uint8Array => {
  const size = kind === 'i16' ? 2 : kind === 'f64' ? 8 : 4;
  const out = new Uint8Array(values.length * size);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => {
    if (kind === 'i16') v.setInt16(i * size, x, true);
    else if (kind === 'i32') v.setInt32(i * size, x, true);
    else if (kind === 'f32') v.setFloat32(i * size, x, true);
    else v.setFloat64(i * size, x, true);
  });
  return out;
};

const expectBad = (buf: Uint8Array, message?: RegExp): void => {
  let err: unknown;
  try {
    parseWav(buf);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(MediaError);
  expect((err as MediaError).code).toBe('MEDIA_BAD_AUDIO');
  if (message) expect((err as MediaError).message).toMatch(message);
};

describe('parseWav formats', () => {
  it('reads 16-bit PCM written by encodeWav16 (stereo, interleaved)', () => {
    const w = parseWav(encodeWav16(Int16Array.from([0, 100, -32768, 32767, 16384, -1]), 44100, 2));
    expect(w).toMatchObject({ sampleRate: 44100, channels: 2, frames: 3 });
    expect(Array.from(w.channelData[0]!)).toEqual([0, -1, 0.5]);
    expect(Array.from(w.channelData[1]!)).toEqual([100 / 32768, 32767 / 32768, -1 / 32768]);
  });

  it('reads unsigned 8-bit PCM', () => {
    const w = parseWav(wav({ bits: 8, data: bytes(128, 255, 0, 192) }));
    expect(Array.from(w.channelData[0]!)).toEqual([0, 127 / 128, -1, 0.5]);
  });

  it('reads 24-bit PCM', () => {
    const w = parseWav(wav({ bits: 24, data: bytes(0xff, 0xff, 0x7f, 0x00, 0x00, 0x80, 0x01, 0, 0, 0xff, 0xff, 0xff) }));
    expect(Array.from(w.channelData[0]!)).toEqual([
      Math.fround(8388607 / 8388608),
      -1,
      Math.fround(1 / 8388608),
      Math.fround(-1 / 8388608),
    ]);
  });

  it('reads 32-bit PCM', () => {
    const w = parseWav(wav({ bits: 32, data: le('i32', [2 ** 30, -(2 ** 31), 0]) }));
    expect(Array.from(w.channelData[0]!)).toEqual([0.5, -1, 0]);
  });

  it('reads 32- and 64-bit IEEE float, non-finite values as silence', () => {
    const w32 = parseWav(wav({ format: 3, bits: 32, data: le('f32', [0.25, -1.5, Number.NaN]) }));
    expect(Array.from(w32.channelData[0]!)).toEqual([0.25, -1.5, 0]);
    const w64 = parseWav(wav({ format: 3, bits: 64, channels: 2, data: le('f64', [0.125, -0.5, Infinity, 1]) }));
    expect(Array.from(w64.channelData[0]!)).toEqual([0.125, 0]);
    expect(Array.from(w64.channelData[1]!)).toEqual([-0.5, 1]);
  });

  it('reads µ-law and A-law', () => {
    const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const u = parseWav(wav({ format: 7, bits: 8, data: codes }));
    const a = parseWav(wav({ format: 6, bits: 8, data: codes }));
    for (let i = 0; i < 256; i++) {
      expect(u.channelData[0]![i]).toBe(ulawToLinear(i) / 32768);
      expect(a.channelData[0]![i]).toBe(alawToLinear(i) / 32768);
    }
  });

  it('reads WAVE_FORMAT_EXTENSIBLE with PCM and float sub-formats', () => {
    const p = parseWav(wav({ extensible: true, format: 1, bits: 16, channels: 2, data: le('i16', [16384, -16384]) }));
    expect(p.channels).toBe(2);
    expect(p.channelData[1]![0]).toBe(-0.5);
    const f = parseWav(wav({ extensible: true, format: 3, bits: 32, data: le('f32', [0.75]) }));
    expect(f.channelData[0]![0]).toBe(0.75);
    // 24 valid bits in 32-bit containers, left-justified.
    const c = parseWav(wav({ extensible: true, format: 1, bits: 32, data: le('i32', [0x40000000]) }));
    expect(c.channelData[0]![0]).toBe(0.5);
  });

  it('skips LIST, fact and odd-sized chunks, and finds fmt after data', () => {
    const w = parseWav(
      wav({
        before: [chunk('LIST', bytes(1, 2, 3)), chunk('fact', bytes(0, 0, 0, 0))],
        data: le('i16', [1000, 2000, 3000]),
        after: [chunk('LIST', bytes(9, 9, 9, 9, 9))],
      }),
    );
    expect(w.frames).toBe(3);
    expect(w.channelData[0]![2]).toBe(3000 / 32768);

    const data = chunk('data', le('i16', [7, 8]));
    const fmt = chunk('fmt ', fmtBody({ data: new Uint8Array(0) }));
    const buf = new Uint8Array(12 + data.length + fmt.length);
    buf.set(Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'));
    buf.set(data, 12);
    buf.set(fmt, 12 + data.length);
    expect(Array.from(parseWav(buf).channelData[0]!)).toEqual([7 / 32768, 8 / 32768]);
  });

  it('reads RF64 through its ds64 size', () => {
    const ds64 = new Uint8Array(28);
    new DataView(ds64.buffer).setUint32(8, 4, true);
    const w = parseWav(
      wav({
        riff: 'RF64',
        before: [chunk('ds64', ds64)],
        data: le('i16', [5, 6]),
        dataSize: 0xffffffff,
        after: [chunk('LIST', bytes(1, 2, 3, 4))],
      }),
    );
    expect(w.frames).toBe(2);
  });
});

describe('parseWav on files still being written', () => {
  const samples = le('i16', [100, 200, 300, 400, 500, 600]);
  for (const size of [0, 0xffffffff, 1_000_000]) {
    it(`uses the bytes present when the data size is ${size}`, () => {
      const w = parseWav(wav({ data: samples, dataSize: size }));
      expect(w.frames).toBe(6);
      expect(w.channelData[0]![5]).toBe(600 / 32768);
    });
  }

  it('keeps whole sample frames only', () => {
    const w = parseWav(wav({ channels: 2, data: samples.subarray(0, 10), dataSize: 0 }));
    expect(w.frames).toBe(2);
  });

  it('treats a zero size followed by well-formed chunks as an empty data chunk', () => {
    const w = parseWav(wav({ data: new Uint8Array(0), after: [chunk('LIST', bytes(1, 2, 3, 4))] }));
    expect(w.frames).toBe(0);
  });
});

describe('parseWav rejections', () => {
  const ok = { data: le('i16', [1, 2]) };
  it('rejects what is not RIFF/WAVE', () => {
    expectBad(bytes(), /too short/);
    expectBad(Buffer.from('ID3\u0004 not a wave file at all'), /RIFF/);
    const w = wav(ok);
    w.set(Buffer.from('AVI ', 'latin1'), 8);
    expectBad(w, /RIFF/);
  });

  it('rejects a file without fmt or data', () => {
    const noFmt = new Uint8Array(12 + 12);
    noFmt.set(Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'));
    noFmt.set(chunk('data', bytes(1, 2, 3, 4)), 12);
    expectBad(noFmt, /no fmt/);
    expectBad(wav(ok).subarray(0, 12 + 24), /no data/);
  });

  it('rejects unsupported encodings', () => {
    expectBad(wav({ format: 2, bits: 4, data: bytes(1, 2) }), /0x0002/); // MS ADPCM
    expectBad(wav({ format: 0x11, bits: 4, data: bytes(1, 2) }), /0x0011/); // IMA ADPCM
    expectBad(wav({ format: 0x55, bits: 0, data: bytes(1, 2) }), /0x0055/); // MP3
    expectBad(wav({ format: 3, bits: 16, data: bytes(1, 2) }), /16-bit float/);
    expectBad(wav({ format: 1, bits: 0, data: bytes(1, 2) }), /0-bit PCM/);
    expectBad(wav({ format: 7, bits: 16, data: bytes(1, 2) }), /unsupported/);
    expectBad(wav({ extensible: true, guidTail: new Array(14).fill(1), data: bytes(1, 2) }), /sub-format/);
  });

  it('rejects channel counts of 0 or above 8', () => {
    expectBad(wav({ ...ok, channels: 0, blockAlign: 2 }), /channel/);
    expectBad(wav({ ...ok, channels: 9 }), /channel/);
  });

  it('rejects sample rates of 0 or above 384 kHz', () => {
    expectBad(wav({ ...ok, rate: 0 }), /sample rate/);
    expectBad(wav({ ...ok, rate: 384_001 }), /sample rate/);
    expect(parseWav(wav({ ...ok, rate: 384_000 })).sampleRate).toBe(384_000);
  });

  it('rejects a truncated fmt chunk', () => {
    expectBad(wav({ ...ok, fmtSize: 14 }), /truncated fmt/);
    expectBad(wav({ ...ok, extensible: true, fmtSize: 24 }), /truncated fmt/);
    expectBad(wav(ok).subarray(0, 12 + 8 + 10), /truncated fmt/);
  });
});

describe('parseWav fuzzing', () => {
  const throwsOnlyMediaError = (buf: Uint8Array, fn: (b: Uint8Array) => unknown = parseWav): boolean => {
    try {
      fn(buf);
      return true;
    } catch (e) {
      return e instanceof MediaError && e.code === 'MEDIA_BAD_AUDIO';
    }
  };
  const valid = [
    wav({ data: le('i16', [1, 2, 3, 4]), before: [chunk('LIST', bytes(1, 2, 3))] }),
    wav({ format: 3, bits: 32, channels: 2, data: le('f32', [0.1, 0.2, 0.3, 0.4]) }),
    wav({ extensible: true, bits: 24, data: bytes(1, 2, 3, 4, 5, 6) }),
    wav({ format: 7, bits: 8, data: bytes(1, 2, 3) }),
  ];

  it('random bytes never throw anything but MediaError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => throwsOnlyMediaError(b)), { numRuns: 1000 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        const buf = new Uint8Array(12 + b.length);
        buf.set(Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'));
        buf.set(b, 12);
        return throwsOnlyMediaError(buf);
      }),
      { numRuns: 1000 },
    );
  });

  it('truncations and byte mutations of valid files never throw anything but MediaError', () => {
    for (const v of valid) for (let n = 0; n <= v.length; n++) expect(throwsOnlyMediaError(v.subarray(0, n))).toBe(true);
    fc.assert(
      fc.property(
        fc.constantFrom(...valid),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        (v, edits) => {
          const b = v.slice();
          for (const [at, value] of edits) b[at % b.length] = value;
          return throwsOnlyMediaError(b) && throwsOnlyMediaError(b, loadPrompt);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reads from a view into a larger buffer (byteOffset)', () => {
    const v = valid[0]!;
    const big = new Uint8Array(v.length + 10);
    big.set(v, 7);
    expect(parseWav(big.subarray(7, 7 + v.length)).frames).toBe(4);
  });
});

describe('loadPrompt', () => {
  it('keeps 8 kHz 16-bit mono unchanged', () => {
    const pcm = Int16Array.from({ length: 800 }, (_, i) => (i * 37) % 20000 - 10000);
    expect(Array.from(loadPrompt(encodeWav16(pcm, 8000, 1)))).toEqual(Array.from(pcm));
  });

  it('mixes to mono, resamples to 8 kHz and finds the tone', () => {
    const n = 44100;
    const inter = new Int16Array(n * 2);
    for (let i = 0; i < n; i++) {
      const s = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 44100));
      inter[2 * i] = s;
      inter[2 * i + 1] = s;
    }
    const out = loadPrompt(encodeWav16(inter, 44100, 2));
    expect(out.length).toBe(8000);
    const d = dominantFrequency(out.subarray(800, 7200), 8000, [400, 440, 480]);
    expect(d.freq).toBe(440);
    expect(d.ratio).toBeGreaterThan(0.99);
  });

  it('averages channels', () => {
    const out = loadPrompt(wav({ channels: 2, data: le('i16', [1000, 3000, -1000, -3000]) }));
    expect(Array.from(out)).toEqual([2000, -2000]);
  });

  it('clips float input beyond full scale', () => {
    const out = loadPrompt(wav({ format: 3, bits: 32, data: le('f32', [2, -2, 0.5]) }));
    expect(Array.from(out)).toEqual([32767, -32768, 16384]);
  });

  it('rejects empty files and absurd rates', () => {
    expect(() => loadPrompt(wav({ data: new Uint8Array(0) }))).toThrow(/no audio/);
    expect(() => loadPrompt(wav({ rate: 500, data: le('i16', [1, 2]) }))).toThrow(MediaError);
  });
});

describe('encodeWav16', () => {
  it('writes a canonical header', () => {
    const b = encodeWav16(new Int16Array([1, -1]), 8000, 1);
    expect(b.length).toBe(48);
    expect(b.toString('latin1', 0, 4)).toBe('RIFF');
    expect(b.readUInt32LE(4)).toBe(40);
    expect(b.readUInt32LE(28)).toBe(16000);
    expect(b.readInt16LE(46)).toBe(-1);
  });

  it('rejects bad arguments', () => {
    expect(() => encodeWav16(new Int16Array(3), 8000, 2)).toThrow(MediaError);
    expect(() => encodeWav16(new Int16Array(2), 0, 1)).toThrow(MediaError);
    expect(() => encodeWav16(new Int16Array(2), 8000, 9)).toThrow(MediaError);
  });
});
