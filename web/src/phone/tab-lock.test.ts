import { describe, expect, it } from 'vitest';
import { TabLock, type TabLockState } from './tab-lock';

type Grant = (lock: Lock | null) => Promise<unknown> | unknown;

/** One lock name, as the Web Locks API grants it across tabs: exclusive, queued, stealable. */
class FakeLocks {
  private holder: { reject(e: Error): void; done: Promise<unknown> } | null = null;
  private queue: Array<{ cb: Grant; resolve(v: unknown): void; reject(e: Error): void; signal?: AbortSignal }> = [];

  request(_name: string, options: LockOptions, cb: Grant): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (options.steal) {
        this.holder?.reject(new DOMException('stolen', 'AbortError'));
        this.holder = null;
        return this.grant(cb, resolve, reject);
      }
      if (!this.holder) return this.grant(cb, resolve, reject);
      if (options.ifAvailable) return void Promise.resolve(cb(null)).then(resolve, reject);
      const entry = { cb, resolve, reject, ...(options.signal ? { signal: options.signal } : {}) };
      options.signal?.addEventListener('abort', () => {
        this.queue = this.queue.filter((q) => q !== entry);
        reject(new DOMException('aborted', 'AbortError'));
      });
      this.queue.push(entry);
    });
  }

  private grant(cb: Grant, resolve: (v: unknown) => void, reject: (e: Error) => void): void {
    const done = Promise.resolve(cb({ name: 'x', mode: 'exclusive' } as Lock));
    const holder = { reject, done };
    this.holder = holder;
    void done.then(
      (v) => {
        resolve(v);
        if (this.holder === holder) this.next();
      },
      reject,
    );
  }

  private next(): void {
    this.holder = null;
    const q = this.queue.shift();
    if (q) this.grant(q.cb, q.resolve, q.reject);
  }
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
};

function tab(locks: FakeLocks) {
  const lock = new TabLock('hotline-phone-u1', locks);
  const seen: TabLockState[] = [];
  lock.onChange((s) => seen.push(s));
  return { lock, seen };
}

describe('TabLock', () => {
  it('gives the phone to one tab; the next waits, takes over on demand, and gets it back when the other closes', async () => {
    const locks = new FakeLocks();
    const a = tab(locks);
    a.lock.start();
    await flush();
    expect(a.lock.state).toBe('owner');
    const b = tab(locks);
    b.lock.start();
    await flush();
    expect(b.lock.state).toBe('elsewhere');
    b.lock.takeOver();
    await flush();
    expect(b.lock.state).toBe('owner');
    expect(a.lock.state).toBe('elsewhere');
    b.lock.stop(); // the tab closes
    await flush();
    expect(a.lock.state).toBe('owner');
    expect(a.seen).toEqual(['owner', 'elsewhere', 'owner']);
  });

  it('is the owner at once where Web Locks are missing', () => {
    const lock = new TabLock('hotline-phone-u1', null);
    lock.start();
    expect(lock.state).toBe('owner');
  });
});
