import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { msToNtpShort, ntpMiddle32FromUnixMs } from './ntp.js';
import type { ReportBlock } from './receiver-stats.js';
import {
  buildBye,
  buildCompound,
  buildReceiverReport,
  buildSdesCname,
  buildSenderReport,
  parseRtcp,
  roundTripMs,
  type RtcpPacket,
} from './rtcp.js';

const block: ReportBlock = {
  ssrc: 0x11223344,
  fractionLost: 64,
  cumulativeLost: -3,
  highestSeq: 0x10005,
  jitter: 42,
  lsr: 0xaabbccdd,
  dlsr: 65536,
};
const sr = () =>
  buildSenderReport(
    { ssrc: 0xcafebabe, ntpMsw: 0xe0000001, ntpLsw: 0x80000000, rtpTimestamp: 0xfffffff0, packetCount: 250, octetCount: 40000 },
    [block],
  );

describe('RTCP builders and parser (RFC 3550 §6, A.2)', () => {
  it('round-trips SR + SDES + BYE', () => {
    const buf = buildCompound([sr(), buildSdesCname(0xcafebabe, 'hotline@10.0.0.5'), buildBye([0xcafebabe], 'bye now')]);
    expect(buf.length % 4).toBe(0);
    const got = parseRtcp(buf);
    expect(got).toEqual([
      {
        kind: 'sr',
        type: 200,
        ssrc: 0xcafebabe,
        ntpMsw: 0xe0000001,
        ntpLsw: 0x80000000,
        rtpTimestamp: 0xfffffff0,
        packetCount: 250,
        octetCount: 40000,
        reports: [block],
      },
      { kind: 'sdes', type: 202, chunks: [{ ssrc: 0xcafebabe, cname: 'hotline@10.0.0.5' }] },
      { kind: 'bye', type: 203, ssrcs: [0xcafebabe], reason: 'bye now' },
    ] satisfies RtcpPacket[]);
  });

  it('round-trips an empty RR and pads every CNAME length to 32 bits', () => {
    for (let n = 1; n <= 9; n++) {
      const cname = 'x'.repeat(n);
      const sdes = buildSdesCname(7, cname);
      expect(sdes.length % 4).toBe(0);
      const got = parseRtcp(buildCompound([buildReceiverReport(7), sdes]));
      expect(got).toEqual([
        { kind: 'rr', type: 201, ssrc: 7, reports: [] },
        { kind: 'sdes', type: 202, chunks: [{ ssrc: 7, cname }] },
      ]);
    }
  });

  it('keeps APP and unknown types', () => {
    const app = Uint8Array.from([0x80 | 3, 204, 0, 3, 0, 0, 0, 9, 0x48, 0x4f, 0x54, 0x4c, 1, 2, 3, 4]);
    const fb = Uint8Array.from([0x81, 205, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]);
    const got = parseRtcp(buildCompound([buildReceiverReport(9), buildSdesCname(9, 'a'), app, fb]))!;
    expect(got[2]).toMatchObject({ kind: 'app', subtype: 3, ssrc: 9, name: 'HOTL' });
    expect([...(got[2] as { data: Uint8Array }).data]).toEqual([1, 2, 3, 4]);
    expect(got[3]).toMatchObject({ kind: 'other', type: 205 });
    expect([...(got[3] as { raw: Uint8Array }).raw]).toEqual([...fb]);
  });

  it('accepts padding on the last packet only', () => {
    const rr = buildReceiverReport(1);
    const bye = buildBye([1]);
    const paddedBye = Uint8Array.from([0xa1, 203, 0, 2, 0, 0, 0, 1, 0, 0, 0, 4]);
    expect(parseRtcp(buildCompound([rr, buildSdesCname(1, 'c'), paddedBye]))?.[2]).toEqual({
      kind: 'bye',
      type: 203,
      ssrcs: [1],
      reason: null,
    });
    const paddedRr = Uint8Array.from([0xa0, 201, 0, 2, 0, 0, 0, 1, 0, 0, 0, 4]);
    expect(parseRtcp(Uint8Array.from([...paddedRr, ...bye]))).toBeNull(); // padding on the first
    const mid = Uint8Array.from([0xa1, 203, 0, 2, 0, 0, 0, 1, 0, 0, 0, 4]);
    expect(parseRtcp(Uint8Array.from([...rr, ...mid, ...bye]))).toBeNull(); // padding in the middle
    const zeroPad = Uint8Array.from([0xa1, 203, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(parseRtcp(Uint8Array.from([...rr, ...zeroPad]))).toBeNull();
  });

  it('rejects invalid compounds (A.2)', () => {
    const rr = buildReceiverReport(1, [block]);
    const bye = buildBye([1]);
    expect(parseRtcp(new Uint8Array(0))).toBeNull();
    expect(parseRtcp(bye)).toBeNull(); // must start with SR/RR
    expect(parseRtcp(Uint8Array.from([...rr, 0, 0, 0, 0]))).toBeNull(); // trailing bytes
    expect(parseRtcp(rr.subarray(0, rr.length - 4))).toBeNull(); // truncated
    const v1 = Uint8Array.from([...rr, ...bye]);
    v1[rr.length] = 0x41;
    expect(parseRtcp(v1)).toBeNull(); // a later packet not version 2
    const short = Uint8Array.from(rr);
    short[0] = 0x82; // claims two blocks
    expect(parseRtcp(short)).toBeNull();
    const badSdes = Uint8Array.from([...buildReceiverReport(1), 0x81, 202, 0, 2, 0, 0, 0, 1, 1, 9, 0x61, 0x62]);
    expect(parseRtcp(badSdes)).toBeNull(); // item runs past the packet
  });

  it('refuses to build malformed packets', () => {
    expect(() => buildCompound([buildSdesCname(1, 'a')])).toThrow(/start with an SR or an RR/);
    expect(() => buildCompound([buildReceiverReport(1)])).toThrow(/SDES/);
    expect(() => buildReceiverReport(1, Array(32).fill(block))).toThrow(/31/);
    expect(() => buildSdesCname(1, '')).toThrow(/CNAME/);
    expect(() => buildSdesCname(1, 'x'.repeat(256))).toThrow(/CNAME/);
  });

  it('clamps the cumulative loss to 24 bits signed on the wire', () => {
    const got = parseRtcp(buildCompound([buildReceiverReport(1, [{ ...block, cumulativeLost: -1e9 }]), buildSdesCname(1, 'a')]));
    expect((got![0] as { reports: ReportBlock[] }).reports[0]!.cumulativeLost).toBe(-0x800000);
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        parseRtcp(bytes);
      }),
      { numRuns: 5000 },
    );
    // Valid-looking headers with random bodies, to get past the first checks.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 31 }), fc.constantFrom(200, 201), fc.uint8Array({ maxLength: 29 }), (rc, pt, body) => {
        const words = Math.ceil(body.length / 4);
        const buf = new Uint8Array(4 + words * 4);
        buf[0] = 0x80 | rc;
        buf[1] = pt;
        buf[3] = words - 1 < 0 ? 0 : words;
        buf.set(body, 4);
        parseRtcp(buf);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('roundTripMs (§6.4.1)', () => {
  it('is A − LSR − DLSR', () => {
    const srSentAt = 1_700_000_000_000;
    const lsr = ntpMiddle32FromUnixMs(srSentAt);
    // The peer held the SR for 250 ms; the path takes 40 ms each way.
    const b = { ...block, lsr, dlsr: msToNtpShort(250) };
    const rtt = roundTripMs(b, ntpMiddle32FromUnixMs(srSentAt + 40 + 250 + 40));
    expect(rtt).toBeCloseTo(80, 0);
  });

  it('handles the wrap of the middle 32 bits', () => {
    const b = { ...block, lsr: 0xffffff00, dlsr: 0x10 };
    expect(roundTripMs(b, 0x00000100)).toBeCloseTo(((0x200 - 0x10) * 1000) / 65536, 6);
  });

  it('is null without an SR, or when negative', () => {
    expect(roundTripMs({ ...block, lsr: 0 }, 12345)).toBeNull();
    expect(roundTripMs({ ...block, lsr: 1000, dlsr: 5000 }, 2000)).toBeNull();
  });
});
