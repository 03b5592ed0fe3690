import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../kit/index.js';
import type { Binding } from '../seats/types.js';
import { MemoryBindingsRepo, RecordingBus, settle } from '../testing.js';
import { Location } from './location.js';

let n = 0;
function binding(over: Partial<Binding> = {}, now = Date.UTC(2026, 0, 1)): Binding {
  n++;
  return {
    id: `b${n}`,
    tenantId: 't1',
    seatId: 's1',
    number: '1001',
    contact: `sip:1001@192.0.2.${n}:5060`,
    instanceId: null,
    regId: null,
    callId: `c${n}`,
    cseq: 1,
    expiresAt: now + 3_600_000,
    q: null,
    transport: 'udp',
    sourceAddress: `192.0.2.${n}`,
    sourcePort: 5060,
    connectionId: null,
    userAgent: null,
    path: [],
    createdAt: now,
    updatedAt: now,
    ...over,
  };
}

/** Tracks when a promise settles. */
function track(p: Promise<void>): { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } {
  const t: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  p.then(
    () => (t.state = 'resolved'),
    (e) => {
      t.state = 'rejected';
      t.error = e;
    },
  );
  return t;
}

describe('Location', () => {
  let clock: FakeClock;
  let repo: MemoryBindingsRepo;
  let bus: RecordingBus;
  let location: Location;
  const changes: string[] = [];

  beforeEach(async () => {
    clock = new FakeClock();
    repo = new MemoryBindingsRepo();
    bus = new RecordingBus();
    changes.length = 0;
    location = new Location({ repo, clock, events: bus, onSeatChange: (_t, seatId) => changes.push(seatId) });
  });

  it('group-commits changes that arrive while a write is in flight, and resolves each caller after its write', async () => {
    await location.start();
    repo.gate();
    const b1 = binding({ seatId: 's1' });
    const b2 = binding({ seatId: 's2' });
    const b3 = binding({ seatId: 's3' });
    const p1 = track(location.change('t1', 's1', [b1], []));
    await settle();
    expect(repo.waiting).toBe(1);
    // Memory changes at once, before the write is durable.
    expect(location.bindingsOf('s1')).toHaveLength(1);
    const p2 = track(location.change('t1', 's2', [b2], []));
    const p3 = track(location.change('t1', 's3', [b3], []));
    await settle();
    expect(repo.applied).toHaveLength(1);
    expect(p1.state).toBe('pending');

    repo.release();
    await settle();
    expect(p1.state).toBe('resolved');
    expect(p2.state).toBe('pending');
    expect(p3.state).toBe('pending');
    // The two queued changes went out together in one apply().
    expect(repo.applied).toHaveLength(2);
    expect(repo.applied[1]!.save.map((b) => b.id).sort()).toEqual([b2.id, b3.id].sort());

    repo.release();
    await settle();
    expect(p2.state).toBe('resolved');
    expect(p3.state).toBe('resolved');
    expect([...repo.rows.keys()].sort()).toEqual([b1.id, b2.id, b3.id].sort());
  });

  it('merges a save and a later remove of the same binding in one group', async () => {
    await location.start();
    repo.gate();
    const other = binding({ seatId: 's9' });
    void location.change('t1', 's9', [other], []);
    await settle();
    const b = binding();
    const p1 = track(location.change('t1', 's1', [b], []));
    const p2 = track(location.change('t1', 's1', [], [b.id]));
    repo.release();
    await settle();
    expect(repo.applied[1]).toEqual({ save: [], remove: [b.id] });
    repo.release();
    await settle();
    expect(p1.state).toBe('resolved');
    expect(p2.state).toBe('resolved');
    expect(repo.rows.has(b.id)).toBe(false);
  });

  it('rejects the callers of a failed write, and later writes still work', async () => {
    await location.start();
    repo.gate();
    const p0 = track(location.change('t1', 's0', [binding({ seatId: 's0' })], []));
    await settle();
    const p1 = track(location.change('t1', 's1', [binding({ seatId: 's1' })], []));
    const p2 = track(location.change('t1', 's2', [binding({ seatId: 's2' })], []));
    repo.release();
    await settle();
    expect(p0.state).toBe('resolved');
    repo.fail(new Error('disk full'));
    await settle();
    expect(p1.state).toBe('rejected');
    expect(p2.state).toBe('rejected');
    expect(String(p1.error)).toContain('disk full');
    repo.gate(false);
    await expect(location.change('t1', 's3', [binding({ seatId: 's3' })], [])).resolves.toBeUndefined();
  });

  it('sweeps expired bindings and publishes the seat as unregistered', async () => {
    await location.start();
    const b = binding({ expiresAt: clock.now() + 60_000 });
    await location.change('t1', 's1', [b], []);
    expect(bus.ofType('seat.registration').at(-1)!.data).toMatchObject({ status: 'registered', number: '1001' });
    clock.advance(59_000);
    await settle();
    expect(location.size).toBe(1);
    clock.advance(2_000);
    await settle();
    expect(location.size).toBe(0);
    expect(location.bindingsOf('s1')).toEqual([]);
    expect(repo.rows.size).toBe(0);
    const last = bus.ofType('seat.registration').at(-1)!;
    expect(last).toMatchObject({ tenantId: 't1', data: { seatId: 's1', number: '1001', status: 'unregistered', registrations: [] } });
    expect(changes).toEqual(['s1', 's1']);
    await location.close();
  });

  it('keeps a seat registered while one of its bindings is left', async () => {
    await location.start();
    await location.change('t1', 's1', [binding({ expiresAt: clock.now() + 60_000 }), binding({ expiresAt: clock.now() + 600_000 })], []);
    clock.advance(61_000);
    await settle();
    expect(location.bindingsOf('s1')).toHaveLength(1);
    expect(bus.ofType('seat.registration').at(-1)!.data).toMatchObject({ status: 'registered' });
    await location.close();
  });

  it('hides an expired binding at once, before the sweep runs', async () => {
    await location.start();
    await location.change('t1', 's1', [binding({ expiresAt: clock.now() + 500 })], []);
    clock.advance(500);
    expect(location.bindingsOf('s1')).toEqual([]);
    await location.close();
  });

  it('orders bindings by q, then the most recent', async () => {
    await location.start();
    const now = clock.now();
    const low = binding({ q: 0.5, updatedAt: now + 5 });
    const old = binding({ q: null, updatedAt: now });
    const recent = binding({ q: 1, updatedAt: now + 1 });
    await location.change('t1', 's1', [low, old, recent], []);
    expect(location.bindingsOf('s1').map((b) => b.id)).toEqual([recent.id, old.id, low.id]);
    await location.close();
  });

  it('start() loads the active bindings and drops expired ones from the store', async () => {
    const live = binding({ seatId: 's1', expiresAt: clock.now() + 60_000 });
    const dead = binding({ seatId: 's2', expiresAt: clock.now() - 1 });
    repo.rows.set(live.id, live);
    repo.rows.set(dead.id, dead);
    await location.start();
    expect(location.bindingsOf('s1').map((b) => b.id)).toEqual([live.id]);
    expect(location.bindingsOf('s2')).toEqual([]);
    expect(repo.rows.has(dead.id)).toBe(false);
    expect(location.size).toBe(1);
    await location.close();
  });

  it('dropSeat removes every binding of a seat, durably, and publishes unregistered with the number', async () => {
    const a = binding({ seatId: 's1', number: '1007' });
    const b = binding({ seatId: 's1', number: '1007' });
    const c = binding({ seatId: 's2', number: '1002' });
    for (const x of [a, b, c]) repo.rows.set(x.id, x);
    await location.start();
    await location.dropSeat('t1', 's1');
    expect(location.bindingsOf('s1')).toEqual([]);
    expect(location.bindingsOf('s2')).toHaveLength(1);
    expect([...repo.rows.keys()]).toEqual([c.id]);
    const ev = bus.ofType('seat.registration');
    expect(ev).toHaveLength(1);
    expect(ev[0]!.data).toMatchObject({ seatId: 's1', number: '1007', status: 'unregistered' });
    // Nothing to drop: no write, no event.
    const writes = repo.applied.length;
    await location.dropSeat('t1', 's1');
    expect(repo.applied.length).toBe(writes);
    expect(bus.ofType('seat.registration')).toHaveLength(1);
    await location.close();
  });

  it('addresses registration events to admins, owners and the seat user only', async () => {
    await location.start();
    await location.change('t1', 's1', [binding()], []);
    expect(bus.ofType('seat.registration')[0]).toMatchObject({ roles: ['owner', 'admin'], userIds: [] });
    const withUsers = new Location({ repo, clock, events: bus, userOf: async (_t, seatId) => (seatId === 's2' ? 'u-bob' : null) });
    await withUsers.start();
    await withUsers.change('t1', 's2', [binding({ seatId: 's2' })], []);
    await withUsers.change('t1', 's3', [binding({ seatId: 's3' })], []);
    await withUsers.dropSeat('t1', 's2');
    await settle();
    const ev = bus.ofType('seat.registration').slice(1);
    expect(ev.map((e) => [(e.data as { seatId: string }).seatId, (e.data as { status: string }).status, e.roles, e.userIds])).toEqual([
      ['s2', 'registered', ['owner', 'admin'], ['u-bob']],
      ['s3', 'registered', ['owner', 'admin'], []],
      ['s2', 'unregistered', ['owner', 'admin'], ['u-bob']],
    ]);
    await withUsers.close();
    await location.close();
  });

  it('close() waits for queued writes and stops the sweep', async () => {
    await location.start();
    repo.gate();
    const p = track(location.change('t1', 's1', [binding({ expiresAt: clock.now() + 1_000 })], []));
    const closing = track(location.close());
    await settle();
    expect(closing.state).toBe('pending');
    repo.release();
    await settle();
    expect(p.state).toBe('resolved');
    expect(closing.state).toBe('resolved');
    clock.advance(10_000);
    await settle();
    // No sweep after close: the expired binding stays in the store for the next start.
    expect(repo.rows.size).toBe(1);
    await location.close();
  });
});
