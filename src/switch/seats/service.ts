/**
 * Seats: create, change, delete, and their SIP passwords. A password is generated here, returned
 * once to the caller and stored only as HA1 digests, so it can never be shown again, only reset.
 */
import { conflict, invalid, newId, notFound, type Clock, type EventBus } from '../../kit/index.js';
import { generateSeatPassword, seatSecrets } from './password.js';
import type { SeatUsers, SeatsRepo } from './ports.js';
import type { Binding, RegistrationView, Seat, SeatView } from './types.js';

/** The registrar's view the seats service needs: current bindings, and dropping a seat's. */
export interface SeatBindings {
  bindingsOf(seatId: string): readonly Binding[];
  dropSeat(tenantId: string, seatId: string): Promise<void>;
}

export interface SeatsServiceDeps {
  repo: SeatsRepo;
  users: SeatUsers;
  bindings: SeatBindings;
  events: EventBus;
  clock: Clock;
  /** The digest realm of a tenant (stable: the HA1 values depend on it). */
  realmOf: (tenantId: string) => Promise<string>;
}

export interface NewSeat {
  number: string;
  userId?: string | null;
  displayName?: string | null;
}

export interface SeatChanges {
  userId?: string | null;
  displayName?: string | null;
  enabled?: boolean;
}

const NUMBER_RE = /^[0-9]{2,10}$/;
const ADMIN_ROLES = ['owner', 'admin'] as const;

export function registrationView(b: Binding): RegistrationView {
  return {
    id: b.id,
    contact: b.contact,
    transport: b.transport,
    source: b.sourceAddress.includes(':') ? `[${b.sourceAddress}]:${b.sourcePort}` : `${b.sourceAddress}:${b.sourcePort}`,
    userAgent: b.userAgent,
    expiresAt: new Date(b.expiresAt).toISOString(),
  };
}

export class SeatsService {
  constructor(private readonly deps: SeatsServiceDeps) {}

  async list(tenantId: string): Promise<SeatView[]> {
    const [seats, names] = await Promise.all([this.deps.repo.list(tenantId), this.deps.users.names(tenantId)]);
    return seats.map((s) => this.view(s, names));
  }

  async get(tenantId: string, id: string): Promise<SeatView> {
    return this.viewOne(await this.mustGet(tenantId, id));
  }

  /** The seat bound to a user (the first by number when several are). */
  async ofUser(tenantId: string, userId: string): Promise<SeatView | null> {
    const seats = await this.deps.repo.listByUser(tenantId, userId);
    const first = seats.sort((a, b) => a.number.localeCompare(b.number))[0];
    return first ? this.viewOne(first) : null;
  }

  /** Creates a seat with a generated password (or the given one: demo data and tests). */
  async create(tenantId: string, input: NewSeat, password?: string): Promise<{ seat: SeatView; password: string }> {
    const number = input.number.trim();
    if (!NUMBER_RE.test(number)) throw invalid('SEAT_NUMBER_INVALID', 'a seat number is 2 to 10 digits');
    const userId = input.userId ?? null;
    if (userId !== null) await this.mustBeUser(tenantId, userId);
    if (await this.deps.repo.getByNumber(tenantId, number)) throw conflict('SEAT_NUMBER_TAKEN', `seat ${number} exists`);
    const secret = password ?? generateSeatPassword();
    const realm = await this.deps.realmOf(tenantId);
    const now = new Date(this.deps.clock.now()).toISOString();
    const seat: Seat = {
      id: newId(),
      tenantId,
      number,
      userId,
      displayName: cleanName(input.displayName),
      enabled: true,
      realm,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.deps.repo.create(seat, seatSecrets(number, realm, secret));
    } catch (e) {
      // Two admins adding the same number at once: the unique index decides.
      if (await this.deps.repo.getByNumber(tenantId, number)) throw conflict('SEAT_NUMBER_TAKEN', `seat ${number} exists`);
      throw e;
    }
    const view = await this.viewOne(seat);
    this.publish(tenantId, 'seat.updated', { seat: view }, seat.userId);
    return { seat: view, password: secret };
  }

  async update(tenantId: string, id: string, changes: SeatChanges): Promise<SeatView> {
    const seat = await this.mustGet(tenantId, id);
    if (changes.userId !== undefined && changes.userId !== null) await this.mustBeUser(tenantId, changes.userId);
    const next: Seat = {
      ...seat,
      userId: changes.userId !== undefined ? changes.userId : seat.userId,
      displayName: changes.displayName !== undefined ? cleanName(changes.displayName) : seat.displayName,
      enabled: changes.enabled ?? seat.enabled,
      updatedAt: new Date(this.deps.clock.now()).toISOString(),
    };
    await this.deps.repo.update(next);
    // A disabled seat's phones are signed out at once, not at their next refresh.
    if (seat.enabled && !next.enabled) await this.deps.bindings.dropSeat(tenantId, id);
    const view = await this.viewOne(next);
    this.publish(tenantId, 'seat.updated', { seat: view }, next.userId, seat.userId);
    return view;
  }

  async remove(tenantId: string, id: string): Promise<void> {
    const seat = await this.mustGet(tenantId, id);
    await this.deps.bindings.dropSeat(tenantId, id);
    await this.deps.repo.delete(tenantId, id);
    this.publish(tenantId, 'seat.deleted', { id }, seat.userId);
  }

  /** A new generated password; the old one stops working and the seat's phones must register again. */
  async resetPassword(tenantId: string, id: string, password?: string): Promise<string> {
    const seat = await this.mustGet(tenantId, id);
    const secret = password ?? generateSeatPassword();
    const realm = await this.deps.realmOf(tenantId);
    await this.deps.repo.setSecrets(tenantId, id, realm, seatSecrets(seat.number, realm, secret), new Date(this.deps.clock.now()).toISOString());
    await this.deps.bindings.dropSeat(tenantId, id);
    return secret;
  }

  private async mustGet(tenantId: string, id: string): Promise<Seat> {
    const seat = await this.deps.repo.get(tenantId, id);
    if (!seat) throw notFound('SEAT_NOT_FOUND', 'no such seat');
    return seat;
  }

  private async mustBeUser(tenantId: string, userId: string): Promise<void> {
    const user = await this.deps.users.get(tenantId, userId);
    if (!user) throw invalid('SEAT_USER_UNKNOWN', 'no such user in this tenant');
  }

  private async viewOne(seat: Seat): Promise<SeatView> {
    const user = seat.userId ? await this.deps.users.get(seat.tenantId, seat.userId) : null;
    return this.view(seat, new Map(user ? [[user.id, user.name]] : []));
  }

  private view(seat: Seat, names: Map<string, string>): SeatView {
    const registrations = this.deps.bindings.bindingsOf(seat.id).map(registrationView);
    return {
      id: seat.id,
      number: seat.number,
      userId: seat.userId,
      userName: seat.userId ? (names.get(seat.userId) ?? null) : null,
      displayName: seat.displayName,
      enabled: seat.enabled,
      status: registrations.length ? 'registered' : 'unregistered',
      registrations,
      createdAt: seat.createdAt,
      updatedAt: seat.updatedAt,
    };
  }

  private publish(tenantId: string, type: string, data: unknown, ...users: (string | null)[]): void {
    const userIds = users.filter((u): u is string => !!u);
    this.deps.events.publish({ type, tenantId, roles: ADMIN_ROLES, userIds, at: new Date(this.deps.clock.now()).toISOString(), data });
  }
}

function cleanName(name: string | null | undefined): string | null {
  const t = name?.trim();
  if (!t) return null;
  if (t.length > 100) throw invalid('SEAT_NAME_TOO_LONG', 'a display name has at most 100 characters');
  return t;
}
