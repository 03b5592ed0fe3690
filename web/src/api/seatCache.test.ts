import { describe, expect, it } from 'vitest';
import {
  applySeatEventToList,
  applySeatEventToMine,
  compareSeatNumbers,
  parseSeatEvent,
  removeSeat,
  type SeatEvent,
  type SeatList,
  upsertSeat,
} from './seatCache';
import type { MySeatResponse, Registration, Seat } from './types';

function seat(number: string, extra: Partial<Seat> = {}): Seat {
  return {
    id: `s${number}`,
    number,
    userId: null,
    userName: null,
    displayName: null,
    enabled: true,
    status: 'unregistered',
    registrations: [],
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...extra,
  };
}

const reg: Registration = {
  id: 'r1',
  contact: 'sip:1001@192.168.1.20:5060',
  transport: 'udp',
  source: '192.168.1.20:5060',
  userAgent: 'MicroSIP/3.21.5',
  expiresAt: '2025-01-01T01:00:00.000Z',
};

const settings = { domain: '192.168.1.5', realm: '192.168.1.5', transports: [] };

describe('parseSeatEvent', () => {
  it('reads the three seat events', () => {
    expect(parseSeatEvent({ type: 'seat.updated', at: '', data: { seat: seat('1001') } })).toEqual({ type: 'seat.updated', seat: seat('1001') });
    expect(parseSeatEvent({ type: 'seat.deleted', at: '', data: { id: 's1001' } })).toEqual({ type: 'seat.deleted', id: 's1001' });
    expect(
      parseSeatEvent({
        type: 'seat.registration',
        at: '',
        data: { seatId: 's1001', number: '1001', status: 'registered', registrations: [reg] },
      }),
    ).toEqual({ type: 'seat.registration', seatId: 's1001', number: '1001', status: 'registered', registrations: [reg] });
  });

  it('rejects other events and malformed data', () => {
    expect(parseSeatEvent({ type: 'record.updated', at: '', data: { id: 'x' } })).toBeNull();
    expect(parseSeatEvent({ type: 'seat.updated', at: '', data: { seat: { id: 's1' } } })).toBeNull();
    expect(parseSeatEvent({ type: 'seat.deleted', at: '', data: null })).toBeNull();
    expect(parseSeatEvent({ type: 'seat.registration', at: '', data: { seatId: 's1', status: 'maybe' } })).toBeNull();
  });

  it('treats a registration event without a list as no devices', () => {
    expect(parseSeatEvent({ type: 'seat.registration', at: '', data: { seatId: 's1', status: 'unregistered' } })).toMatchObject({
      registrations: [],
      number: '',
    });
  });
});

describe('seat list cache', () => {
  const list: SeatList = { items: [seat('2'), seat('1001'), seat('1002')] };

  it('orders extensions numerically', () => {
    expect(['1001', '2', '10', '1000'].sort(compareSeatNumbers)).toEqual(['2', '10', '1000', '1001']);
  });

  it('replaces a seat in place and adds a new one in number order', () => {
    const renamed = upsertSeat(list, seat('1002', { displayName: 'Front desk' }));
    expect(renamed.items.map((s) => s.number)).toEqual(['2', '1001', '1002']);
    expect(renamed.items[2]?.displayName).toBe('Front desk');
    expect(list.items[2]?.displayName).toBeNull();
    expect(upsertSeat(list, seat('1000')).items.map((s) => s.number)).toEqual(['2', '1000', '1001', '1002']);
  });

  it('removes a seat, and returns the same list when it is not there', () => {
    expect(removeSeat(list, 's1001').items.map((s) => s.number)).toEqual(['2', '1002']);
    expect(removeSeat(list, 'nope')).toBe(list);
  });

  it('applies a registration to the seat, keeping its other fields and the order', () => {
    const event: SeatEvent = { type: 'seat.registration', seatId: 's1001', number: '1001', status: 'registered', registrations: [reg] };
    const { data, refetch } = applySeatEventToList(list, event);
    expect(refetch).toBe(false);
    expect(data?.items.map((s) => s.number)).toEqual(['2', '1001', '1002']);
    expect(data?.items[1]).toEqual({ ...seat('1001'), status: 'registered', registrations: [reg] });

    const off = applySeatEventToList(data, { ...event, status: 'unregistered', registrations: [] });
    expect(off.data?.items[1]).toEqual(seat('1001'));
  });

  it('asks for a refetch when a registration is for a seat it does not hold', () => {
    const event: SeatEvent = { type: 'seat.registration', seatId: 'new', number: '1003', status: 'registered', registrations: [reg] };
    expect(applySeatEventToList(list, event)).toEqual({ data: list, refetch: true });
  });

  it('leaves an unloaded list alone', () => {
    expect(applySeatEventToList(undefined, { type: 'seat.deleted', id: 's2' })).toEqual({ data: undefined, refetch: false });
  });

  it('applies seat.updated and seat.deleted', () => {
    const updated = applySeatEventToList(list, { type: 'seat.updated', seat: seat('1001', { enabled: false }) });
    expect(updated.data?.items[1]?.enabled).toBe(false);
    const added = applySeatEventToList(list, { type: 'seat.updated', seat: seat('3') });
    expect(added.data?.items.map((s) => s.number)).toEqual(['2', '3', '1001', '1002']);
    const deleted = applySeatEventToList(list, { type: 'seat.deleted', id: 's2' });
    expect(deleted.data?.items.map((s) => s.number)).toEqual(['1001', '1002']);
  });
});

describe('my seat cache', () => {
  const mine: MySeatResponse = { seat: seat('1001', { userId: 'u1' }), settings };
  const none: MySeatResponse = { seat: null, settings };

  it('applies a registration on my seat and ignores others', () => {
    const event: SeatEvent = { type: 'seat.registration', seatId: 's1001', number: '1001', status: 'registered', registrations: [reg] };
    const { data } = applySeatEventToMine(mine, event, 'u1');
    expect(data?.seat).toMatchObject({ status: 'registered', registrations: [reg] });
    expect(data?.settings).toBe(settings);
    expect(applySeatEventToMine(mine, { ...event, seatId: 'other' }, 'u1')).toEqual({ data: mine, refetch: false });
  });

  it('replaces my seat when it changes but stays mine', () => {
    const changed = seat('1001', { userId: 'u1', displayName: 'Desk' });
    expect(applySeatEventToMine(mine, { type: 'seat.updated', seat: changed }, 'u1')).toEqual({
      data: { seat: changed, settings },
      refetch: false,
    });
  });

  it('refetches when my seat goes to someone else or a seat is given to me', () => {
    expect(applySeatEventToMine(mine, { type: 'seat.updated', seat: seat('1001', { userId: 'u2' }) }, 'u1').refetch).toBe(true);
    expect(applySeatEventToMine(none, { type: 'seat.updated', seat: seat('1005', { userId: 'u1' }) }, 'u1').refetch).toBe(true);
    expect(applySeatEventToMine(none, { type: 'seat.updated', seat: seat('1005', { userId: 'u2' }) }, 'u1').refetch).toBe(false);
  });

  it('clears my seat when it is deleted', () => {
    const { data } = applySeatEventToMine(mine, { type: 'seat.deleted', id: 's1001' }, 'u1');
    expect(data?.seat).toBeNull();
    expect(applySeatEventToMine(mine, { type: 'seat.deleted', id: 's9' }, 'u1')).toEqual({ data: mine, refetch: false });
  });
});
