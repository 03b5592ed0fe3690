/**
 * Source-IP admission for the SIP server (ARCHITECTURE §5): a token-bucket rate limit per IP, and
 * a ban for an IP that fails authentication too often. A banned or over-rate source is ignored
 * (no answer at all), which costs a scanner the most and us the least.
 */
import type { Clock } from '../../kit/index.js';

export interface GuardPolicy {
  /** Failures within `windowMs` that ban the IP. */
  maxFailures: number;
  windowMs: number;
  /** 0 disables banning. */
  banMs: number;
  /** Sustained messages per second per IP; 0 disables the limit. Bursts up to twice that. */
  ratePerSecond: number;
  /** IPs the rate limit does not apply to (bans still do). */
  trusted: readonly string[];
  /** Tracked IPs; the oldest entries are dropped beyond this, so a spoofed flood cannot grow memory. */
  maxTracked: number;
}

export const DEFAULT_GUARD_POLICY: GuardPolicy = {
  maxFailures: 5,
  windowMs: 60_000,
  banMs: 15 * 60_000,
  ratePerSecond: 200,
  trusted: [],
  maxTracked: 100_000,
};

export interface SecurityEvent {
  kind: 'sip.ban' | 'sip.auth-failure';
  address: string;
  reason: string;
  until?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class SipGuard {
  private readonly failures = new Map<string, number[]>();
  private readonly bans = new Map<string, number>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly trusted: Set<string>;

  constructor(
    private readonly clock: Clock,
    private readonly policy: GuardPolicy = DEFAULT_GUARD_POLICY,
    private readonly onSecurityEvent: (e: SecurityEvent) => void = () => {},
  ) {
    this.trusted = new Set(policy.trusted.map(normalize));
  }

  /** Whether to look at a message (or connection) from `address` at all. Called per packet. */
  allow(address: string): boolean {
    const ip = normalize(address);
    const now = this.clock.now();
    const until = this.bans.get(ip);
    if (until !== undefined) {
      if (until > now) return false;
      this.bans.delete(ip);
    }
    if (this.policy.ratePerSecond <= 0 || this.trusted.has(ip)) return true;
    const burst = this.policy.ratePerSecond * 2;
    let b = this.buckets.get(ip);
    if (!b) {
      b = { tokens: burst, at: now };
      this.remember(this.buckets, ip, b);
    } else {
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * this.policy.ratePerSecond);
      b.at = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** A failed authentication (wrong password, unknown user, replay). Bans after too many. */
  authFailed(address: string, reason: string): void {
    const ip = normalize(address);
    const now = this.clock.now();
    const recent = (this.failures.get(ip) ?? []).filter((t) => t > now - this.policy.windowMs);
    recent.push(now);
    this.failures.delete(ip);
    this.remember(this.failures, ip, recent);
    this.onSecurityEvent({ kind: 'sip.auth-failure', address: ip, reason });
    if (this.policy.banMs > 0 && recent.length >= this.policy.maxFailures) {
      const until = now + this.policy.banMs;
      // Bounded like the other tables: a flood of failing (spoofed) sources must not grow memory.
      this.bans.delete(ip);
      this.remember(this.bans, ip, until);
      this.failures.delete(ip);
      this.onSecurityEvent({ kind: 'sip.ban', address: ip, reason: `${recent.length} failed authentications in ${this.policy.windowMs / 1000} s`, until });
    }
  }

  /** A success clears the failure count, so a phone with one typo is not banned later. */
  authSucceeded(address: string): void {
    this.failures.delete(normalize(address));
  }

  isBanned(address: string): boolean {
    const until = this.bans.get(normalize(address));
    return until !== undefined && until > this.clock.now();
  }

  /** Lifts a ban (admin action). */
  unban(address: string): void {
    this.bans.delete(normalize(address));
  }

  banned(): { address: string; until: number }[] {
    const now = this.clock.now();
    return [...this.bans].filter(([, u]) => u > now).map(([address, until]) => ({ address, until }));
  }

  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    if (map.size >= this.policy.maxTracked) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
    map.set(key, value);
  }
}

/** IPv4-mapped IPv6 (::ffff:1.2.3.4) is the IPv4 address. */
function normalize(address: string): string {
  const a = address.toLowerCase();
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
