/**
 * The location service (RFC 3261 §10.3): every seat's current bindings, in memory for routing,
 * written through to the database so that a restart loses none.
 *
 * Writes use group commit: changes that arrive while a transaction is being written are queued
 * and go out together in the next one, and each caller's promise resolves once its change is
 * durable. A registrar answers 200 only after that, at thousands of REGISTERs a second, without
 * one fsync per REGISTER.
 */
import type { Clock, EventBus, TimerHandle } from '../../kit/index.js';
import type { BindingsRepo } from '../seats/ports.js';
import { registrationView } from '../seats/service.js';
import type { Binding } from '../seats/types.js';

interface Pending {
  save: Map<string, Binding>;
  remove: Set<string>;
  waiters: { resolve: () => void; reject: (e: unknown) => void }[];
}

const SWEEP_MS = 1_000;

export interface LocationOptions {
  repo: BindingsRepo;
  clock: Clock;
  events: EventBus;
  /** Called when a seat's set of bindings changes (not on a plain refresh). */
  onSeatChange?: (tenantId: string, seatId: string) => void;
  /**
   * The user a seat is bound to: 'seat.registration' events go to admins and owners and to that
   * user only (they carry contact URIs, source addresses and user agents).
   */
  userOf?: (tenantId: string, seatId: string) => Promise<string | null>;
}

const ADMIN_ROLES = ['owner', 'admin'] as const;

export class Location {
  private readonly bySeat = new Map<string, Map<string, Binding>>();
  private pending: Pending = emptyPending();
  private flushing: Promise<void> | null = null;
  private flushScheduled = false;
  private sweepTimer: TimerHandle | null = null;
  private closed = false;

  constructor(private readonly opts: LocationOptions) {}

  /** Loads unexpired bindings and starts expiring them. */
  async start(): Promise<void> {
    const now = this.opts.clock.now();
    await this.opts.repo.deleteExpired(now);
    for (const b of await this.opts.repo.loadActive(now)) this.seatMap(b.seatId).set(b.id, b);
    this.scheduleSweep();
  }

  /** Unexpired bindings of a seat, highest q first (RFC 3261 §16.6 order; ties by most recent). */
  bindingsOf(seatId: string): Binding[] {
    const m = this.bySeat.get(seatId);
    if (!m) return [];
    const now = this.opts.clock.now();
    return [...m.values()].filter((b) => b.expiresAt > now).sort((a, b) => (b.q ?? 1) - (a.q ?? 1) || b.updatedAt - a.updatedAt);
  }

  get size(): number {
    let n = 0;
    for (const m of this.bySeat.values()) n += m.size;
    return n;
  }

  /**
   * Apply a registrar decision for one seat: upsert `save`, delete `remove` (ids). Memory changes
   * at once (the next REGISTER sees it); the promise resolves when the change is durable.
   */
  change(tenantId: string, seatId: string, save: readonly Binding[], remove: readonly string[]): Promise<void> {
    const m = this.seatMap(seatId);
    const before = new Set(m.keys());
    // Remember the seat's number before its last binding goes (a binding loaded at start included),
    // so the 'unregistered' event still names it.
    const any = m.values().next().value ?? save[0];
    if (any) this.lastNumber.set(seatId, any.number);
    for (const id of remove) m.delete(id);
    for (const b of save) m.set(b.id, b);
    if (m.size === 0) this.bySeat.delete(seatId);
    const after = new Set(m.keys());
    if (before.size !== after.size || [...after].some((id) => !before.has(id))) this.notify(tenantId, seatId);
    return this.enqueue(save, remove);
  }

  /**
   * A connection closed that cannot be opened again from our side (a browser's WebSocket): the
   * bindings registered over it reach nobody, so they go now rather than at expiry, and the seat's
   * status follows at once.
   */
  async dropConnection(connectionId: string): Promise<void> {
    const changes: Promise<void>[] = [];
    for (const [seatId, m] of [...this.bySeat]) {
      const gone = [...m.values()].filter((b) => b.connectionId === connectionId);
      if (gone.length) changes.push(this.change(gone[0]!.tenantId, seatId, [], gone.map((b) => b.id)));
    }
    await Promise.all(changes);
  }

  async dropSeat(tenantId: string, seatId: string): Promise<void> {
    const m = this.bySeat.get(seatId);
    if (!m?.size) return;
    await this.change(tenantId, seatId, [], [...m.keys()]);
  }

  /** Waits for queued writes, stops the sweep. Safe to repeat. */
  async close(): Promise<void> {
    this.closed = true;
    this.sweepTimer?.cancel();
    this.sweepTimer = null;
    while (this.flushing || this.pending.waiters.length) await (this.flushing ?? this.flush());
    await this.published;
  }

  private seatMap(seatId: string): Map<string, Binding> {
    let m = this.bySeat.get(seatId);
    if (!m) this.bySeat.set(seatId, (m = new Map()));
    return m;
  }

  private notify(tenantId: string, seatId: string): void {
    const bindings = this.bindingsOf(seatId);
    const number = bindings[0]?.number ?? this.lastNumber.get(seatId) ?? '';
    if (bindings[0]) this.lastNumber.set(seatId, bindings[0].number);
    const event = {
      type: 'seat.registration',
      tenantId,
      roles: ADMIN_ROLES,
      at: new Date(this.opts.clock.now()).toISOString(),
      data: { seatId, number, status: bindings.length ? 'registered' : 'unregistered', registrations: bindings.map(registrationView) },
    };
    const userOf = this.opts.userOf;
    if (!userOf) this.opts.events.publish({ ...event, userIds: [] });
    else {
      // In order, after the lookup of the seat's user.
      this.published = this.published.then(async () => {
        const user = await userOf(tenantId, seatId).catch(() => null);
        this.opts.events.publish({ ...event, userIds: user ? [user] : [] });
      });
    }
    this.opts.onSeatChange?.(tenantId, seatId);
  }
  private published: Promise<void> = Promise.resolve();
  private readonly lastNumber = new Map<string, string>();

  private enqueue(save: readonly Binding[], remove: readonly string[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const p = this.pending;
      for (const id of remove) {
        p.save.delete(id);
        p.remove.add(id);
      }
      for (const b of save) {
        p.remove.delete(b.id);
        p.save.set(b.id, b);
      }
      p.waiters.push({ resolve, reject });
      // Flush after the datagrams already read in this turn of the event loop have been handled
      // (setImmediate runs after the poll phase), so a burst of REGISTERs shares one commit.
      if (!this.flushing && !this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          if (!this.flushing && this.pending.waiters.length) void this.flush();
        });
      }
    });
  }

  private flush(): Promise<void> {
    const batch = this.pending;
    this.pending = emptyPending();
    const run = (async () => {
      try {
        if (batch.save.size || batch.remove.size) await this.opts.repo.apply([...batch.save.values()], [...batch.remove]);
        for (const w of batch.waiters) w.resolve();
      } catch (e) {
        for (const w of batch.waiters) w.reject(e);
      }
    })();
    this.flushing = run.then(() => {
      this.flushing = null;
      // What queued up meanwhile goes out as the next group.
      if (this.pending.waiters.length) void this.flush();
    });
    return this.flushing;
  }

  private scheduleSweep(): void {
    if (this.closed) return;
    this.sweepTimer = this.opts.clock.setTimeout(() => {
      this.sweep();
      this.scheduleSweep();
    }, SWEEP_MS);
  }

  /** Expired bindings leave memory (and the database) so status and routing stay true. */
  private sweep(): void {
    const now = this.opts.clock.now();
    for (const [seatId, m] of this.bySeat) {
      // Runs every second over every seat: no allocation unless something expired.
      let expired: Binding[] | undefined;
      for (const b of m.values()) if (b.expiresAt <= now) (expired ??= []).push(b);
      if (expired) {
        const tenantId = expired[0]!.tenantId;
        this.lastNumber.set(seatId, expired[0]!.number);
        void this.change(tenantId, seatId, [], expired.map((b) => b.id)).catch(() => {});
      }
    }
  }
}

function emptyPending(): Pending {
  return { save: new Map(), remove: new Set(), waiters: [] };
}
