import { type QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client';
import { queryKeys } from './queryKeys';
import {
  applySeatEventToList,
  applySeatEventToMine,
  parseSeatEvent,
  removeSeat,
  SEAT_EVENTS,
  type SeatList,
  upsertSeat,
} from './seatCache';
import type { LiveEvent, MySeatResponse, Seat, SessionUser, SipSettings } from './types';

export type { SeatList } from './seatCache';

/** POST /api/v1/seats body */
export interface CreateSeatBody {
  number: string;
  userId?: string | null;
  displayName?: string | null;
}

/** PATCH /api/v1/seats/:id body */
export interface UpdateSeatBody {
  userId?: string | null;
  displayName?: string | null;
  enabled?: boolean;
}

/** The server's answer to create and password resets: the new SIP password, shown once. */
export interface SeatPassword {
  password: string;
}

/** Error code of POST /seats when the extension is in use. */
export const SEAT_NUMBER_TAKEN = 'SEAT_NUMBER_TAKEN';

function seatPath(id: string): string {
  return `/seats/${encodeURIComponent(id)}`;
}

/** GET /api/v1/seats (admin); kept live by seat.* events (see applySeatEventToCache). */
export function useSeats(enabled = true) {
  return useQuery({
    queryKey: queryKeys.seatList,
    queryFn: ({ signal }) => api<SeatList>('/seats', { signal }),
    enabled,
  });
}

/** GET /api/v1/me/seat: the signed-in user's seat (or null) and the server's SIP settings. */
export function useMySeat() {
  return useQuery({
    queryKey: queryKeys.mySeat,
    queryFn: ({ signal }) => api<MySeatResponse>('/me/seat', { signal }),
  });
}

/** GET /api/v1/sip/settings: server, realm and transports a phone registers to. */
export function useSipSettings(enabled = true) {
  return useQuery({
    queryKey: queryKeys.sipSettings,
    queryFn: ({ signal }) => api<SipSettings>('/sip/settings', { signal }),
    enabled,
    staleTime: 5 * 60_000,
  });
}

function putSeat(qc: QueryClient, seat: Seat): void {
  qc.setQueryData<SeatList>(queryKeys.seatList, (list) => (list ? upsertSeat(list, seat) : list));
}

export function useCreateSeat() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateSeatBody) => api<{ seat: Seat } & SeatPassword>('/seats', { method: 'POST', body }),
    onSuccess: (res) => {
      putSeat(qc, res.seat);
      // the seat may be the admin's own
      void qc.invalidateQueries({ queryKey: queryKeys.seats });
    },
  });
}

export function useUpdateSeat() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateSeatBody }) =>
      api<{ seat: Seat }>(seatPath(id), { method: 'PATCH', body }),
    onSuccess: (res) => {
      putSeat(qc, res.seat);
      void qc.invalidateQueries({ queryKey: queryKeys.seats });
    },
  });
}

export function useDeleteSeat() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(seatPath(id), { method: 'DELETE' }),
    onSuccess: (_res, id) => {
      qc.setQueryData<SeatList>(queryKeys.seatList, (list) => (list ? removeSeat(list, id) : list));
      void qc.invalidateQueries({ queryKey: queryKeys.seats });
    },
  });
}

/** POST /api/v1/seats/:id/password (admin): a new password; the old one stops working. */
export function useResetSeatPassword() {
  return useMutation({
    mutationFn: (id: string) => api<SeatPassword>(`${seatPath(id)}/password`, { method: 'POST' }),
  });
}

/** POST /api/v1/me/seat/password: a new password for the signed-in user's own seat. */
export function useResetMySeatPassword() {
  return useMutation({
    mutationFn: () => api<SeatPassword>('/me/seat/password', { method: 'POST' }),
  });
}

/**
 * Applies a seat.updated / seat.deleted / seat.registration live event to the cached seat list and
 * "my seat" (registration status changes without a refetch); refetches what it cannot apply.
 * Returns false if the event is not a seat event.
 */
export function applySeatEventToCache(qc: QueryClient, event: LiveEvent): boolean {
  if (!SEAT_EVENTS.has(event.type)) return false;
  const seatEvent = parseSeatEvent(event);
  if (!seatEvent) {
    // not the shape we know: fetch the truth instead
    void qc.invalidateQueries({ queryKey: queryKeys.seats });
    return true;
  }
  const cachedList = qc.getQueryData<SeatList>(queryKeys.seatList);
  const list = applySeatEventToList(cachedList, seatEvent);
  if (list.data && list.data !== cachedList) qc.setQueryData(queryKeys.seatList, list.data);
  if (list.refetch) void qc.invalidateQueries({ queryKey: queryKeys.seatList });
  const me = qc.getQueryData<SessionUser | null>(queryKeys.me);
  const cachedMine = qc.getQueryData<MySeatResponse>(queryKeys.mySeat);
  const mine = applySeatEventToMine(cachedMine, seatEvent, me?.id ?? null);
  if (mine.data && mine.data !== cachedMine) qc.setQueryData(queryKeys.mySeat, mine.data);
  if (mine.refetch) void qc.invalidateQueries({ queryKey: queryKeys.mySeat });
  return true;
}
