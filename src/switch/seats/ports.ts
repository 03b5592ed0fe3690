import type { Binding, Seat, SeatSecrets } from './types.js';

/** Storage of seats; implemented in `store/`. Every call is scoped to a tenant. */
export interface SeatsRepo {
  create(seat: Seat, secrets: SeatSecrets): Promise<void>;
  update(seat: Seat): Promise<void>;
  setSecrets(tenantId: string, id: string, realm: string, secrets: SeatSecrets, updatedAt: string): Promise<void>;
  delete(tenantId: string, id: string): Promise<void>;
  get(tenantId: string, id: string): Promise<Seat | null>;
  getByNumber(tenantId: string, number: string): Promise<Seat | null>;
  list(tenantId: string): Promise<Seat[]>;
  listByUser(tenantId: string, userId: string): Promise<Seat[]>;
  /** The digest secrets of an enabled seat, or null. */
  secrets(tenantId: string, number: string): Promise<{ seat: Seat; secrets: SeatSecrets } | null>;
}

/** Durable registrar bindings; implemented in `store/`. */
export interface BindingsRepo {
  /** Every binding that has not expired at `now` (epoch ms), all tenants (loaded at start). */
  loadActive(now: number): Promise<Binding[]>;
  /** One transaction: upsert `save` (by id), delete `remove` (by id). */
  apply(save: readonly Binding[], remove: readonly string[]): Promise<void>;
  /** Drop bindings that expired before `now`. */
  deleteExpired(now: number): Promise<number>;
}

/** Who a user is, for views (name) and validation (same tenant). */
export interface SeatUsers {
  get(tenantId: string, userId: string): Promise<{ id: string; name: string; disabled: boolean } | null>;
  names(tenantId: string): Promise<Map<string, string>>;
}
