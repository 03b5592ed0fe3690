/**
 * The web app's phone: a /sip WebSocket opened with the user's session speaks for the user's seat
 * without digest; any other address-of-record on it is refused; sockets without a session are
 * challenged as before; the socket closes when the session ends. GET /api/v1/me/phone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildHttp } from '../../src/api/index.js';
import { seedDemo } from '../../src/app/index.js';
import { FakeClock } from '../../src/kit/index.js';
import { parseMessage, type SipResponse } from '../../src/sip/index.js';
import { registerText } from '../support/sip-register.js';
import { createTestApp, type TestApp } from '../support/app.js';

const PASSWORD = 'demo-password-1';

interface SipSocket {
  ws: WebSocket;
  next(): Promise<SipResponse>;
  closed: Promise<number>;
}

function openSip(base: string, headers: Record<string, string> = {}): Promise<SipSocket> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/sip`, 'sip', { headers });
  const queue: SipResponse[] = [];
  const waiting: Array<(r: SipResponse) => void> = [];
  ws.on('message', (data: Buffer) => {
    const m = parseMessage(data);
    if (m.kind !== 'message' || m.message.kind !== 'response') return;
    if (m.message.status === 100) return;
    const w = waiting.shift();
    if (w) w(m.message);
    else queue.push(m.message);
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, closed, next: () => new Promise<SipResponse>((r) => (queue.length ? r(queue.shift()!) : waiting.push(r))) }));
    ws.once('error', reject);
  });
}

const register = (user: string, cseq: number, callId: string) =>
  registerText({ user, transport: 'WS', sentBy: 'browser.invalid', contact: `sip:${callId}@browser.invalid;transport=ws`, cseq, callId });

function inviteText(from: string, to: string, callId: string): string {
  const sdp = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
  return [
    `INVITE sip:${to}@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/WS browser.invalid;branch=z9hG4bK-${callId}`,
    'Max-Forwards: 70',
    `From: <sip:${from}@127.0.0.1>;tag=f-${callId}`,
    `To: <sip:${to}@127.0.0.1>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:${callId}@browser.invalid;transport=ws>`,
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ].join('\r\n');
}

describe('browser phone: /sip bound to the web session', () => {
  let t: TestApp;
  let base: string;
  let alice: string;
  let tenantId: string;

  beforeAll(async () => {
    t = await createTestApp('sqlite', { demoPassword: PASSWORD, sipHost: '127.0.0.1', sipPort: 0, rtpPortMin: 47400, rtpPortMax: 47499, webrtcIceServers: '[{"urls":"stun:stun.example.com:3478"}]' });
    tenantId = (await seedDemo(t.app)).tenantId;
    base = await t.app.listen();
    alice = await t.signIn('alice@demo.test', PASSWORD);
  });
  afterAll(() => t?.dispose());

  const aliceSeat = async () => (await t.app.phone.seats.list(tenantId)).find((s) => s.number === '1001')!;

  it('registers the session user’s seat without a challenge', async () => {
    const s = await openSip(base, { cookie: alice });
    s.ws.send(register('1001', 1, 'bound-1'));
    const res = await s.next();
    expect(res.status).toBe(200);
    expect(res.headers.get('www-authenticate')).toBeUndefined();
    const seat = await aliceSeat();
    expect(seat.status).toBe('registered');
    expect(seat.registrations.map((r) => r.transport)).toContain('ws');
    s.ws.close();
    await s.closed;
  });

  it('refuses another seat’s address-of-record on a bound socket with 403', async () => {
    const s = await openSip(base, { cookie: alice });
    s.ws.send(register('1002', 1, 'bound-2'));
    expect((await s.next()).status).toBe(403);
    // INVITE is judged by From: calling as bob is refused, calling as alice is not challenged.
    s.ws.send(inviteText('1002', '1003', 'bound-inv-1'));
    expect((await s.next()).status).toBe(403);
    s.ws.send(inviteText('1001', '1003', 'bound-inv-2'));
    const res = await s.next();
    expect(res.status).not.toBe(401);
    expect(res.status).not.toBe(403);
    s.ws.close();
    await s.closed;
  });

  it('challenges sockets opened without a session, or from another site', async () => {
    const anon = await openSip(base);
    anon.ws.send(register('1001', 1, 'anon-1'));
    expect((await anon.next()).status).toBe(401);
    anon.ws.close();
    const foreign = await openSip(base, { cookie: alice, origin: 'https://evil.example' });
    foreign.ws.send(register('1001', 1, 'foreign-1'));
    expect((await foreign.next()).status).toBe(401);
    foreign.ws.close();
  });

  it('closes the socket once the user signs out', async () => {
    const cookie = await t.signIn('alice@demo.test', PASSWORD);
    const s = await openSip(base, { cookie });
    s.ws.send(register('1001', 1, 'signout-1'));
    expect((await s.next()).status).toBe(200);
    await t.app.http.inject({ method: 'POST', url: '/api/v1/auth/signout', headers: { cookie } });
    s.ws.send(register('1001', 2, 'signout-1'));
    expect((await s.next()).status).toBe(403);
    expect(await s.closed).toBe(4401);
  });

  it('lets the server drop a user’s sockets', async () => {
    const s = await openSip(base, { cookie: alice });
    s.ws.send(register('1001', 1, 'drop-1'));
    expect((await s.next()).status).toBe(200);
    const users = await t.app.accounts.findUserByEmail('alice@demo.test');
    expect(t.app.phone.sip()!.webSockets.disconnect(tenantId, users!.id)).toBe(1);
    expect(await s.closed).toBe(1006);
  });

  it('GET /me/phone gives the seat URI, WebSocket path and ICE servers; 404 without a seat', async () => {
    const r = await t.app.http.inject({ url: '/api/v1/me/phone', headers: { cookie: alice } });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ number: '1001', displayName: 'Alice', webSocketPath: '/sip', iceServers: [{ urls: 'stun:stun.example.com:3478' }] });
    expect(body.uri).toMatch(/^sip:1001@/);
    const admin = await t.signIn('admin@demo.test', PASSWORD);
    const none = await t.app.http.inject({ url: '/api/v1/me/phone', headers: { cookie: admin } });
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('SEAT_NOT_FOUND');
  });
});

describe('browser phone: the /sip route', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp('sqlite', { demoPassword: PASSWORD, sipEnabled: false });
    await seedDemo(t.app);
  });
  afterAll(() => t?.dispose());

  it('hands the session user to the SIP layer and closes an idle socket once the session ends', async () => {
    const owners: Array<{ userId: string } | null> = [];
    const http = await buildHttp({
      accounts: t.app.accounts,
      bus: t.app.bus,
      version: 'test',
      bodyLimit: 1024 * 1024,
      cookieSecure: false,
      sessionMaxSeconds: 3600,
      domainRoutes: [],
      health: async () => ({ database: 'ok' }),
      sipWebSocket: (_socket, _remote, _secure, owner) => owners.push(owner),
      sipSessionRecheckMs: 50,
    });
    try {
      const base = await http.listen({ host: '127.0.0.1', port: 0 });
      const cookie = await t.signIn('carol@demo.test', PASSWORD);
      const anon = await openSip(base);
      const bound = await openSip(base, { cookie });
      const carol = await t.app.accounts.findUserByEmail('carol@demo.test');
      expect(owners.map((o) => o?.userId ?? null)).toEqual([null, carol!.id]);
      await t.app.http.inject({ method: 'POST', url: '/api/v1/auth/signout', headers: { cookie } });
      expect(await bound.closed).toBe(4401);
      anon.ws.close();
    } finally {
      await http.close();
    }
  });
});

describe('browser phone: session expiry', () => {
  let t: TestApp;
  const clock = new FakeClock(Date.now());

  beforeAll(async () => {
    t = await createTestApp('sqlite', { demoPassword: PASSWORD, sipHost: '127.0.0.1', sipPort: 0, rtpPortMin: 47500, rtpPortMax: 47599, sessionIdleMinutes: 30 }, { clock });
    await seedDemo(t.app);
  });
  afterAll(() => t?.dispose());

  it('closes a bound socket whose session expired', async () => {
    const base = await t.app.listen();
    const cookie = await t.signIn('bob@demo.test', PASSWORD);
    const s = await openSip(base, { cookie });
    s.ws.send(register('1002', 1, 'expiry-1'));
    expect((await s.next()).status).toBe(200);
    clock.advance(31 * 60_000);
    s.ws.send(register('1002', 2, 'expiry-1'));
    expect((await s.next()).status).toBe(403);
    expect(await s.closed).toBe(4401);
  });
});
