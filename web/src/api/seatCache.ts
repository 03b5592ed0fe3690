import type { LiveEvent, MySeatResponse, Registration, Seat, SeatStatus } from './types';

/** GET /api/v1/seats */
export interface SeatList {
  items: Seat[];
}

/** Live events about seats on /api/v1/events. */
export const SEAT_EVENTS = new Set(['seat.updated', 'seat.deleted', 'seat.registration']);

export type SeatEvent =
  | { type: 'seat.updated'; seat: Seat }
  | { type: 'seat.deleted'; id: string }
  | { type: 'seat.registration'; seatId: string; number: string; status: SeatStatus; registrations: Registration[] };

/** A cache's next value, and whether the event could not be applied to it so it must be fetched again. */
export interface CacheUpdate<T> {
  data: T;
  refetch: boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSeat(value: unknown): value is Seat {
  return isObject(value) && typeof value.id === 'string' && typeof value.number === 'string' && Array.isArray(value.registrations);
}

/** The seat event in a live event, or null if it is not one or its data is malformed. */
export function parseSeatEvent(event: LiveEvent): SeatEvent | null {
  const data = event.data;
  if (!isObject(data)) return null;
  switch (event.type) {
    case 'seat.updated':
      return isSeat(data.seat) ? { type: 'seat.updated', seat: data.seat } : null;
    case 'seat.deleted':
      return typeof data.id === 'string' ? { type: 'seat.deleted', id: data.id } : null;
    case 'seat.registration': {
      if (typeof data.seatId !== 'string') return null;
      if (data.status !== 'registered' && data.status !== 'unregistered') return null;
      const registrations = Array.isArray(data.registrations) ? (data.registrations as Registration[]) : [];
      return {
        type: 'seat.registration',
        seatId: data.seatId,
        number: typeof data.number === 'string' ? data.number : '',
        status: data.status,
        registrations,
      };
    }
    default:
      return null;
  }
}

/** Extensions in numeric order ("2" before "10"), as a person reads them. */
export function compareSeatNumbers(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}

/** Replaces the seat with the same id in place, or adds a new one in number order. */
export function upsertSeat(list: SeatList, seat: Seat): SeatList {
  const index = list.items.findIndex((s) => s.id === seat.id);
  if (index >= 0) {
    const items = list.items.slice();
    items[index] = seat;
    return { ...list, items };
  }
  const items = [...list.items, seat].sort((a, b) => compareSeatNumbers(a.number, b.number));
  return { ...list, items };
}

export function removeSeat(list: SeatList, id: string): SeatList {
  if (!list.items.some((s) => s.id === id)) return list;
  return { ...list, items: list.items.filter((s) => s.id !== id) };
}

function withRegistration(seat: Seat, event: Extract<SeatEvent, { type: 'seat.registration' }>): Seat {
  return { ...seat, status: event.status, registrations: event.registrations };
}

/**
 * Applies a seat event to the cached admin list (undefined while not loaded: nothing to update).
 * A registration for a seat the list does not hold yet asks for a refetch.
 */
export function applySeatEventToList(list: SeatList | undefined, event: SeatEvent): CacheUpdate<SeatList | undefined> {
  if (!list) return { data: list, refetch: false };
  switch (event.type) {
    case 'seat.updated':
      return { data: upsertSeat(list, event.seat), refetch: false };
    case 'seat.deleted':
      return { data: removeSeat(list, event.id), refetch: false };
    case 'seat.registration': {
      const seat = list.items.find((s) => s.id === event.seatId);
      if (!seat) return { data: list, refetch: true };
      return { data: upsertSeat(list, withRegistration(seat, event)), refetch: false };
    }
  }
}

/**
 * Applies a seat event to the cached GET /me/seat answer. `meId` is the signed-in user's id: a seat
 * newly given to them, or their seat given to someone else, asks for a refetch.
 */
export function applySeatEventToMine(
  mine: MySeatResponse | undefined,
  event: SeatEvent,
  meId: string | null,
): CacheUpdate<MySeatResponse | undefined> {
  if (!mine) return { data: mine, refetch: false };
  const current = mine.seat;
  switch (event.type) {
    case 'seat.updated': {
      const owner = meId ?? current?.userId ?? null;
      if (current && current.id === event.seat.id) {
        if (owner !== null && event.seat.userId === owner) return { data: { ...mine, seat: event.seat }, refetch: false };
        return { data: mine, refetch: true };
      }
      return { data: mine, refetch: owner !== null && event.seat.userId === owner };
    }
    case 'seat.deleted':
      if (current && current.id === event.id) return { data: { ...mine, seat: null }, refetch: true };
      return { data: mine, refetch: false };
    case 'seat.registration':
      if (current && current.id === event.seatId) return { data: { ...mine, seat: withRegistration(current, event) }, refetch: false };
      return { data: mine, refetch: false };
  }
}
