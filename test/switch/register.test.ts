/** REGISTER over real loopback UDP against the whole app: digest, failures, status, events, durability. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, seedDemo, type App } from '../../src/app/index.js';
import type { DomainEvent } from '../../src/kit/index.js';
import { serialize } from '../../src/sip/index.js';
import { testDialects } from '../../src/store/testing/index.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { SipPhone } from '../support/sip-phone.js';

const PASSWORD = 'demo-password-1';
const dialects = await testDialects();

describe.each(dialects)('SIP registration on %s', (dialect) => {
  let t: TestApp;
  let tenantId: string;
  let server: { host: string; port: number };
  const phones: SipPhone[] = [];
  const events: DomainEvent[] = [];

  const phone = async (user: string, password = PASSWORD) => {
    const p = await SipPhone.create({ server, user, password });
    phones.push(p);
    return p;
  };

  beforeAll(async () => {
    const base = dialect === 'sqlite' ? 40000 : 40100;
    t = await createTestApp(dialect, { demoPassword: PASSWORD, sipHost: '127.0.0.1', sipPort: 0, rtpPortMin: base, rtpPortMax: base + 99, sipBanFailures: 1000, sipDigestAlgorithms: 'MD5,SHA-256' });
    tenantId = (await seedDemo(t.app)).tenantId;
    await t.app.listen();
    server = { host: '127.0.0.1', port: t.app.phone.sip()!.port('udp')! };
    t.app.bus.subscribe((e) => events.push(e));
  });
  afterEach(async () => {
    await Promise.all(phones.splice(0).map((p) => p.close()));
  });
  afterAll(async () => {
    await t?.dispose();
  });

  async function seatsApi(app: App = t.app) {
    const r = await app.http.inject({ method: 'POST', url: '/api/v1/auth/signin', payload: { email: 'admin@demo.test', password: PASSWORD } });
    const cookie = `hotline_session=${r.cookies.find((c) => c.name === 'hotline_session')!.value}`;
    const list = await app.http.inject({ url: '/api/v1/seats', headers: { cookie } });
    expect(list.statusCode).toBe(200);
    return list.json().items as Array<{ id: string; number: string; status: string; registrations: Array<{ contact: string; transport: string; source: string; userAgent: string }> }>;
  }

  it('registers with MD5 (offered first) and shows the seat as registered', async () => {
    const p = await phone('1001');
    const { res, challenge } = await p.register({ algorithm: 'MD5' });
    expect(challenge.status).toBe(401);
    const offered = challenge.headers.getAll('www-authenticate').map((v) => /algorithm=([\w-]+)/.exec(v)![1]);
    expect(offered).toEqual(['MD5', 'SHA-256']);
    expect(res.status).toBe(200);
    expect(res.headers.getAll('contact').map((c) => c.replace(/;expires=\d+/, ''))).toEqual([`<${p.contact}>`]);
    const seat = (await seatsApi()).find((s) => s.number === '1001')!;
    expect(seat.status).toBe('registered');
    expect(seat.registrations).toEqual([expect.objectContaining({ contact: p.contact, transport: 'udp', source: `127.0.0.1:${p.port}`, userAgent: 'hotline-test-phone' })]);
    const ev = events.filter((e) => e.type === 'seat.registration' && (e.data as { number: string }).number === '1001');
    const aliceId = (await t.app.accounts.findUserByEmail('alice@demo.test'))!.id;
    await expect.poll(() => ev.length || events.filter((e) => e.type === 'seat.registration' && (e.data as { number: string }).number === '1001').length).toBeGreaterThan(0);
    const last = events.filter((e) => e.type === 'seat.registration' && (e.data as { number: string }).number === '1001').at(-1);
    // Seen by admins, owners and the seat's own user (alice), not by every agent.
    expect(last).toMatchObject({ tenantId, roles: ['owner', 'admin'], userIds: [aliceId], data: { status: 'registered', seatId: seat.id } });
  });

  it('registers with SHA-256', async () => {
    const p = await phone('1002');
    const { res } = await p.register({ algorithm: 'SHA-256' });
    expect(res.status).toBe(200);
    expect(t.app.phone.location.bindingsOf((await seatsApi()).find((s) => s.number === '1002')!.id)).toHaveLength(1);
  });

  it('refuses a wrong password with a final 403 after the 401 challenge, and registers nothing', async () => {
    const p = await phone('1003', 'wrong-password');
    const { res, challenge } = await p.register();
    expect(challenge.status).toBe(401);
    // A final answer, so the phone stops instead of retrying into a ban.
    expect(res.status).toBe(403);
    expect(res.headers.getAll('www-authenticate')).toEqual([]);
    expect((await seatsApi()).find((s) => s.number === '1003')!.status).toBe('unregistered');
  });

  it('answers an unknown user exactly like a known one with a wrong password', async () => {
    const known = await phone('1003', 'wrong-password');
    const unknown = await phone('1003', 'wrong-password');
    // Same To/From user and Contact shape; only the digest username differs.
    const a = await known.register();
    const b = await unknown.register({ user: '9999' });
    expect(a.res.status).toBe(403);
    expect(b.res.status).toBe(403);
    const mask = (buf: Buffer, p: SipPhone) =>
      buf
        .toString()
        .replace(/^Via: .*$/gm, 'Via: X')
        .replace(/nonce="[^"]*"/g, 'nonce="X"')
        .replace(/opaque="[^"]*"/g, 'opaque="X"')
        .replace(/tag=[\w.-]+/g, 'tag=X')
        .replace(/^Call-ID: .*$/gm, 'Call-ID: X')
        .replace(/^CSeq: \d+/gm, 'CSeq: N')
        .replace(/sip:(1003|9999)@/g, 'sip:U@')
        .replace(String(p.port), 'PORT');
    expect(mask(serialize(b.res), unknown)).toBe(mask(serialize(a.res), known));
    // The challenges to the first (unauthenticated) REGISTER are alike too.
    expect(mask(serialize(b.challenge), unknown)).toBe(mask(serialize(a.challenge), known));
  });

  it('answers a replayed nonce count with a fresh stale challenge, not a registration', async () => {
    const p = await phone('1003');
    const { res } = await p.register();
    expect(res.status).toBe(200);
    // The same nonce and nc again, in a new request.
    const again = p.registerRequest();
    p.setAuthorization(again);
    p.send(again);
    const replayed = await p.waitResponse(again, { final: true });
    expect(replayed.status).toBe(401);
    expect(replayed.headers.getAll('www-authenticate').join()).toContain('stale=true');
  });

  it('refreshes and then unregisters with Expires: 0, publishing unregistered', async () => {
    const p = await phone('1003');
    expect((await p.register({ expires: 300 })).res.status).toBe(200);
    const { res } = await p.register({ expires: 0 });
    expect(res.status).toBe(200);
    expect(res.headers.getAll('contact').join()).not.toContain(p.contact);
    // Contact: * removes the seat's other bindings too (an earlier test's phone).
    const star = await p.register({ expires: 0, contact: '*' });
    expect(star.res.status).toBe(200);
    expect(star.res.headers.getAll('contact')).toEqual([]);
    expect((await seatsApi()).find((s) => s.number === '1003')!.status).toBe('unregistered');
    const last = events.filter((e) => e.type === 'seat.registration' && (e.data as { number: string }).number === '1003').at(-1)!;
    expect(last.data).toMatchObject({ status: 'unregistered', registrations: [] });
  });

  it('answers 423 with Min-Expires to a too short registration', async () => {
    const p = await phone('1003');
    const { res } = await p.register({ expires: 10 });
    expect(res.status).toBe(423);
    expect(res.headers.get('min-expires')).toBe('60');
  });

  it('signs out a disabled seat at once and refuses its phones afterwards', async () => {
    await t.app.phone.seats.create(tenantId, { number: '1009' }, PASSWORD);
    const p = await phone('1009');
    expect((await p.register()).res.status).toBe(200);
    const seat = (await seatsApi()).find((s) => s.number === '1009')!;
    await t.app.phone.seats.update(tenantId, seat.id, { enabled: false });
    expect((await seatsApi()).find((s) => s.number === '1009')!.status).toBe('unregistered');
    expect((await p.register()).res.status).toBe(403);
    await t.app.phone.seats.update(tenantId, seat.id, { enabled: true });
    expect((await p.register()).res.status).toBe(200);
  });

  it('refuses the old password after a reset', async () => {
    await t.app.phone.seats.create(tenantId, { number: '1008' }, PASSWORD);
    const p = await phone('1008');
    expect((await p.register()).res.status).toBe(200);
    const seat = (await seatsApi()).find((s) => s.number === '1008')!;
    const fresh = await t.app.phone.seats.resetPassword(tenantId, seat.id);
    expect((await seatsApi()).find((s) => s.number === '1008')!.status).toBe('unregistered');
    expect((await p.register()).res.status).toBe(403);
    expect((await p.register({ password: fresh })).res.status).toBe(200);
  });

  it('keeps the binding across a restart on the same database', async () => {
    const p = await phone('1001');
    expect((await p.register()).res.status).toBe(200);
    const seatId = (await seatsApi()).find((s) => s.number === '1001')!.id;
    // Registered bindings are durable once the 200 was sent: a second app on the same store sees them.
    const second = await buildApp(t.app.config);
    try {
      const seat = (await seatsApi(second)).find((s) => s.id === seatId)!;
      expect(seat.status).toBe('registered');
      expect(seat.registrations.map((r) => r.contact)).toContain(p.contact);
    } finally {
      await second.close();
    }
  });
});

describe('SIP registration with SHA-256 preferred', () => {
  let t: TestApp;
  const phones: SipPhone[] = [];
  beforeAll(async () => {
    t = await createTestApp('sqlite', { demoPassword: PASSWORD, sipHost: '127.0.0.1', sipPort: 0, rtpPortMin: 40200, rtpPortMax: 40299, sipDigestAlgorithms: 'SHA-256,MD5' });
    await seedDemo(t.app);
    await t.app.listen();
  });
  afterAll(async () => {
    await Promise.all(phones.map((p) => p.close()));
    await t?.dispose();
  });

  it('offers SHA-256 first and accepts either', async () => {
    const server = { host: '127.0.0.1', port: t.app.phone.sip()!.port('udp')! };
    const a = await SipPhone.create({ server, user: '1001', password: PASSWORD });
    const b = await SipPhone.create({ server, user: '1002', password: PASSWORD });
    phones.push(a, b);
    const ra = await a.register(); // answers the first offer
    expect(ra.challenge.headers.getAll('www-authenticate').map((v) => /algorithm=([\w-]+)/.exec(v)![1])).toEqual(['SHA-256', 'MD5']);
    expect(ra.res.status).toBe(200);
    expect((await b.register({ algorithm: 'MD5' })).res.status).toBe(200);
  });
});

describe('SIP registration after a restart, closed first', () => {
  let t: TestApp;
  const phones: SipPhone[] = [];
  afterAll(async () => {
    await Promise.all(phones.map((p) => p.close()));
    await t?.dispose();
  });

  it('lists the binding after the app is closed and built again on the same data', async () => {
    t = await createTestApp('sqlite', { demoPassword: PASSWORD, sipHost: '127.0.0.1', sipPort: 0, rtpPortMin: 40300, rtpPortMax: 40399 });
    const { tenantId } = await seedDemo(t.app);
    await t.app.listen();
    const p = await SipPhone.create({ server: { host: '127.0.0.1', port: t.app.phone.sip()!.port('udp')! }, user: '1002', password: PASSWORD });
    phones.push(p);
    expect((await p.register()).res.status).toBe(200);
    await t.app.close();
    const again = await buildApp(t.app.config);
    try {
      const seat = (await again.phone.seats.list(tenantId)).find((s) => s.number === '1002')!;
      expect(seat.status).toBe('registered');
      expect(seat.registrations[0]).toMatchObject({ contact: p.contact, transport: 'udp' });
    } finally {
      await again.close();
    }
  });
});
