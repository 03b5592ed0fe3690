import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRtcpPacketType, newRtpHeader, parseRtp, writeRtpHeader } from './packet.js';

function packet(payload: number[], extra: Partial<{ b0: number; csrc: number[]; ext: number[] }> = {}): Uint8Array {
  const buf = new Uint8Array(2048);
  writeRtpHeader(buf, 0, { marker: true, payloadType: 8, sequence: 0xfffe, timestamp: 0xfffffff0, ssrc: 0xdeadbeef });
  const bytes = [...buf.subarray(0, 12)];
  if (extra.b0 !== undefined) bytes[0] = extra.b0;
  return Uint8Array.from([...bytes, ...(extra.csrc ?? []), ...(extra.ext ?? []), ...payload]);
}

describe('parseRtp', () => {
  it('round-trips the header it writes', () => {
    const h = newRtpHeader();
    expect(parseRtp(packet([1, 2, 3]), h)).toBe(true);
    expect(h).toEqual({
      version: 2,
      padding: false,
      extension: false,
      csrcCount: 0,
      marker: true,
      payloadType: 8,
      sequence: 0xfffe,
      timestamp: 0xfffffff0,
      ssrc: 0xdeadbeef,
      payloadOffset: 12,
      payloadLength: 3,
    });
  });

  it('skips CSRCs and the header extension', () => {
    const h = newRtpHeader();
    const p = packet([9, 9], { b0: 0x80 | 0x10 | 2, csrc: [0, 0, 0, 1, 0, 0, 0, 2], ext: [0xbe, 0xde, 0, 1, 1, 2, 3, 4] });
    expect(parseRtp(p, h)).toBe(true);
    expect(h.csrcCount).toBe(2);
    expect(h.extension).toBe(true);
    expect(h.payloadOffset).toBe(12 + 8 + 8);
    expect(h.payloadLength).toBe(2);
  });

  it('strips padding', () => {
    const h = newRtpHeader();
    expect(parseRtp(packet([7, 7, 0, 0, 3], { b0: 0xa0 }), h)).toBe(true);
    expect(h.padding).toBe(true);
    expect(h.payloadLength).toBe(2);
    // Padding may take the whole payload.
    expect(parseRtp(packet([0, 2], { b0: 0xa0 }), h)).toBe(true);
    expect(h.payloadLength).toBe(0);
  });

  it('rejects invalid packets (RFC 3550 §5.1, §5.3.1, A.1)', () => {
    const h = newRtpHeader();
    expect(parseRtp(new Uint8Array(11), h)).toBe(false);
    expect(parseRtp(packet([1], { b0: 0x40 }), h)).toBe(false); // version 1
    expect(parseRtp(packet([1, 2, 3], { b0: 0x81 }), h)).toBe(false); // CSRC past the end
    expect(parseRtp(packet([0xbe, 0xde], { b0: 0x90 }), h)).toBe(false); // extension header cut
    expect(parseRtp(packet([0xbe, 0xde, 0, 2, 1, 2, 3, 4], { b0: 0x90 }), h)).toBe(false); // extension overruns
    expect(parseRtp(packet([1, 0], { b0: 0xa0 }), h)).toBe(false); // padding count 0
    expect(parseRtp(packet([1, 3], { b0: 0xa0 }), h)).toBe(false); // padding beyond the payload
    expect(parseRtp(packet([], { b0: 0xa0 }), h)).toBe(false); // padding bit without room (reads header octet)
  });

  it('never throws on random bytes, and any accepted packet is self-consistent', () => {
    const h = newRtpHeader();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        if (parseRtp(bytes, h)) {
          expect(h.version).toBe(2);
          expect(h.payloadOffset).toBeGreaterThanOrEqual(12);
          expect(h.payloadLength).toBeGreaterThanOrEqual(0);
          expect(h.payloadOffset + h.payloadLength).toBeLessThanOrEqual(bytes.length);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts whatever version-2 header bits it is given', () => {
    const h = newRtpHeader();
    fc.assert(
      fc.property(
        fc.record({
          marker: fc.boolean(),
          payloadType: fc.integer({ min: 0, max: 127 }),
          sequence: fc.integer({ min: 0, max: 0xffff }),
          timestamp: fc.integer({ min: 0, max: 0xffffffff }),
          ssrc: fc.integer({ min: 0, max: 0xffffffff }),
        }),
        fc.uint8Array({ maxLength: 20 }),
        (fields, payload) => {
          const buf = new Uint8Array(12 + payload.length);
          expect(writeRtpHeader(buf, 0, fields)).toBe(12);
          buf.set(payload, 12);
          expect(parseRtp(buf, h)).toBe(true);
          expect(h).toMatchObject({ ...fields, payloadOffset: 12, payloadLength: payload.length });
        },
      ),
    );
  });
});

describe('writeRtpHeader', () => {
  it('writes at an offset and wraps counters', () => {
    const buf = new Uint8Array(20);
    writeRtpHeader(buf, 4, { marker: false, payloadType: 0, sequence: 0x1_0001, timestamp: 2 ** 32 + 5, ssrc: -1 });
    const h = newRtpHeader();
    expect(parseRtp(buf.subarray(4, 16), h)).toBe(true);
    expect([h.sequence, h.timestamp, h.ssrc, h.marker]).toEqual([1, 5, 0xffffffff, false]);
  });

  it('refuses misuse', () => {
    const f = { marker: false, payloadType: 0, sequence: 0, timestamp: 0, ssrc: 0 };
    expect(() => writeRtpHeader(new Uint8Array(11), 0, f)).toThrow(/no room/);
    expect(() => writeRtpHeader(new Uint8Array(12), 0, { ...f, payloadType: 128 })).toThrow(/payload type/);
  });
});

describe('isRtcpPacketType (RFC 5761 §4)', () => {
  it('classifies the second octet', () => {
    for (const t of [192, 200, 201, 202, 203, 204, 205, 206, 223]) expect(isRtcpPacketType(t)).toBe(true);
    for (const t of [0, 8, 96, 127, 0x80, 0x80 | 8, 0x80 | 63, 191, 224, 255]) expect(isRtcpPacketType(t)).toBe(false);
  });
});
