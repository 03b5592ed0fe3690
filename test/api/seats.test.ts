import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ha1 } from '../../src/sip/index.js';
import { testDialects } from '../../src/store/testing/index.js';
import type { DomainEvent } from '../../src/kit/index.js';
import { createTestApp, type TestApp } from '../support/app.js';

const dialects = await testDialects();

describe.each(dialects)('seats API on %s', (dialect) => {
  let t: TestApp;
  let admin: string;
  let agent: string;
  let agentId: string;
  let other: string;
  const events: DomainEvent[] = [];

  beforeAll(async () => {
    t = await createTestApp(dialect, { adminEmail: 'owner@acme.test', adminPassword: 'owner password 1', tenantName: 'Acme' });
    await t.app.bootstrap();
    admin = await t.signIn('owner@acme.test', 'owner password 1');
    const r = await t.app.http.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { cookie: admin },
      payload: { email: 'agent@acme.test', name: 'Agent Smith', role: 'agent', password: 'agent password 1' },
    });
    agentId = r.json().id;
    agent = await t.signIn('agent@acme.test', 'agent password 1');
    const otherTenant = await t.app.accounts.createTenant({ name: 'Other' });
    await t.app.accounts.createUser(otherTenant.id, { email: 'boss@other.test', name: 'Boss', role: 'admin', password: 'other password 1' });
    other = await t.signIn('boss@other.test', 'other password 1');
    t.app.bus.subscribe((e) => void events.push(e));
  });
  afterAll(() => t?.dispose());

  const call = (cookie: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.http.inject({ method, url: `/api/v1${url}`, headers: { cookie }, ...(payload ? { payload } : {}) });

  it('creates a seat with a generated password shown once, stored only as digests', async () => {
    const r = await call(admin, 'POST', '/seats', { number: '2001', userId: agentId, displayName: 'Desk 1' });
    expect(r.statusCode).toBe(201);
    const { seat, password } = r.json();
    expect(password).toMatch(/^[A-Za-z0-9]{16,}$/);
    expect(seat).toMatchObject({ number: '2001', userId: agentId, userName: 'Agent Smith', displayName: 'Desk 1', enabled: true, status: 'unregistered', registrations: [] });
    expect(JSON.stringify(seat)).not.toContain(password);
    // Nowhere to read it again: the list and the seat show no password.
    const list = await call(admin, 'GET', '/seats');
    expect(JSON.stringify(list.json())).not.toContain(password);
    // The stored digests are those of the password, for the tenant's realm.
    const tenant = await t.app.accounts.getTenantBySlug('acme');
    const tenantId = tenant!.id;
    const stored = await t.app.store.db.selectFrom('seats').selectAll().where('number', '=', '2001').executeTakeFirstOrThrow();
    expect(stored.realm).toBe(tenant!.slug);
    expect(stored.ha1_md5).toBe(ha1('2001', tenant!.slug, password, 'MD5'));
    expect(stored.ha1_sha256).toBe(ha1('2001', tenant!.slug, password, 'SHA-256'));
    expect(Object.values(stored).join(' ')).not.toContain(password);
    expect(events.some((e) => e.type === 'seat.updated' && e.tenantId === tenantId && e.userIds?.includes(agentId))).toBe(true);
  });

  it('refuses bad input with coded errors and changes nothing', async () => {
    const before = (await call(admin, 'GET', '/seats')).json().items.length;
    const cases: Array<[object, number, string]> = [
      [{ number: 'abc' }, 400, 'SEAT_NUMBER_INVALID'],
      [{ number: '1' }, 400, 'SEAT_NUMBER_INVALID'],
      [{ number: '2001' }, 409, 'SEAT_NUMBER_TAKEN'],
      [{ number: '2002', userId: 'nope' }, 400, 'SEAT_USER_UNKNOWN'],
      [{ number: '2002', admin: true }, 400, 'VALIDATION_FAILED'],
      [{ number: 2002 }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of cases) {
      const r = await call(admin, 'POST', '/seats', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(status);
      expect(r.json().error.code).toBe(code);
    }
    expect((await call(admin, 'GET', '/seats')).json().items.length).toBe(before);
  });

  it('keeps seats to admins, and each tenant to itself', async () => {
    expect((await call(agent, 'GET', '/seats')).statusCode).toBe(403);
    expect((await call(agent, 'POST', '/seats', { number: '2999' })).statusCode).toBe(403);
    const mine = (await call(admin, 'GET', '/seats')).json().items[0];
    expect((await call(other, 'GET', '/seats')).json().items).toEqual([]);
    expect((await call(other, 'GET', `/seats/${mine.id}`)).statusCode).toBe(404);
    expect((await call(other, 'PATCH', `/seats/${mine.id}`, { enabled: false })).statusCode).toBe(404);
    expect((await call(other, 'POST', `/seats/${mine.id}/password`)).statusCode).toBe(404);
    expect((await call(other, 'DELETE', `/seats/${mine.id}`)).statusCode).toBe(404);
    // A user of another tenant cannot be bound to a seat here.
    const boss = await t.app.accounts.findUserByEmail('boss@other.test');
    expect((await call(admin, 'POST', '/seats', { number: '2003', userId: boss!.id })).json().error.code).toBe('SEAT_USER_UNKNOWN');
    // The other tenant may use the same number.
    expect((await call(other, 'POST', '/seats', { number: '2001' })).statusCode).toBe(201);
  });

  it('lets a user see their own seat and SIP settings and reset their password', async () => {
    const r = await call(agent, 'GET', '/me/seat');
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.seat.number).toBe('2001');
    expect(body.settings.realm).toBe('acme');
    expect(body.settings.transports.map((x: { transport: string }) => x.transport)).toEqual(expect.arrayContaining(['udp', 'tcp']));
    const reset = await call(agent, 'POST', '/me/seat/password');
    expect(reset.statusCode).toBe(200);
    const stored = await t.app.store.db.selectFrom('seats').selectAll().where('number', '=', '2001').where('tenant_id', '=', (await t.app.accounts.getTenantBySlug('acme'))!.id).executeTakeFirstOrThrow();
    expect(stored.ha1_md5).toBe(ha1('2001', 'acme', reset.json().password, 'MD5'));
    // A user without a seat gets a clear answer.
    expect((await call(admin, 'GET', '/me/seat')).json().seat).toBeNull();
    expect((await call(admin, 'POST', '/me/seat/password')).json().error.code).toBe('SEAT_NOT_FOUND');
  });

  it('edits, disables and deletes a seat', async () => {
    const seat = (await call(admin, 'GET', '/seats')).json().items.find((s: { number: string }) => s.number === '2001');
    const p = await call(admin, 'PATCH', `/seats/${seat.id}`, { displayName: 'Front desk', enabled: false, userId: null });
    expect(p.statusCode).toBe(200);
    expect(p.json().seat).toMatchObject({ displayName: 'Front desk', enabled: false, userId: null, userName: null });
    const reset = await call(admin, 'POST', `/seats/${seat.id}/password`);
    expect(reset.json().password).toMatch(/^[A-Za-z0-9]{16,}$/);
    expect((await call(admin, 'DELETE', `/seats/${seat.id}`)).statusCode).toBe(204);
    expect((await call(admin, 'GET', `/seats/${seat.id}`)).statusCode).toBe(404);
    expect(events.some((e) => e.type === 'seat.deleted' && (e.data as { id: string }).id === seat.id)).toBe(true);
  });

  it('shows live calls to supervisors only', async () => {
    expect((await call(admin, 'GET', '/calls')).json()).toEqual({ items: [] });
    expect((await call(agent, 'GET', '/calls')).statusCode).toBe(403);
  });
});
