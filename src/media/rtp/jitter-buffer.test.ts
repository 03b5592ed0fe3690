import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FRAME_SAMPLES } from '../audio/frame.js';
import { JitterBuffer, type PopResult } from './jitter-buffer.js';

/** Sample value at stream position p: lets a frame tell which position it came from. */
const MOD = 30000;
const value = (p: number) => (p % MOD) + 1;
const positionOf = (frame: Int16Array) => frame[0]! - 1;

interface Pkt {
  /** Stream position in samples. */
  pos: number;
  n: number;
  arrive: number;
  marker?: boolean;
}

interface Played {
  at: number;
  status: PopResult;
  /** Stream position of the frame's first sample, for audio frames. */
  pos: number;
  frame: Int16Array;
}

/** Pushes packets at their arrival times and pops every 20 ms from `phase`, until `untilMs`. */
function run(jb: JitterBuffer, packets: Pkt[], untilMs: number, opts: { ts0?: number; phase?: number; dup?: boolean } = {}): Played[] {
  const ts0 = opts.ts0 ?? 1000;
  const queue = [...packets].sort((a, b) => a.arrive - b.arrive);
  const buf = new Int16Array(2000);
  const out: Played[] = [];
  let q = 0;
  for (let t = opts.phase ?? 5; t <= untilMs; t += 20) {
    while (q < queue.length && queue[q]!.arrive <= t) {
      const p = queue[q++]!;
      for (let i = 0; i < p.n; i++) buf[i] = value(p.pos + i);
      const times = opts.dup ? 2 : 1;
      for (let k = 0; k < times; k++) jb.push((ts0 + p.pos) >>> 0, buf, p.n, p.arrive, p.marker ?? false);
    }
    const frame = new Int16Array(FRAME_SAMPLES);
    const status = jb.pop(frame, t);
    out.push({ at: t, status, pos: status === 'audio' ? positionOf(frame) : -1, frame });
  }
  return out;
}

/** A stream of `count` packets of `ms` each, sent from `startMs`, with `delay(i)` network delay. */
function stream(count: number, delay: (i: number) => number, o: { ms?: number; startMs?: number; firstPos?: number } = {}): Pkt[] {
  const ms = o.ms ?? 20;
  const n = ms * 8;
  return Array.from({ length: count }, (_, i) => ({
    pos: (o.firstPos ?? 0) + i * n,
    n,
    arrive: (o.startMs ?? 0) + i * ms + delay(i),
    marker: i === 0,
  }));
}

/** Audio frames are whole and follow each other sample by sample. */
function expectContiguous(played: Played[]): void {
  const audio = played.filter((p) => p.status === 'audio');
  for (const p of audio) {
    for (let i = 1; i < FRAME_SAMPLES; i++) expect(p.frame[i]! - 1).toBe((p.pos + i) % MOD);
  }
  for (let i = 1; i < audio.length; i++) expect(audio[i]!.pos).toBe((audio[i - 1]!.pos + FRAME_SAMPLES) % MOD);
}

/** A deterministic PRNG for jitter. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('JitterBuffer', () => {
  it('is silent before any packet', () => {
    const jb = new JitterBuffer();
    const out = new Int16Array(FRAME_SAMPLES).fill(7);
    expect(jb.pop(out, 0)).toBe('silence');
    expect(out.every((x) => x === 0)).toBe(true);
    expect(jb.delayMs).toBe(0);
  });

  it('plays an in-order stream after the target delay, every frame', () => {
    const jb = new JitterBuffer();
    const played = run(jb, stream(100, () => 30), 2030);
    const first = played.findIndex((p) => p.status === 'audio');
    // The first packet arrives at 30 ms and plays `target` (20 ms) later, on the pop grid.
    expect(played[first]!.at).toBeGreaterThanOrEqual(45);
    expect(played[first]!.at).toBeLessThanOrEqual(65);
    expect(played[first]!.pos).toBe(0);
    const audio = played.filter((p) => p.status === 'audio');
    expect(audio).toHaveLength(100);
    expect(played.slice(0, first).every((p) => p.status === 'silence')).toBe(true);
    expectContiguous(played);
    expect(jb.stats).toMatchObject({ pushed: 100, late: 0, duplicate: 0, overflow: 0, concealed: 0, played: 100 });
    expect(jb.targetMs).toBe(20);
  });

  it('puts reordered packets back in order', () => {
    const jb = new JitterBuffer({ minDelayMs: 40 });
    // Each odd packet overtakes the even one before it by 10 ms.
    const played = run(jb, stream(100, (i) => (i % 2 === 0 ? 40 : 10)), 2200);
    expect(played.filter((p) => p.status === 'audio')).toHaveLength(100);
    expectContiguous(played);
    expect(jb.stats.late).toBe(0);
  });

  it('conceals a lost frame by repeating the last one, attenuated', () => {
    const jb = new JitterBuffer();
    const played = run(jb, stream(50, () => 10).filter((_, i) => i !== 20), 1010);
    const k = played.findIndex((p) => p.status === 'concealed');
    expect(played[k - 1]!.status).toBe('audio');
    expect(played[k + 1]!.status).toBe('audio');
    expect(played[k + 1]!.pos).toBe(21 * 160);
    const prev = played[k - 1]!.frame;
    expect([...played[k]!.frame]).toEqual([...prev].map((x) => (x * 24576) >> 15));
    expect(jb.stats.concealed).toBe(1);
    expect(jb.stats.played).toBe(49);
  });

  it('conceals up to three frames, then plays silence', () => {
    const jb = new JitterBuffer();
    const played = run(jb, stream(50, () => 10).filter((_, i) => i < 20 || i >= 26), 1100);
    const statuses = played.map((p) => p.status);
    const k = statuses.indexOf('concealed');
    expect(statuses.slice(k, k + 7)).toEqual(['concealed', 'concealed', 'concealed', 'silence', 'silence', 'silence', 'audio']);
    const gains = played.slice(k, k + 3).map((p) => p.frame[0]! / played[k - 1]!.frame[0]!);
    expect(gains[0]).toBeGreaterThan(gains[1]!);
    expect(gains[1]).toBeGreaterThan(gains[2]!);
  });

  it('drops and counts packets that arrive after their playout point', () => {
    const jb = new JitterBuffer();
    const played = run(jb, stream(50, (i) => (i === 20 ? 300 : 10)), 1010);
    expect(jb.stats.late).toBe(1);
    // Its slot is concealed (the spike also raises the target, which may insert a frame or two).
    const k = played.findIndex((p) => p.status === 'audio' && p.pos === 19 * 160);
    expect(played[k + 1]!.status).toBe('concealed');
    // Nothing played twice or out of order.
    expectContiguous(played.filter((p) => p.status === 'audio' && p.pos < 20 * 160));
    expectContiguous(played.filter((p) => p.status === 'audio' && p.pos > 20 * 160));
    expect(played.filter((p) => p.pos === 20 * 160)).toHaveLength(0);
  });

  it('ignores duplicates', () => {
    const jb = new JitterBuffer();
    const played = run(jb, stream(50, () => 10), 1100, { dup: true });
    expect(jb.stats.duplicate).toBe(50);
    expect(played.filter((p) => p.status === 'audio')).toHaveLength(50);
    expectContiguous(played);
  });

  it('follows the timestamp across 2^32', () => {
    const jb = new JitterBuffer();
    const played = run(jb, stream(50, () => 10), 1100, { ts0: 2 ** 32 - 160 * 25 });
    expect(played.filter((p) => p.status === 'audio')).toHaveLength(50);
    expectContiguous(played);
    expect(jb.stats.resets).toBe(0);
  });

  it('plays 30 ms and 10 ms packets as 20 ms frames', () => {
    for (const ms of [10, 30, 60]) {
      const jb = new JitterBuffer({ minDelayMs: ms + 20 });
      const count = 1800 / ms;
      const played = run(jb, stream(count, () => 5, { ms }), 2400);
      expect(played.filter((p) => p.status === 'audio')).toHaveLength(90);
      expectContiguous(played);
      const lastAudio = played.map((p) => p.status).lastIndexOf('audio');
      expect(played.slice(0, lastAudio).some((p) => p.status === 'concealed')).toBe(false);
    }
  });

  it('raises the delay when jitter grows, and loses less for it', () => {
    const jb = new JitterBuffer();
    const r = rng(42);
    // 4 s steady, then 16 s with up to 100 ms of random extra delay.
    const packets = stream(1000, (i) => (i < 200 ? 20 : 20 + Math.floor(r() * 100)));
    const played = run(jb, packets.slice(0, 200), 4000);
    const steadyDelay = jb.delayMs;
    expect(steadyDelay).toBeLessThanOrEqual(30);
    const lateBefore = jb.stats.late;
    const rest: Played[] = [];
    const q = packets.slice(200);
    // Continue the same run: feed the remaining packets with the same buffer.
    const buf = new Int16Array(160);
    let k = 0;
    const sorted = [...q].sort((a, b) => a.arrive - b.arrive);
    for (let t = 4005; t <= 20_500; t += 20) {
      while (k < sorted.length && sorted[k]!.arrive <= t) {
        const p = sorted[k++]!;
        for (let i = 0; i < p.n; i++) buf[i] = value(p.pos + i);
        jb.push(1000 + p.pos, buf, p.n, p.arrive, false);
      }
      const frame = new Int16Array(160);
      rest.push({ at: t, status: jb.pop(frame, t), pos: positionOf(frame), frame });
    }
    expect(played.length).toBeGreaterThan(0);
    expect(jb.jitterMs).toBeGreaterThan(15);
    expect(jb.targetMs).toBeGreaterThan(60);
    expect(jb.delayMs).toBeGreaterThan(steadyDelay + 30);
    // Once adapted (the last 8 s), few packets miss their slot.
    const lateLastHalf = jb.stats.late - lateBefore;
    expect(lateLastHalf).toBeLessThan(150);
    const tail = rest.slice(-400);
    expect(tail.filter((p) => p.status === 'audio').length).toBeGreaterThan(360);
  });

  it('re-anchors at a talkspurt start after a silent gap', () => {
    const jb = new JitterBuffer({ minDelayMs: 40 });
    // Spurt 1: 1 s with 60 ms of delay; 1 s of silence (timestamps run on); spurt 2 with 10 ms of delay.
    const spurt1 = stream(50, () => 60);
    const spurt2 = stream(50, () => 10, { startMs: 2000, firstPos: 2000 * 8 });
    const played = run(jb, [...spurt1, ...spurt2], 3030);
    const firstOf2 = played.find((p) => p.status === 'audio' && p.pos === 2000 * 8)!;
    // Spurt 2's first packet arrived at 2010 ms and plays about `target` (40 ms) later, not 90.
    expect(firstOf2.at - 2010).toBeGreaterThanOrEqual(30);
    expect(firstOf2.at - 2010).toBeLessThanOrEqual(50);
    expect(played.filter((p) => p.status === 'audio')).toHaveLength(100);
    expectContiguous(played.filter((p) => p.status === 'audio' && p.pos < 2000 * 8));
    expectContiguous(played.filter((p) => p.pos >= 2000 * 8));
    // Within spurt 2 no frame is made up.
    const from = played.indexOf(firstOf2);
    expect(played.slice(from).every((p) => p.status === 'audio')).toBe(true);
    expect(jb.stats.resets).toBe(0);
  });

  it('adds delay at a talkspurt start when the network got worse', () => {
    const jb = new JitterBuffer({ minDelayMs: 20, maxDelayMs: 300 });
    const r = rng(7);
    const spurt1 = stream(50, () => 10);
    // Jittery packets without a marker between spurts would be unusual; make spurt 2 jittery.
    const spurt2 = stream(300, () => 10 + Math.floor(r() * 80), { startMs: 2000, firstPos: 2000 * 8 });
    run(jb, [...spurt1, ...spurt2], 8500);
    expect(jb.targetMs).toBeGreaterThan(50);
    expect(jb.delayMs).toBeGreaterThan(40);
  });

  it('restarts on a timestamp jump of more than a second', () => {
    const jb = new JitterBuffer();
    const a = stream(25, () => 10);
    const b = stream(25, () => 10, { startMs: 500, firstPos: 500 * 8 + 5 * 8000 });
    b[0]!.marker = false;
    const played = run(jb, [...a, ...b], 1200);
    expect(jb.stats.resets).toBe(1);
    expect(played.filter((p) => p.status === 'audio')).toHaveLength(50);
    expectContiguous(played.filter((p) => p.pos < 500 * 8));
    expectContiguous(played.filter((p) => p.pos >= (500 * 8 + 5 * 8000) % MOD));
  });

  it('goes silent on reset() until the next packet', () => {
    const jb = new JitterBuffer();
    run(jb, stream(10, () => 10), 300);
    jb.reset();
    const out = new Int16Array(160);
    expect(jb.pop(out, 320)).toBe('silence');
    expect(jb.stats.resets).toBe(1);
    const buf = new Int16Array(160).fill(5);
    jb.push(123456, buf, 160, 330, true);
    const statuses = [340, 360, 380].map((t) => jb.pop(out, t));
    expect(statuses).toContain('audio');
  });

  it('counts overflow when nobody pops', () => {
    const jb = new JitterBuffer({ maxDelayMs: 100 });
    const buf = new Int16Array(160);
    // Arrivals keep the wall clock still: the playout clock cannot advance without pops.
    for (let i = 0; i < 100; i++) jb.push(i * 160, buf, 160, i * 20, false);
    expect(jb.stats.overflow).toBeGreaterThan(0);
    expect(jb.stats.resets).toBe(0);
  });

  it('refuses misuse', () => {
    expect(() => new JitterBuffer({ minDelayMs: 100, maxDelayMs: 50 })).toThrow(/options/);
    const jb = new JitterBuffer();
    expect(() => jb.push(0, new Int16Array(10), 11, 0, false)).toThrow(/sample count/);
    expect(() => jb.pop(new Int16Array(100), 0)).toThrow(/room/);
  });

  it('takes any sequence of pushes and pops', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ ts: fc.integer({ min: 0, max: 0xffffffff }), n: fc.integer({ min: 0, max: 480 }), dt: fc.nat(100), m: fc.boolean() }),
            fc.constant(null),
          ),
          { maxLength: 300 },
        ),
        (ops) => {
          const jb = new JitterBuffer();
          const buf = new Int16Array(480).fill(100);
          const out = new Int16Array(160);
          let now = 0;
          for (const op of ops) {
            if (op) {
              now += op.dt;
              jb.push(op.ts, buf, op.n, now, op.m);
            } else {
              now += 20;
              jb.pop(out, now);
            }
          }
          expect(jb.delayMs).not.toBeNaN();
        },
      ),
    );
  });

  it('waits for a sender whose clock runs slow instead of dropping its packets as late', () => {
    for (const period of [20.5, 21]) {
      const jb = new JitterBuffer();
      const out = new Int16Array(160);
      const frame = new Int16Array(160).fill(1000);
      const counts = { audio: 0, concealed: 0, silence: 0 };
      let ts = 0;
      let nextPush = 0;
      for (let t = 0; t < 10_000; t++) {
        for (; nextPush <= t; nextPush += period, ts += 160) jb.push(ts, frame, 160, nextPush + 1, false);
        if (t % 20 === 0 && t > 100) counts[jb.pop(out, t)]++;
      }
      expect(jb.stats.late).toBeLessThanOrEqual(1);
      expect(counts.silence).toBe(0);
      // Every packet but the last few is played: the missing time is filled, nothing is dropped.
      expect(counts.audio).toBeGreaterThan(jb.stats.pushed - 10);
      expect(jb.stats.underruns).toBeGreaterThan(0);
    }
  });
});
