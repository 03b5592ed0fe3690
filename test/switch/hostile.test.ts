/** Hostile input at the SIP ports: bans after failed authentication, and garbage on UDP and TCP. */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/app/index.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { SipPhone } from '../support/sip-phone.js';

const PASSWORD = 'demo-password-1';

describe('a source that fails authentication too often', () => {
  let t: TestApp;
  const phones: SipPhone[] = [];
  beforeAll(async () => {
    t = await createTestApp('sqlite', { demoPassword: PASSWORD, sipHost: '127.0.0.1', sipPort: 0, rtpPortMin: 40600, rtpPortMax: 40699, sipTrustedAddresses: '', sipBanFailures: 5 });
    await seedDemo(t.app);
    await t.app.listen();
  });
  afterAll(async () => {
    await Promise.all(phones.map((p) => p.close()));
    await t?.dispose();
  });

  it('is banned after 5 bad attempts and gets no answer at all afterwards', async () => {
    const server = { host: '127.0.0.1', port: t.app.phone.sip()!.port('udp')! };
    const bad = await SipPhone.create({ server, user: '1001', password: 'not-the-password' });
    phones.push(bad);
    for (let i = 0; i < 4; i++) expect((await bad.register()).res.status).toBe(403);
    // The fifth failure bans the source: the REGISTER gets no final answer.
    const first = bad.registerRequest();
    bad.send(first);
    const challenge = await bad.waitResponse(first, { final: true });
    const fifth = bad.registerRequest();
    bad.authorize(fifth, challenge);
    bad.send(fifth);
    expect(await bad.silentFor(400)).toBe(true);
    expect(t.app.phone.guard.isBanned('127.0.0.1')).toBe(true);

    // Nothing from that IP is answered now, not even a good phone or an OPTIONS.
    const good = await SipPhone.create({ server, user: '1002', password: PASSWORD });
    phones.push(good);
    good.send(good.registerRequest());
    good.send(good.request('OPTIONS', `sip:${good.domain}`, [['From', `<${good.aor}>;tag=x`], ['To', `<${good.aor}>`], ['Call-ID', 'opt@test'], ['CSeq', '1 OPTIONS']]));
    expect(await good.silentFor(400)).toBe(true);

    // Lifted (by an admin, or after the ban time): the phone registers again.
    t.app.phone.guard.unban('127.0.0.1');
    expect((await good.register()).res.status).toBe(200);
  });
});

describe('garbage at the SIP ports', () => {
  let t: TestApp;
  let port: number;
  const phones: SipPhone[] = [];
  const sockets: net.Socket[] = [];
  beforeAll(async () => {
    t = await createTestApp('sqlite', { demoPassword: PASSWORD, sipHost: '127.0.0.1', sipPort: 0, rtpPortMin: 40700, rtpPortMax: 40799 });
    await seedDemo(t.app);
    await t.app.listen();
    port = t.app.phone.sip()!.port('udp')!;
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
  });
  afterAll(async () => {
    await Promise.all(phones.map((p) => p.close()));
    await t?.dispose();
  });

  const truncatedInvite = [
    'INVITE sip:1002@127.0.0.1 SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKtrunc;rport',
    'From: <sip:1001@127.0.0.1>;tag=t',
    'To: <sip:1002@127.0.0.1>',
    'Call-ID: trunc@test',
    'CSeq: 1 INVITE',
    'Content-Type: application/sdp',
    'Content-Length: 500',
    '',
    'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-',
  ].join('\r\n');
  const oversize = ['OPTIONS sip:127.0.0.1 SIP/2.0', 'Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKbig', `X-Padding: ${'a'.repeat(60_000)}`, 'Content-Length: 0', '', ''].join('\r\n');

  async function stillRegisters(): Promise<void> {
    const p = await SipPhone.create({ server: { host: '127.0.0.1', port }, user: '1001', password: PASSWORD });
    phones.push(p);
    expect((await p.register()).res.status).toBe(200);
  }

  it('survives random bytes, a truncated INVITE and an oversize message on UDP', async () => {
    const p = await SipPhone.create({ server: { host: '127.0.0.1', port }, user: '1001', password: PASSWORD });
    phones.push(p);
    for (let i = 0; i < 50; i++) p.sendRaw(randomBytes(1 + Math.floor(Math.random() * 1400)));
    p.sendRaw('\r\n\r\n');
    p.sendRaw('');
    p.sendRaw(truncatedInvite);
    p.sendRaw(oversize);
    p.sendRaw('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKnone\r\n\r\n');
    p.sendRaw('INVITE sip:1002@127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n');
    // A parseable head gets a 400 (never a crash): the truncated INVITE's Content-Length lies.
    const bad = await p.waitFor((m) => m.kind === 'response' && m.callId === 'trunc@test', 'a 400 to the truncated INVITE');
    expect(bad.kind === 'response' && bad.status).toBe(400);
    await stillRegisters();
  });

  it('survives random bytes, a truncated INVITE and an oversize message on TCP', async () => {
    const send = async (data: Buffer | string, half = false) => {
      const s = net.connect(port, '127.0.0.1');
      sockets.push(s);
      s.on('error', () => {});
      await new Promise<void>((res) => s.once('connect', () => res()));
      s.write(data);
      if (half) s.end();
      return s;
    };
    await send(randomBytes(4096));
    await send(truncatedInvite, true);
    await send(oversize);
    await send(Buffer.concat([Buffer.from('INVITE sip:x SIP/2.0\r\n'), randomBytes(2000)]));
    const closed = await send('REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKa\r\nContent-Length: 5\r\n\r\nab');
    closed.destroy();
    await new Promise((r) => setTimeout(r, 100));
    await stillRegisters();
  });
});
