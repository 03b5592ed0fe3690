import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DROPOUT, ReceiverStats } from './receiver-stats.js';

/** Feeds packets 20 ms apart, with timestamps 160 apart, from sequence `first`. */
function feed(s: ReceiverStats, seqs: number[], t0 = 0): boolean[] {
  return seqs.map((seq, i) => s.onPacket(seq & 0xffff, (seq * 160) >>> 0, t0 + i * 20));
}
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('ReceiverStats: validation and sequence (RFC 3550 A.1)', () => {
  it('keeps a new source on probation for MIN_SEQUENTIAL packets', () => {
    const s = new ReceiverStats();
    expect(feed(s, [100, 101, 102])).toEqual([false, true, true]);
    expect(s.isValid).toBe(true);
    expect(s.received).toBe(2);
    expect(s.expected).toBe(2);
    expect(s.lost).toBe(0);
  });

  it('restarts probation when the first packets are not sequential', () => {
    const s = new ReceiverStats();
    expect(feed(s, [10, 50, 51, 52])).toEqual([false, false, true, true]);
    expect(s.discarded).toBe(2);
    expect(s.expected).toBe(2);
  });

  it('counts cycles across the 16-bit wrap', () => {
    const s = new ReceiverStats();
    feed(s, range(65530, 12));
    const b = s.reportBlock(1, 0);
    expect(b.highestSeq).toBe(65536 + 5);
    expect(s.expected).toBe(11);
    expect(s.lost).toBe(0);
  });

  it('counts losses, reordering and duplicates', () => {
    const s = new ReceiverStats();
    feed(s, [1, 2, 3, 5, 4, 6, 6, 8]);
    expect(s.expected).toBe(7); // 2..8
    expect(s.duplicates).toBe(1);
    expect(s.late).toBe(1);
    expect(s.received).toBe(7); // 2,3,5,4,6,6,8: duplicates count as received (A.3)
    expect(s.lost).toBe(0); // 7 lost, offset by the duplicate
  });

  it('resyncs after a big jump confirmed by the next packet, not before', () => {
    const s = new ReceiverStats();
    feed(s, range(1, 10));
    const far = 10 + MAX_DROPOUT + 500;
    expect(s.onPacket(far, 0, 1000)).toBe(false);
    expect(s.onPacket(11, 1760, 1000)).toBe(true); // the old stream goes on
    expect(s.onPacket(far + 5, 0, 1020)).toBe(false);
    expect(s.onPacket(far + 6, 160, 1040)).toBe(true); // confirmed: restart counting
    expect(s.expected).toBe(1);
    expect(s.received).toBe(1);
  });

  it('treats a packet far behind (within MAX_MISORDER) as late, beyond it as a jump', () => {
    const s = new ReceiverStats();
    feed(s, range(1000, 200).filter((q) => q !== 1150 && q !== 1010));
    expect(s.onPacket(1150, 0, 5000)).toBe(true);
    expect(s.late).toBe(1);
    expect(s.onPacket(1150, 0, 5000)).toBe(false); // now a duplicate
    expect(s.onPacket(1010, 0, 5000)).toBe(false); // 189 behind: looks like a jump, unconfirmed
    expect(s.late).toBe(1);
    expect(s.discarded).toBe(2);
  });
});

describe('ReceiverStats: report blocks (A.3, §6.4.1)', () => {
  it('computes the fraction lost per interval and resets it', () => {
    const s = new ReceiverStats();
    const seqs = range(0, 101).filter((q) => q % 4 !== 3); // every 4th lost after validation
    feed(s, seqs);
    const b = s.reportBlock(0xabcdef01, 0);
    expect(b.ssrc).toBe(0xabcdef01);
    expect(s.expected).toBe(100); // 1..100
    expect(b.cumulativeLost).toBe(25);
    expect(b.fractionLost).toBe(64); // 25/100 * 256
    feed(s, range(101, 10), 5000);
    const b2 = s.reportBlock(1, 5200);
    expect(b2.fractionLost).toBe(0);
    expect(b2.cumulativeLost).toBe(25);
    expect(b2.highestSeq).toBe(110);
  });

  it('reports no fraction for an interval with only duplicates', () => {
    const s = new ReceiverStats();
    feed(s, [1, 2, 3, 3, 3]);
    const b = s.reportBlock(1, 0);
    expect(b.fractionLost).toBe(0);
    expect(b.cumulativeLost).toBe(-2);
  });

  it('clamps the cumulative loss to 24 bits signed', () => {
    const s = new ReceiverStats();
    feed(s, [1, 2]);
    // Gaps just under MAX_DROPOUT, thousands of times.
    let seq = 2;
    for (let i = 0; i < 3000; i++) {
      seq += MAX_DROPOUT - 1;
      s.onPacket(seq & 0xffff, 0, i);
    }
    expect(s.lost).toBeGreaterThan(0x7fffff);
    expect(s.reportBlock(1, 0).cumulativeLost).toBe(0x7fffff);
  });

  it('fills LSR and DLSR from the last SR', () => {
    const s = new ReceiverStats();
    expect(s.reportBlock(1, 0)).toMatchObject({ lsr: 0, dlsr: 0, highestSeq: 0, jitter: 0 });
    s.onSenderReport(0x12345678, 1000);
    const b = s.reportBlock(1, 1500);
    expect(b.lsr).toBe(0x12345678);
    expect(b.dlsr).toBe(32768); // 0.5 s in 1/65536 s
  });
});

describe('ReceiverStats: interarrival jitter (A.8)', () => {
  it('is zero for a perfectly paced stream, across the timestamp wrap', () => {
    const s = new ReceiverStats();
    const ts0 = 2 ** 32 - 800;
    for (let i = 0; i < 50; i++) s.onPacket(i, (ts0 + i * 160) >>> 0, i * 20);
    expect(s.jitterMs).toBe(0);
  });

  it('converges to the mean transit deviation', () => {
    const s = new ReceiverStats();
    // Alternate 0 and 10 ms extra delay: |D| is always 10 ms = 80 units.
    for (let i = 0; i < 500; i++) s.onPacket(i, i * 160, i * 20 + (i % 2) * 10);
    expect(s.jitterMs).toBeCloseTo(10, 3);
    expect(s.reportBlock(1, 0).jitter).toBe(79); // just under 80, truncated
  });

  it('uses the clock rate', () => {
    const s = new ReceiverStats(48000);
    for (let i = 0; i < 500; i++) s.onPacket(i, i * 960, i * 20 + (i % 2) * 10);
    expect(s.jitterMs).toBeCloseTo(10, 3);
  });

  it('survives any sequence of packets', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.nat(1e6)), {
          maxLength: 200,
        }),
        (packets) => {
          const s = new ReceiverStats();
          for (const [seq, ts, at] of packets) s.onPacket(seq, ts, at);
          const b = s.reportBlock(1, 1e6);
          expect(b.fractionLost).toBeGreaterThanOrEqual(0);
          expect(b.fractionLost).toBeLessThanOrEqual(255);
          expect(Number.isInteger(b.jitter)).toBe(true);
          expect(s.received).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });
});
