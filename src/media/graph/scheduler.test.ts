/** The 20 ms scheduler with a hand-moved clock: phases, catch-up, and ticks run from packet handling. */
import { afterEach, describe, expect, it } from 'vitest';
import { TickScheduler, type TickTarget } from './scheduler.js';

const schedulers: TickScheduler[] = [];
afterEach(() => {
  for (const s of schedulers.splice(0)) s.resetLateness();
});

function setup() {
  let now = 1000;
  const s = new TickScheduler(() => now);
  schedulers.push(s);
  const log: string[] = [];
  const target: TickTarget = {
    pull: () => log.push('pull'),
    mix: () => log.push('mix'),
    push: () => log.push('push'),
    record: () => log.push('record'),
  };
  return { s, log, target, at: (t: number) => (now = t) };
}

describe('TickScheduler', () => {
  it('runs every target in phases: all pulls, then mixes, pushes and records', () => {
    const { s, log, target } = setup();
    const other: TickTarget = { pull: () => log.push('pull2'), record: () => log.push('record2') };
    s.add(target);
    s.add(other);
    s.tick();
    expect(log).toEqual(['pull', 'pull2', 'mix', 'push', 'record', 'record2']);
    s.delete(target);
    s.delete(other);
  });

  it('poll() runs a due tick at once (a packet handler found it late), and every missed one', () => {
    const { s, log, target, at } = setup();
    s.add(target); // first deadline: 1020
    at(1019);
    s.poll();
    expect(s.ticks).toBe(0);
    at(1061.5); // three deadlines passed: 1020, 1040, 1060
    s.poll();
    expect(s.ticks).toBe(3);
    expect(log.filter((x) => x === 'record')).toHaveLength(3);
    expect(s.skipped).toBe(0);
    expect(s.latenessPercentile(1)).toBe(41.5);
    s.poll(); // not due again before 1080
    expect(s.ticks).toBe(3);
    s.delete(target);
  });

  it('skips, and counts, what lies beyond a second of catch-up', () => {
    const { s, target, at } = setup();
    s.add(target);
    at(1020 + 60 * 20 + 5); // 61 deadlines passed
    s.poll();
    expect(s.ticks).toBe(50);
    expect(s.skipped).toBe(11);
    s.delete(target);
  });
});
