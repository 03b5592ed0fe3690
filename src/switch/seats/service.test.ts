import { beforeEach, describe, expect, it } from 'vitest';
import { AppError, FakeClock } from '../../kit/index.js';
import { ha1 } from '../../sip/index.js';
import { Location } from '../location/location.js';
import { MemoryBindingsRepo, MemorySeatsRepo, MemorySeatUsers, RecordingBus, settle } from '../testing.js';
import { SEAT_PASSWORD_LENGTH, generateSeatPassword, seatSecrets } from './password.js';
import { SeatsService, registrationView } from './service.js';
import type { Binding } from './types.js';

describe('seat passwords', () => {
  it('are at least 16 characters, of the unambiguous alphabet, and differ each time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generateSeatPassword();
      expect(p.length).toBeGreaterThanOrEqual(16);
      expect(p).toHaveLength(SEAT_PASSWORD_LENGTH);
      expect(p).toMatch(/^[A-HJ-NP-Za-km-z2-9]+$/);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
  });

  it('are stored as the HA1 of every algorithm', () => {
    const s = seatSecrets('1001', 'demo', 'pw');
    expect(s).toEqual({ md5: ha1('1001', 'demo', 'pw', 'MD5'), sha256: ha1('1001', 'demo', 'pw', 'SHA-256'), sha512_256: ha1('1001', 'demo', 'pw', 'SHA-512-256') });
  });
});

describe('SeatsService', () => {
  let clock: FakeClock;
  let repo: MemorySeatsRepo;
  let users: MemorySeatUsers;
  let bus: RecordingBus;
  let location: Location;
  let seats: SeatsService;

  beforeEach(async () => {
    clock = new FakeClock();
    repo = new MemorySeatsRepo();
    users = new MemorySeatUsers();
    users.add('t1', 'u-alice', 'Alice');
    users.add('t1', 'u-bob', 'Bob');
    users.add('t2', 'u-mallory', 'Mallory');
    bus = new RecordingBus();
    location = new Location({ repo: new MemoryBindingsRepo(), clock, events: bus });
    await location.start();
    seats = new SeatsService({ repo, users, bindings: location, events: bus, clock, realmOf: async (t) => (t === 't1' ? 'acme' : 'other') });
  });

  function bindingFor(seatId: string, number: string): Binding {
    const now = clock.now();
    return {
      id: `b-${seatId}-${Math.random()}`,
      tenantId: 't1',
      seatId,
      number,
      contact: `sip:${number}@192.0.2.5:5060`,
      instanceId: null,
      regId: null,
      callId: 'c',
      cseq: 1,
      expiresAt: now + 600_000,
      q: null,
      transport: 'udp',
      sourceAddress: '192.0.2.5',
      sourcePort: 5060,
      connectionId: null,
      userAgent: 'phone',
      path: [],
      createdAt: now,
      updatedAt: now,
    };
  }

  it('creates a seat with a generated password and stores only its HA1s for the tenant realm', async () => {
    const a = await seats.create('t1', { number: '1001', userId: 'u-alice', displayName: ' Alice ' });
    const b = await seats.create('t1', { number: '1002' });
    expect(a.password.length).toBeGreaterThanOrEqual(16);
    expect(a.password).not.toBe(b.password);
    expect(a.seat).toMatchObject({ number: '1001', userId: 'u-alice', userName: 'Alice', displayName: 'Alice', enabled: true, status: 'unregistered', registrations: [] });
    const stored = await repo.secrets('t1', '1001');
    expect(stored!.seat.realm).toBe('acme');
    for (const alg of ['MD5', 'SHA-256', 'SHA-512-256'] as const) {
      const key = alg === 'MD5' ? 'md5' : alg === 'SHA-256' ? 'sha256' : 'sha512_256';
      expect(stored!.secrets[key]).toBe(ha1('1001', 'acme', a.password, alg));
    }
    expect(JSON.stringify([...repo.seats.values(), ...repo.secretsById.values()])).not.toContain(a.password);
  });

  it('uses a given password (demo data)', async () => {
    const r = await seats.create('t1', { number: '1003' }, 'demo-password-1');
    expect(r.password).toBe('demo-password-1');
    expect((await repo.secrets('t1', '1003'))!.secrets.md5).toBe(ha1('1003', 'acme', 'demo-password-1', 'MD5'));
  });

  it('refuses a duplicate number with SEAT_NUMBER_TAKEN, per tenant', async () => {
    await seats.create('t1', { number: '1001' });
    await expect(seats.create('t1', { number: '1001' })).rejects.toMatchObject({ code: 'SEAT_NUMBER_TAKEN', kind: 'conflict' });
    await expect(seats.create('t1', { number: ' 1001 ' })).rejects.toMatchObject({ code: 'SEAT_NUMBER_TAKEN' });
    await expect(seats.create('t2', { number: '1001' })).resolves.toBeTruthy();
  });

  it('maps a unique-index race to SEAT_NUMBER_TAKEN', async () => {
    await seats.create('t1', { number: '1001' });
    const getByNumber = repo.getByNumber.bind(repo);
    let first = true;
    // The pre-check misses the concurrent insert; the repository's unique index catches it.
    repo.getByNumber = async (t, n) => {
      if (first) {
        first = false;
        return null;
      }
      return getByNumber(t, n);
    };
    await expect(seats.create('t1', { number: '1001' })).rejects.toMatchObject({ code: 'SEAT_NUMBER_TAKEN' });
  });

  it('refuses bad numbers and long names', async () => {
    for (const number of ['1', 'abc', '12345678901', '10 01', '']) {
      await expect(seats.create('t1', { number })).rejects.toMatchObject({ code: 'SEAT_NUMBER_INVALID' });
    }
    await expect(seats.create('t1', { number: '1001', displayName: 'x'.repeat(101) })).rejects.toMatchObject({ code: 'SEAT_NAME_TOO_LONG' });
  });

  it('refuses a user of another tenant, on create and on update', async () => {
    await expect(seats.create('t1', { number: '1001', userId: 'u-mallory' })).rejects.toMatchObject({ code: 'SEAT_USER_UNKNOWN' });
    await expect(seats.create('t1', { number: '1001', userId: 'nobody' })).rejects.toBeInstanceOf(AppError);
    const { seat } = await seats.create('t1', { number: '1001' });
    await expect(seats.update('t1', seat.id, { userId: 'u-mallory' })).rejects.toMatchObject({ code: 'SEAT_USER_UNKNOWN' });
    expect((await seats.get('t1', seat.id)).userId).toBeNull();
  });

  it('does not let a tenant see or change another tenant seat', async () => {
    const { seat } = await seats.create('t1', { number: '1001' });
    await expect(seats.get('t2', seat.id)).rejects.toMatchObject({ code: 'SEAT_NOT_FOUND' });
    await expect(seats.update('t2', seat.id, { enabled: false })).rejects.toMatchObject({ code: 'SEAT_NOT_FOUND' });
    await expect(seats.remove('t2', seat.id)).rejects.toMatchObject({ code: 'SEAT_NOT_FOUND' });
    await expect(seats.resetPassword('t2', seat.id)).rejects.toMatchObject({ code: 'SEAT_NOT_FOUND' });
    expect(await seats.list('t2')).toEqual([]);
  });

  it('shows registrations in the view', async () => {
    const { seat } = await seats.create('t1', { number: '1001', userId: 'u-alice' });
    const b = bindingFor(seat.id, '1001');
    await location.change('t1', seat.id, [b], []);
    const list = await seats.list('t1');
    expect(list[0]).toMatchObject({ status: 'registered', userName: 'Alice', registrations: [registrationView(b)] });
    expect(registrationView(b)).toMatchObject({ source: '192.0.2.5:5060', transport: 'udp', userAgent: 'phone' });
    expect(registrationView({ ...b, sourceAddress: '2001:db8::1' }).source).toBe('[2001:db8::1]:5060');
  });

  it('signs out the phones of a seat that is disabled', async () => {
    const { seat } = await seats.create('t1', { number: '1001' });
    await location.change('t1', seat.id, [bindingFor(seat.id, '1001'), bindingFor(seat.id, '1001')], []);
    const view = await seats.update('t1', seat.id, { enabled: false });
    expect(view).toMatchObject({ enabled: false, status: 'unregistered', registrations: [] });
    expect(location.bindingsOf(seat.id)).toEqual([]);
    expect(await repo.secrets('t1', '1001')).toBeNull();
    // Re-enabling brings nothing back by itself.
    expect((await seats.update('t1', seat.id, { enabled: true })).status).toBe('unregistered');
  });

  it('signs out the phones on a password reset, with a new password that works', async () => {
    const { seat, password } = await seats.create('t1', { number: '1001' });
    await location.change('t1', seat.id, [bindingFor(seat.id, '1001')], []);
    const next = await seats.resetPassword('t1', seat.id);
    expect(next).not.toBe(password);
    expect(next.length).toBeGreaterThanOrEqual(16);
    expect(location.bindingsOf(seat.id)).toEqual([]);
    expect((await repo.secrets('t1', '1001'))!.secrets.sha256).toBe(ha1('1001', 'acme', next, 'SHA-256'));
  });

  it('removes a seat and its bindings', async () => {
    const { seat } = await seats.create('t1', { number: '1001', userId: 'u-alice' });
    await location.change('t1', seat.id, [bindingFor(seat.id, '1001')], []);
    await seats.remove('t1', seat.id);
    expect(location.bindingsOf(seat.id)).toEqual([]);
    expect(await seats.list('t1')).toEqual([]);
    expect(bus.ofType('seat.deleted')[0]).toMatchObject({ tenantId: 't1', roles: ['owner', 'admin'], userIds: ['u-alice'], data: { id: seat.id } });
  });

  it('addresses seat events to admins, owners and the seat user (old and new on a change)', async () => {
    const { seat } = await seats.create('t1', { number: '1001', userId: 'u-alice' });
    const created = bus.ofType('seat.updated')[0]!;
    expect(created).toMatchObject({ tenantId: 't1', userIds: ['u-alice'], data: { seat: { id: seat.id } } });
    expect([...created.roles!].sort()).toEqual(['admin', 'owner']);
    await seats.update('t1', seat.id, { userId: 'u-bob' });
    const moved = bus.ofType('seat.updated')[1]!;
    expect([...moved.userIds!].sort()).toEqual(['u-alice', 'u-bob']);
    const { seat: free } = await seats.create('t1', { number: '1002' });
    const unowned = bus.ofType('seat.updated').find((e) => (e.data as { seat: { id: string } }).seat.id === free.id)!;
    expect(unowned.userIds).toEqual([]);
    expect(bus.events.every((e) => e.at === new Date(clock.now()).toISOString())).toBe(true);
  });

  it('finds the seat of a user (lowest number first)', async () => {
    await seats.create('t1', { number: '2001', userId: 'u-alice' });
    await seats.create('t1', { number: '1001', userId: 'u-alice' });
    expect((await seats.ofUser('t1', 'u-alice'))!.number).toBe('1001');
    expect(await seats.ofUser('t1', 'u-bob')).toBeNull();
  });

  it('keeps updatedAt moving with the clock', async () => {
    const { seat } = await seats.create('t1', { number: '1001' });
    clock.advance(5_000);
    const v = await seats.update('t1', seat.id, { displayName: 'Front desk' });
    expect(v.displayName).toBe('Front desk');
    expect(Date.parse(v.updatedAt) - Date.parse(seat.createdAt)).toBe(5_000);
    await settle();
  });
});
