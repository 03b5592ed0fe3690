import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../kit/index.js';
import { DEFAULT_GUARD_POLICY, SipGuard, type GuardPolicy, type SecurityEvent } from './guard.js';

describe('SipGuard', () => {
  let clock: FakeClock;
  let events: SecurityEvent[];
  const make = (p: Partial<GuardPolicy> = {}) => new SipGuard(clock, { ...DEFAULT_GUARD_POLICY, ...p }, (e) => events.push(e));

  beforeEach(() => {
    clock = new FakeClock();
    events = [];
  });

  it('bans an IP after 5 failures within 60 s for 15 minutes, then lets it in again', () => {
    const g = make();
    for (let i = 0; i < 4; i++) {
      g.authFailed('203.0.113.5', 'bad-response');
      clock.advance(10_000);
    }
    expect(g.isBanned('203.0.113.5')).toBe(false);
    expect(g.allow('203.0.113.5')).toBe(true);
    g.authFailed('203.0.113.5', 'bad-response');
    expect(g.isBanned('203.0.113.5')).toBe(true);
    expect(g.allow('203.0.113.5')).toBe(false);
    expect(g.allow('203.0.113.6')).toBe(true);
    expect(events.filter((e) => e.kind === 'sip.auth-failure')).toHaveLength(5);
    const ban = events.find((e) => e.kind === 'sip.ban')!;
    expect(ban).toMatchObject({ address: '203.0.113.5', until: clock.now() + 15 * 60_000 });
    expect(g.banned()).toEqual([{ address: '203.0.113.5', until: clock.now() + 15 * 60_000 }]);

    clock.advance(15 * 60_000 - 1);
    expect(g.allow('203.0.113.5')).toBe(false);
    clock.advance(1);
    expect(g.allow('203.0.113.5')).toBe(true);
    expect(g.isBanned('203.0.113.5')).toBe(false);
    expect(g.banned()).toEqual([]);
    // The count started over: one more failure does not ban again.
    g.authFailed('203.0.113.5', 'bad-response');
    expect(g.isBanned('203.0.113.5')).toBe(false);
  });

  it('counts only the failures inside the window', () => {
    const g = make();
    for (let i = 0; i < 10; i++) {
      g.authFailed('203.0.113.5', 'bad-response');
      clock.advance(15_001); // at most 4 in any 60 s
    }
    expect(g.isBanned('203.0.113.5')).toBe(false);
  });

  it('clears the failure count on a success', () => {
    const g = make();
    for (let i = 0; i < 4; i++) g.authFailed('203.0.113.5', 'bad-response');
    g.authSucceeded('203.0.113.5');
    for (let i = 0; i < 4; i++) g.authFailed('203.0.113.5', 'bad-response');
    expect(g.isBanned('203.0.113.5')).toBe(false);
    g.authFailed('203.0.113.5', 'bad-response');
    expect(g.isBanned('203.0.113.5')).toBe(true);
  });

  it('never bans with banMs 0', () => {
    const g = make({ banMs: 0 });
    for (let i = 0; i < 50; i++) g.authFailed('203.0.113.5', 'x');
    expect(g.allow('203.0.113.5')).toBe(true);
  });

  it('lifts a ban on unban()', () => {
    const g = make();
    for (let i = 0; i < 5; i++) g.authFailed('203.0.113.5', 'x');
    g.unban('203.0.113.5');
    expect(g.allow('203.0.113.5')).toBe(true);
  });

  it('rate-limits with a token bucket: a burst of twice the rate, then the sustained rate', () => {
    const g = make({ ratePerSecond: 10 });
    let passed = 0;
    for (let i = 0; i < 100; i++) if (g.allow('198.51.100.1')) passed++;
    expect(passed).toBe(20);
    expect(g.allow('198.51.100.1')).toBe(false);
    // Other sources have their own bucket.
    expect(g.allow('198.51.100.2')).toBe(true);
    clock.advance(500); // 5 tokens back
    passed = 0;
    for (let i = 0; i < 100; i++) if (g.allow('198.51.100.1')) passed++;
    expect(passed).toBe(5);
    clock.advance(60_000); // refills only up to the burst
    passed = 0;
    for (let i = 0; i < 100; i++) if (g.allow('198.51.100.1')) passed++;
    expect(passed).toBe(20);
  });

  it('does not rate-limit with ratePerSecond 0', () => {
    const g = make({ ratePerSecond: 0 });
    for (let i = 0; i < 10_000; i++) expect(g.allow('198.51.100.1')).toBe(true);
  });

  it('exempts trusted IPs from the rate limit but not from bans', () => {
    const g = make({ ratePerSecond: 1, trusted: ['10.0.0.1', '::ffff:10.0.0.2'] });
    for (let i = 0; i < 1000; i++) expect(g.allow('10.0.0.1')).toBe(true);
    for (let i = 0; i < 1000; i++) expect(g.allow('10.0.0.2')).toBe(true);
    for (let i = 0; i < 5; i++) g.authFailed('10.0.0.1', 'bad-response');
    expect(g.allow('10.0.0.1')).toBe(false);
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 address', () => {
    const g = make({ ratePerSecond: 0 });
    for (let i = 0; i < 3; i++) g.authFailed('::ffff:192.0.2.7', 'x');
    for (let i = 0; i < 2; i++) g.authFailed('192.0.2.7', 'x');
    expect(g.isBanned('192.0.2.7')).toBe(true);
    expect(g.allow('::ffff:192.0.2.7')).toBe(false);
    expect(g.allow('::FFFF:192.0.2.7')).toBe(false);
    expect(events.find((e) => e.kind === 'sip.ban')!.address).toBe('192.0.2.7');
    // IPv6 is case-insensitive.
    for (let i = 0; i < 5; i++) g.authFailed('2001:DB8::1', 'x');
    expect(g.allow('2001:db8::1')).toBe(false);
  });

  it('keeps its memory bounded under a flood of sources', () => {
    const g = make({ maxTracked: 100, ratePerSecond: 5 });
    for (let i = 0; i < 5_000; i++) {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      g.allow(ip);
      for (let k = 0; k < 5; k++) g.authFailed(ip, 'x');
    }
    const inner = g as unknown as { failures: Map<string, unknown>; bans: Map<string, unknown>; buckets: Map<string, unknown> };
    expect(inner.buckets.size).toBeLessThanOrEqual(100);
    expect(inner.failures.size).toBeLessThanOrEqual(100);
    expect(inner.bans.size).toBeLessThanOrEqual(100);
    // The most recent offender is still banned.
    expect(g.isBanned('10.0.19.135')).toBe(true);
  });
});
