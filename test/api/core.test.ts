import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { testDialects } from '../../src/store/testing/index.js';
import { createTestApp, type TestApp } from '../support/app.js';

const dialects = await testDialects();

describe.each(dialects)('HTTP API core on %s', (dialect) => {
  let t: TestApp;
  let adminCookie: string;
  let agentCookie: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, { adminEmail: 'owner@acme.test', adminPassword: 'owner password 1', tenantName: 'Acme' });
    await t.app.bootstrap();
    adminCookie = await t.signIn('owner@acme.test', 'owner password 1');
    const r = await t.app.http.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { cookie: adminCookie },
      payload: { email: 'agent@acme.test', name: 'Agent', role: 'agent', password: 'agent password 1' },
    });
    expect(r.statusCode).toBe(201);
    agentCookie = await t.signIn('agent@acme.test', 'agent password 1');
  });
  afterAll(() => t?.dispose());

  it('answers health without signing in', async () => {
    const r = await t.app.http.inject({ url: '/api/health' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: 'ok', database: 'ok' });
  });

  it('serves an OpenAPI 3 document built from the route schemas', async () => {
    const doc = (await t.app.http.inject({ url: '/api/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/api/v1/auth/signin'].post.requestBody).toBeTruthy();
    expect(doc.paths['/api/v1/users'].post).toBeTruthy();
  });

  it('sets an HttpOnly SameSite session cookie', async () => {
    const r = await t.app.http.inject({ method: 'POST', url: '/api/v1/auth/signin', payload: { email: 'owner@acme.test', password: 'owner password 1' } });
    const c = r.cookies.find((x) => x.name === 'hotline_session')!;
    expect(c.httpOnly).toBe(true);
    expect(c.sameSite).toBe('Lax');
    expect(Buffer.from(c.value, 'base64url').length).toBeGreaterThanOrEqual(16);
  });

  it('refuses private routes without a session, with a coded error', async () => {
    const r = await t.app.http.inject({ url: '/api/v1/auth/me' });
    expect(r.statusCode).toBe(401);
    expect(r.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'Sign in first' } });
    const forged = await t.app.http.inject({ url: '/api/v1/auth/me', headers: { cookie: 'hotline_session=forged' } });
    expect(forged.statusCode).toBe(401);
  });

  it('checks roles on every route', async () => {
    expect((await t.app.http.inject({ url: '/api/v1/users', headers: { cookie: agentCookie } })).statusCode).toBe(200);
    const create = await t.app.http.inject({ method: 'POST', url: '/api/v1/users', headers: { cookie: agentCookie }, payload: { email: 'a2@acme.test', name: 'A', role: 'admin', password: 'long password 1' } });
    expect(create.statusCode).toBe(403);
    const r = await t.app.http.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie: agentCookie }, payload: { name: 'x' } });
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('FORBIDDEN');
  });

  it('answers bad bodies with 4xx codes and changes nothing', async () => {
    const before = (await t.app.http.inject({ url: '/api/v1/users', headers: { cookie: adminCookie } })).json().items.length;
    const cases = [
      { payload: '{"email":', type: 'application/json', status: 400, code: 'MALFORMED_JSON' },
      { payload: JSON.stringify({ email: 'z@acme.test', name: 'Z', role: 'agent', password: 'pw password', admin: true }), type: 'application/json', status: 400, code: 'VALIDATION_FAILED' },
      { payload: JSON.stringify({ email: 'z@acme.test', name: 'Z', role: 'king', password: 'pw password' }), type: 'application/json', status: 400, code: 'VALIDATION_FAILED' },
      { payload: JSON.stringify({ email: 'z@acme.test', name: 42, role: 'agent', password: 'pw password' }), type: 'application/json', status: 400, code: 'VALIDATION_FAILED' },
      { payload: 'email=z', type: 'application/x-www-form-urlencoded', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      { payload: JSON.stringify({ email: 'z@acme.test', name: 'Z'.repeat(2_000_000), role: 'agent', password: 'pw password' }), type: 'application/json', status: 413, code: 'BODY_TOO_LARGE' },
    ];
    for (const c of cases) {
      const r = await t.app.http.inject({ method: 'POST', url: '/api/v1/users', headers: { cookie: adminCookie, 'content-type': c.type }, payload: c.payload });
      expect(r.statusCode, c.code).toBe(c.status);
      expect(r.json().error.code).toBe(c.code);
    }
    const after = (await t.app.http.inject({ url: '/api/v1/users', headers: { cookie: adminCookie } })).json().items.length;
    expect(after).toBe(before);
  });

  it('names the unknown field in a validation error', async () => {
    const r = await t.app.http.inject({ method: 'POST', url: '/api/v1/auth/signin', payload: { email: 'a@b.c', password: 'x', tenant: 'y' } });
    expect(r.json().error.details).toEqual([{ path: 'body.tenant', message: 'unknown field' }]);
  });

  it('refuses cookie-authenticated writes from another origin', async () => {
    const r = await t.app.http.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers: { cookie: agentCookie, origin: 'https://evil.example' }, payload: { name: 'Evil' } });
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('CROSS_ORIGIN');
  });

  it('lets a user change their language', async () => {
    const r = await t.app.http.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers: { cookie: agentCookie }, payload: { locale: 'zh-CN' } });
    expect(r.statusCode).toBe(200);
    expect(r.json().user.locale).toBe('zh-CN');
    const bad = await t.app.http.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers: { cookie: agentCookie }, payload: { locale: 'klingon' } });
    expect(bad.statusCode).toBe(400);
  });

  it('needs the current password to change one’s own', async () => {
    const r = await t.app.http.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers: { cookie: agentCookie }, payload: { password: 'new password 1' } });
    expect(r.statusCode).toBe(401);
  });

  it('authenticates API tokens and signs out sessions on the server', async () => {
    const created = await t.app.http.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie: adminCookie }, payload: { name: 'integration' } });
    expect(created.statusCode).toBe(201);
    const token = created.json().token as string;
    const me = await t.app.http.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.json().user.email).toBe('owner@acme.test');
    const cookie = await t.signIn('agent@acme.test', 'agent password 1');
    await t.app.http.inject({ method: 'POST', url: '/api/v1/auth/signout', headers: { cookie } });
    expect((await t.app.http.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('unknown routes are coded 404s', async () => {
    const r = await t.app.http.inject({ url: '/api/v1/nothing-here', headers: { cookie: adminCookie } });
    expect(r.statusCode).toBe(404);
    expect(r.json().error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('pushes the tenant’s events over the WebSocket to signed-in users only', async () => {
    const address = await t.app.http.listen({ host: '127.0.0.1', port: 0 });
    const url = address.replace('http', 'ws') + '/api/v1/events';
    const anon = new WebSocket(url);
    const closeCode = await new Promise<number>((res) => anon.on('close', (code) => res(code)));
    expect(closeCode).toBe(4401);

    const ws = new WebSocket(url, { headers: { cookie: adminCookie } });
    const messages: Array<{ type: string; data: { id?: string } }> = [];
    ws.on('message', (m) => messages.push(JSON.parse(String(m))));
    await new Promise((res) => ws.on('open', res));
    await expect.poll(() => messages.some((m) => m.type === 'hello')).toBe(true);
    t.app.bus.publish({ type: 'record.created', tenantId: 'another-tenant', at: new Date().toISOString(), data: { id: 'foreign' } });
    const r = await t.app.http.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { cookie: adminCookie },
      payload: { email: 'ws@acme.test', name: 'Ws', role: 'agent', password: 'ws password 1' },
    });
    await expect.poll(() => messages.find((m) => m.type === 'user.created')?.data.id).toBe(r.json().id);
    expect(messages.some((m) => m.data?.id === 'foreign')).toBe(false);
    ws.close();
  });
});
