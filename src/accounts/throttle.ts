import type { Clock } from '../kit/index.js';

/**
 * Counts failed sign-ins per key (an account's e-mail, an IP address) in a sliding
 * window. In one process it is in memory; in scale mode a Redis implementation sits
 * behind the same interface so all nodes share the counts.
 */
export interface SigninThrottle {
  /** True when the key has too many recent failures. */
  blocked(key: string, limit: number): boolean;
  fail(key: string): void;
  reset(key: string): void;
}

export class MemorySigninThrottle implements SigninThrottle {
  private failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  private recent(key: string): number[] {
    const since = this.clock.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  blocked(key: string, limit: number): boolean {
    return this.recent(key).length >= limit;
  }

  fail(key: string): void {
    const list = this.recent(key);
    list.push(this.clock.now());
    // Bound memory under a spray of keys: forget the oldest entry.
    if (!this.failures.has(key) && this.failures.size >= this.maxKeys) {
      const first = this.failures.keys().next().value;
      if (first !== undefined) this.failures.delete(first);
    }
    this.failures.set(key, list.slice(-1000));
  }

  reset(key: string): void {
    this.failures.delete(key);
  }
}
