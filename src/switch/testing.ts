/**
 * In-memory fakes of the phone system's ports, for unit tests (no database, no sockets).
 * Not used by the running app.
 */
import type { DomainEvent, EventBus, EventListener } from '../kit/index.js';
import type { BindingsRepo, SeatUsers, SeatsRepo } from './seats/ports.js';
import type { Binding, Seat, SeatSecrets } from './seats/types.js';

/** A bus that records every event. */
export class RecordingBus implements EventBus {
  readonly events: DomainEvent[] = [];
  private readonly listeners = new Set<EventListener>();
  publish(e: DomainEvent): void {
    this.events.push(e);
    for (const l of this.listeners) l(e);
  }
  subscribe(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }
  ofType(type: string): DomainEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Bindings in a Map. With `gate()` on, every apply() waits until the test releases it
 * (`release()` / `fail()`), so a write can be held "in flight".
 */
export class MemoryBindingsRepo implements BindingsRepo {
  readonly rows = new Map<string, Binding>();
  readonly applied: { save: Binding[]; remove: string[] }[] = [];
  private gated = false;
  private readonly inFlight: Deferred[] = [];

  gate(on = true): void {
    this.gated = on;
  }

  /** Writes waiting for release. */
  get waiting(): number {
    return this.inFlight.length;
  }

  /** Lets the oldest held write finish. */
  release(): void {
    this.inFlight.shift()?.resolve();
  }

  /** Makes the oldest held write fail. */
  fail(e: unknown = new Error('disk full')): void {
    this.inFlight.shift()?.reject(e);
  }

  async loadActive(now: number): Promise<Binding[]> {
    return [...this.rows.values()].filter((b) => b.expiresAt > now).map((b) => ({ ...b }));
  }

  async apply(save: readonly Binding[], remove: readonly string[]): Promise<void> {
    this.applied.push({ save: [...save], remove: [...remove] });
    if (this.gated) {
      const d = deferred();
      this.inFlight.push(d);
      await d.promise;
    }
    for (const id of remove) this.rows.delete(id);
    for (const b of save) this.rows.set(b.id, { ...b });
  }

  async deleteExpired(now: number): Promise<number> {
    let n = 0;
    for (const [id, b] of this.rows) {
      if (b.expiresAt <= now) {
        this.rows.delete(id);
        n++;
      }
    }
    return n;
  }
}

export class MemorySeatsRepo implements SeatsRepo {
  readonly seats = new Map<string, Seat>();
  readonly secretsById = new Map<string, SeatSecrets>();

  async create(seat: Seat, secrets: SeatSecrets): Promise<void> {
    for (const s of this.seats.values()) {
      if (s.tenantId === seat.tenantId && s.number === seat.number) throw new Error('UNIQUE constraint failed: seats.number');
    }
    this.seats.set(seat.id, { ...seat });
    this.secretsById.set(seat.id, { ...secrets });
  }
  async update(seat: Seat): Promise<void> {
    if (this.seats.has(seat.id)) this.seats.set(seat.id, { ...seat });
  }
  async setSecrets(tenantId: string, id: string, realm: string, secrets: SeatSecrets, updatedAt: string): Promise<void> {
    const s = this.seats.get(id);
    if (!s || s.tenantId !== tenantId) return;
    this.seats.set(id, { ...s, realm, updatedAt });
    this.secretsById.set(id, { ...secrets });
  }
  async delete(tenantId: string, id: string): Promise<void> {
    if (this.seats.get(id)?.tenantId === tenantId) {
      this.seats.delete(id);
      this.secretsById.delete(id);
    }
  }
  async get(tenantId: string, id: string): Promise<Seat | null> {
    const s = this.seats.get(id);
    return s && s.tenantId === tenantId ? { ...s } : null;
  }
  async getByNumber(tenantId: string, number: string): Promise<Seat | null> {
    const s = [...this.seats.values()].find((x) => x.tenantId === tenantId && x.number === number);
    return s ? { ...s } : null;
  }
  async list(tenantId: string): Promise<Seat[]> {
    return [...this.seats.values()].filter((s) => s.tenantId === tenantId).sort((a, b) => a.number.localeCompare(b.number));
  }
  async listByUser(tenantId: string, userId: string): Promise<Seat[]> {
    return (await this.list(tenantId)).filter((s) => s.userId === userId);
  }
  async secrets(tenantId: string, number: string): Promise<{ seat: Seat; secrets: SeatSecrets } | null> {
    const seat = await this.getByNumber(tenantId, number);
    if (!seat || !seat.enabled) return null;
    return { seat, secrets: { ...this.secretsById.get(seat.id)! } };
  }
}

export class MemorySeatUsers implements SeatUsers {
  readonly users = new Map<string, { id: string; tenantId: string; name: string; disabled: boolean }>();

  add(tenantId: string, id: string, name: string): void {
    this.users.set(id, { id, tenantId, name, disabled: false });
  }
  async get(tenantId: string, userId: string): Promise<{ id: string; name: string; disabled: boolean } | null> {
    const u = this.users.get(userId);
    return u && u.tenantId === tenantId ? { id: u.id, name: u.name, disabled: u.disabled } : null;
  }
  async names(tenantId: string): Promise<Map<string, string>> {
    return new Map([...this.users.values()].filter((u) => u.tenantId === tenantId).map((u) => [u.id, u.name]));
  }
}

/** Resolves once the promise queue has drained (enough for chained in-memory promises). */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
}
