import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { FakeClock, MemoryEventBus } from '../../kit/index.js';
import { CrmService } from '../../crm/index.js';
import { KyselyCrmRepository } from '../../store/repos/crm/index.js';
import { createTestStore, type TestStore } from '../../store/testing/index.js';
import { installErrorHandling } from '../errors.js';
import { installValidation } from '../validation.js';
import { crmRoutes } from './index.js';

/**
 * A minimal app: the real validator and error mapping of src/api, and a stand-in for
 * the auth hook that takes the actor from test headers.
 */
let app: FastifyInstance;
let store: TestStore;

type Who = { tenant?: string; role?: string };
const headers = (w: Who = {}) => ({ 'x-tenant': w.tenant ?? 'tenant-a', 'x-role': w.role ?? 'agent' });

async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, who?: Who) {
  const res = await app.inject({ method, url: `/api/v1${url}`, headers: headers(who), ...(body !== undefined ? { payload: body as object } : {}) });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
}

beforeAll(async () => {
  store = await createTestStore('sqlite');
  const service = new CrmService({ repo: new KyselyCrmRepository(store.db), events: new MemoryEventBus(), clock: new FakeClock() });
  app = Fastify();
  installValidation(app);
  installErrorHandling(app);
  app.decorateRequest('actor', null as never);
  app.addHook('onRequest', async (req) => {
    req.actor = {
      tenantId: String(req.headers['x-tenant']),
      userId: 'user-1',
      role: String(req.headers['x-role']) as never,
      email: 'u@test',
      defaultRegion: 'US',
      via: 'token',
    };
  });
  await app.register(crmRoutes(service), { prefix: '/api/v1' });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await store?.dispose();
});

describe('CRM routes', () => {
  let margaretId: string;
  let companyId: string;

  it('creates, reads, patches and lists contacts', async () => {
    const co = await call('POST', '/companies', { name: 'Marcom' });
    expect(co.status).toBe(201);
    companyId = co.body.id;
    const r = await call('POST', '/contacts', {
      firstName: 'Margaret',
      lastName: 'Chen',
      companyId,
      phones: [
        { label: 'work', number: '+1 555 0123' },
        { label: 'mobile', number: '+1 555 0124' },
      ],
      custom: { vip: true, tier: 2 },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ name: 'Margaret Chen', companyName: 'Marcom', custom: { vip: true, tier: 2 } });
    expect(r.body.phones[0]).toMatchObject({ label: 'work', raw: '+1 555 0123', e164: '+15550123' });
    margaretId = r.body.id;
    const g = await call('GET', `/contacts/${margaretId}`);
    expect(g.status).toBe(200);
    expect(g.body).toEqual(r.body);
    const p = await call('PATCH', `/contacts/${margaretId}`, { title: 'CTO' });
    expect([p.status, p.body.title, p.body.firstName]).toEqual([200, 'CTO', 'Margaret']);
    const l = await call('GET', `/contacts?limit=1&companyId=${companyId}`);
    expect(l.status).toBe(200);
    expect(l.body.items.map((c: { id: string }) => c.id)).toEqual([margaretId]);
    expect(l.body.nextCursor).toBeNull();
  });

  it('rejects unknown fields, wrong types and bad numbers with coded 400s and writes nothing', async () => {
    const before = (await call('GET', '/contacts?limit=200')).body.items.length;
    const cases: Array<[unknown, string]> = [
      [{ firstName: 'X', shoeSize: 42 }, 'VALIDATION_FAILED'],
      [{ firstName: 42 }, 'VALIDATION_FAILED'],
      [{ firstName: 'X', phones: [{ number: 'call me maybe' }] }, 'INVALID_PHONE_NUMBER'],
      [{ firstName: 'X', phones: [{ number: '+1 555 0123', extra: 1 }] }, 'VALIDATION_FAILED'],
      [{ firstName: 'X', custom: { deep: { a: 1 } } }, 'VALIDATION_FAILED'],
      [{ lastName: '' }, 'VALIDATION_FAILED'],
      [[1, 2], 'VALIDATION_FAILED'],
    ];
    for (const [body, code] of cases) {
      const r = await call('POST', '/contacts', body);
      expect([r.status, r.body.error.code], JSON.stringify(body)).toEqual([400, code]);
    }
    const bad = await app.inject({ method: 'POST', url: '/api/v1/contacts', headers: { ...headers(), 'content-type': 'application/json' }, payload: '{"firstName":' });
    expect(bad.statusCode).toBe(400);
    const unknownRef = await call('POST', '/contacts', { firstName: 'X', companyId: '01jzzzzzzzzzzzzzzzzzzzzzzz' });
    expect([unknownRef.status, unknownRef.body.error.code]).toEqual([400, 'COMPANY_NOT_FOUND']);
    expect((await call('GET', '/contacts?limit=200')).body.items.length).toBe(before);
    expect((await call('GET', '/contacts?limit=0')).status).toBe(400);
    expect((await call('GET', '/contacts?limit=abc')).status).toBe(400);
    expect((await call('GET', '/contacts?bogus=1')).status).toBe(400);
    expect((await call('GET', '/contacts?cursor=nope')).body.error.code).toBe('INVALID_CURSOR');
    expect((await call('PATCH', `/contacts/${margaretId}`, { phones: 'x' })).status).toBe(400);
  });

  it('hides other tenants: their ids are 404 and their writes change nothing', async () => {
    const other = { tenant: 'tenant-b', role: 'owner' };
    expect((await call('GET', `/contacts/${margaretId}`, undefined, other)).body.error.code).toBe('CONTACT_NOT_FOUND');
    expect((await call('PATCH', `/contacts/${margaretId}`, { firstName: 'Hacked' }, other)).status).toBe(404);
    expect((await call('DELETE', `/contacts/${margaretId}`, undefined, other)).status).toBe(404);
    expect((await call('POST', `/contacts/${margaretId}/notes`, { body: 'x' }, other)).status).toBe(404);
    expect((await call('GET', '/search?q=Mar', undefined, other)).body.items).toEqual([]);
    expect((await call('GET', '/lookup?number=%2B15550123', undefined, other)).body.items).toEqual([]);
    expect((await call('GET', `/contacts/${margaretId}`)).body.firstName).toBe('Margaret');
  });

  it('quick search and lookup', async () => {
    await call('POST', '/contacts', { firstName: 'Wei', lastName: 'Wang', address: '马丁路 88号' });
    const mar = await call('GET', '/search?q=Mar');
    expect(mar.status).toBe(200);
    expect(mar.body.items.map((r: { name: string; phone: { raw: string } | null }) => `${r.name}|${r.phone?.raw ?? ''}`).sort()).toEqual([
      'Marcom|',
      'Margaret Chen|+1 555 0123',
      'Margaret Chen|+1 555 0124',
    ]);
    const cjk = await call('GET', `/search?q=${encodeURIComponent('马丁')}`);
    expect(cjk.body.items.map((r: { name: string }) => r.name)).toEqual(['Wei Wang']);
    const digits = await call('GET', `/search?q=${encodeURIComponent('(555) 012-3')}`);
    expect(digits.body.items).toEqual([
      expect.objectContaining({ type: 'contact', id: margaretId, subtitle: 'Marcom', matchedBy: 'phone', phone: expect.objectContaining({ raw: '+1 555 0123' }) }),
    ]);
    const sqlish = await call('GET', `/search?q=${encodeURIComponent("'; DROP TABLE contacts;--")}`);
    expect([sqlish.status, sqlish.body.items]).toEqual([200, []]);
    expect((await call('GET', '/search?q=Mar&limit=51')).status).toBe(400);
    expect((await call('GET', '/search')).status).toBe(400);
    const look = await call('GET', '/lookup?number=15550123');
    expect(look.body.items).toEqual([
      { type: 'contact', id: margaretId, name: 'Margaret Chen', phone: expect.objectContaining({ label: 'work', e164: '+15550123' }) },
    ]);
    const badLook = await call('GET', '/lookup?number=anonymous');
    expect([badLook.status, badLook.body.error.code]).toEqual([400, 'INVALID_PHONE_NUMBER']);
  });

  it('notes and timeline', async () => {
    const n = await call('POST', `/contacts/${margaretId}/notes`, { body: 'Prefers email' });
    expect([n.status, n.body.body, n.body.authorId]).toEqual([201, 'Prefers email', 'user-1']);
    expect((await call('POST', `/contacts/${margaretId}/notes`, { body: 'x', pin: true })).status).toBe(400);
    const notes = await call('GET', `/contacts/${margaretId}/notes`);
    expect(notes.body.items.map((x: { body: string }) => x.body)).toEqual(['Prefers email']);
    const t = await call('POST', '/tickets', { subject: 'Cannot log in', contactId: margaretId });
    expect([t.status, t.body.status, t.body.priority]).toEqual([201, 'open', 'normal']);
    const tl = await call('GET', `/contacts/${margaretId}/timeline?limit=10`);
    expect(tl.body.items.map((a: { kind: string }) => a.kind)).toEqual(expect.arrayContaining(['created', 'updated', 'note.added', 'ticket.opened']));
    const closed = await call('PATCH', `/tickets/${t.body.id}`, { status: 'closed' });
    expect([closed.status, closed.body.error.code]).toEqual([409, 'TICKET_TRANSITION_INVALID']);
    expect((await call('PATCH', `/tickets/${t.body.id}`, { status: 'done' })).status).toBe(400);
  });

  it('deals speak major units; tasks filter by done', async () => {
    const d = await call('POST', '/deals', { name: 'Renewal', amount: 99.95, currency: 'usd', contactIds: [margaretId] });
    expect([d.status, d.body.amount, d.body.currency, d.body.contactIds]).toEqual([201, 99.95, 'USD', [margaretId]]);
    expect((await call('POST', '/deals', { name: 'x', amount: '12' })).status).toBe(400);
    const task = await call('POST', '/tasks', { title: 'Call back', recordType: 'contact', recordId: margaretId, dueAt: '2026-02-01T09:00:00Z' });
    expect(task.status).toBe(201);
    await call('PATCH', `/tasks/${task.body.id}`, { done: true });
    const done = await call('GET', '/tasks?done=true');
    expect(done.body.items.map((x: { id: string; done: boolean }) => [x.id, x.done])).toEqual([[task.body.id, true]]);
    expect((await call('GET', '/tasks?done=false')).body.items).toEqual([]);
  });

  it('only supervisors and up delete', async () => {
    const c = await call('POST', '/contacts', { firstName: 'Temp' });
    const agent = await call('DELETE', `/contacts/${c.body.id}`, undefined, { role: 'agent' });
    expect([agent.status, agent.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const sup = await call('DELETE', `/contacts/${c.body.id}`, undefined, { role: 'supervisor' });
    expect([sup.status, sup.body]).toEqual([204, null]);
    expect((await call('GET', `/contacts/${c.body.id}`)).status).toBe(404);
    expect((await call('DELETE', `/contacts/${c.body.id}`, undefined, { role: 'admin' })).status).toBe(404);
  });
});
