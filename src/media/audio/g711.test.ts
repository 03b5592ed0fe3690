import { describe, expect, it } from 'vitest';
import { MediaError } from '../errors.js';
import {
  alawToLinear,
  decodeG711,
  encodeG711,
  linearToAlaw,
  linearToUlaw,
  ulawToLinear,
  type G711Law,
} from './g711.js';

const laws: G711Law[] = ['pcmu', 'pcma'];
const toLinear = { pcmu: ulawToLinear, pcma: alawToLinear };
const fromLinear = { pcmu: linearToUlaw, pcma: linearToAlaw };

describe('G.711', () => {
  it('decodes known µ-law code points', () => {
    expect(ulawToLinear(0xff)).toBe(0);
    expect(ulawToLinear(0x7f)).toBe(0); // negative zero
    expect(ulawToLinear(0x00)).toBe(-32124);
    expect(ulawToLinear(0x80)).toBe(32124);
  });

  it('decodes known A-law code points', () => {
    expect(alawToLinear(0xd5)).toBe(8);
    expect(alawToLinear(0x55)).toBe(-8);
    expect(alawToLinear(0xaa)).toBe(32256);
    expect(alawToLinear(0x2a)).toBe(-32256);
  });

  it('encodes silence and the extremes to the expected codes', () => {
    expect(linearToUlaw(0)).toBe(0xff);
    expect(linearToUlaw(-1)).toBe(0x7f);
    expect(linearToUlaw(32767)).toBe(0x80);
    expect(linearToUlaw(-32768)).toBe(0x00);
    expect(linearToAlaw(0)).toBe(0xd5);
    expect(linearToAlaw(-1)).toBe(0x55);
    expect(linearToAlaw(32767)).toBe(0xaa);
    expect(linearToAlaw(-32768)).toBe(0x2a);
  });

  for (const law of laws) {
    it(`${law}: decode(encode(decode(b))) === decode(b) for all 256 codes`, () => {
      const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
      const pcm = new Int16Array(256);
      decodeG711(codes, law, pcm);
      const again = new Uint8Array(256);
      encodeG711(pcm, law, again);
      const pcm2 = new Int16Array(256);
      decodeG711(again, law, pcm2);
      expect(Array.from(pcm2)).toEqual(Array.from(pcm));
    });

    it(`${law}: encoding is monotonic over the whole 16-bit range`, () => {
      let prev = -Infinity;
      let violations = 0;
      for (let x = -32768; x <= 32767; x++) {
        const y = toLinear[law](fromLinear[law](x));
        if (y < prev) violations++;
        prev = y;
      }
      expect(violations).toBe(0);
    });

    it(`${law}: a 1 kHz sine keeps an SNR above 30 dB`, () => {
      const n = 8000;
      const pcm = Int16Array.from({ length: n }, (_, i) =>
        Math.round(16000 * Math.sin((2 * Math.PI * 1000 * i) / 8000 + 0.3)),
      );
      const bytes = new Uint8Array(n);
      encodeG711(pcm, law, bytes);
      const back = new Int16Array(n);
      decodeG711(bytes, law, back);
      let sig = 0;
      let noise = 0;
      for (let i = 0; i < n; i++) {
        sig += pcm[i]! ** 2;
        noise += (pcm[i]! - back[i]!) ** 2;
      }
      expect(10 * Math.log10(sig / noise)).toBeGreaterThan(30);
    });

    it(`${law}: batch and scalar functions agree, with offsets`, () => {
      const pcm = Int16Array.from({ length: 400 }, (_, i) => (i * 2654435761) & 0xffff);
      const bytes = new Uint8Array(200);
      encodeG711(pcm, law, bytes, 100, 160, 20);
      for (let i = 0; i < 160; i++) expect(bytes[20 + i]).toBe(fromLinear[law](pcm[100 + i]!));
      expect(bytes[0]).toBe(0);
      const out = new Int16Array(300);
      decodeG711(bytes.subarray(20), law, out, 50, 160);
      for (let i = 0; i < 160; i++) expect(out[50 + i]).toBe(toLinear[law](bytes[20 + i]!));
      expect(out[49]).toBe(0);
      expect(out[210]).toBe(0);
    });

    it(`${law}: refuses ranges outside the buffers`, () => {
      expect(() => decodeG711(new Uint8Array(160), law, new Int16Array(100))).toThrow(MediaError);
      expect(() => encodeG711(new Int16Array(160), law, new Uint8Array(100))).toThrow(MediaError);
      expect(() => encodeG711(new Int16Array(160), law, new Uint8Array(160), 10, 160)).toThrow(MediaError);
    });
  }
});
