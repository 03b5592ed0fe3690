/**
 * One tab owns the phone (one registration, one ringing tab): a Web Lock named per user. Other
 * tabs wait in the lock's queue and take over when the owner closes, or take it at once with
 * `takeOver` (the lock is stolen, and the old owner learns it from its request failing).
 */
export type TabLockState = 'acquiring' | 'owner' | 'elsewhere';

interface Locks {
  request(name: string, options: LockOptions, callback: (lock: Lock | null) => Promise<unknown> | unknown): Promise<unknown>;
}

export class TabLock {
  private readonly listeners = new Set<(s: TabLockState) => void>();
  private release: (() => void) | null = null;
  private waiting: AbortController | null = null;
  private generation = 0;
  private stopped = false;
  state: TabLockState = 'acquiring';

  constructor(
    private readonly name: string,
    private readonly locks: Locks | null = typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null,
  ) {}

  onChange(listener: (s: TabLockState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    this.stopped = false;
    // Without Web Locks (old browsers) every tab is its own owner.
    if (!this.locks) return this.set('owner');
    this.request({ ifAvailable: true });
  }

  /** "Use here": steal the lock from the tab that holds it. */
  takeOver(): void {
    if (!this.locks || this.state === 'owner') return;
    this.waiting?.abort();
    this.waiting = null;
    this.request({ steal: true });
  }

  stop(): void {
    this.stopped = true;
    this.generation += 1;
    this.waiting?.abort();
    this.waiting = null;
    this.release?.();
    this.release = null;
  }

  private request(options: LockOptions): void {
    const locks = this.locks!;
    const gen = ++this.generation;
    const current = () => gen === this.generation && !this.stopped;
    locks
      .request(this.name, options, async (lock) => {
        if (!current()) return;
        if (!lock) {
          this.set('elsewhere');
          this.queue();
          return;
        }
        this.set('owner');
        await new Promise<void>((resolve) => (this.release = resolve));
      })
      .catch(() => {
        // AbortError: another tab stole the lock, or our queued request was cancelled.
        if (!current()) return;
        this.release?.();
        this.release = null;
        this.set('elsewhere');
        this.queue();
      });
  }

  /** Wait in line: the lock comes to this tab when the owner's tab closes. */
  private queue(): void {
    const locks = this.locks!;
    const gen = ++this.generation;
    const abort = new AbortController();
    this.waiting = abort;
    locks
      .request(this.name, { signal: abort.signal }, async () => {
        if (gen !== this.generation || this.stopped) return;
        this.waiting = null;
        this.set('owner');
        await new Promise<void>((resolve) => (this.release = resolve));
      })
      .catch(() => {
        if (gen !== this.generation || this.stopped) return;
        // stolen after we got it from the queue
        this.release?.();
        this.release = null;
        this.set('elsewhere');
        this.queue();
      });
  }

  private set(state: TabLockState): void {
    if (this.state === state) return;
    this.state = state;
    for (const l of this.listeners) l(state);
  }
}
