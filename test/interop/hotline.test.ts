/**
 * Real phones against Hotline: baresip registers with the demo seats' password over UDP and TCP,
 * is refused with a wrong one, and two baresip phones call each other through the B2BUA and each
 * hears the other's tone (checked by frequency). SIPp covers REGISTER, INVITE/BYE, CANCEL, busy
 * and a re-INVITE hold.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { seedDemo } from '../../src/app/index.js';
import type { DomainEvent } from '../../src/kit/index.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { analyzeWav } from './support/audio.js';
import { baresipAvailable, startBaresip, type Baresip, type BaresipAccount } from './support/baresip.js';
import { freePort, liveChildren } from './support/proc.js';
import { describeSipp, runSipp, sippAvailable, startSipp, type SippResult } from './support/sipp.js';

const PASSWORD = 'demo-password-1';
const T = 15_000; // event timeout; nothing below asserts how fast things happen
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const near = (hz: number | null, want: number) => hz !== null && Math.abs(hz - want) <= 5;
const haveBaresip = baresipAvailable();
const haveSipp = sippAvailable();
const ci = process.env.CI === 'true';

let t: TestApp;
let sipPort = 0;
const events: DomainEvent[] = [];

async function seat(number: string) {
  const tenant = await t.app.accounts.getTenantBySlug('demo');
  return (await t.app.phone.seats.list(tenant!.id)).find((s) => s.number === number)!;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 150; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const ended = (reason: string) => until(`call.ended ${reason}`, () => events.find((e) => e.type === 'call.ended' && (e.data as { call: { endReason: string } }).call.endReason === reason));

beforeAll(async () => {
  if (!(haveBaresip || haveSipp || ci)) return;
  t = await createTestApp('sqlite', {
    demoPassword: PASSWORD,
    sipHost: '127.0.0.1',
    sipPort: 0,
    rtpPortMin: 48000,
    rtpPortMax: 48999,
    sipRateLimit: 0,
  });
  await seedDemo(t.app);
  await t.app.listen();
  sipPort = t.app.phone.sip()!.port('udp')!;
  t.app.bus.subscribe((e) => void events.push(e));
});
afterAll(async () => {
  await t?.dispose();
  expect(liveChildren()).toEqual([]);
});

describe.skipIf(!haveBaresip && !ci)('baresip against Hotline', () => {
  const started: Baresip[] = [];
  const account = (username: string, transport: 'udp' | 'tcp' = 'udp', password = PASSWORD): BaresipAccount => ({
    username,
    password,
    domain: `127.0.0.1:${sipPort}`,
    transport,
    regint: 600,
  });
  const start = async (o: Parameters<typeof startBaresip>[0]) => {
    const b = await startBaresip(o);
    started.push(b);
    return b;
  };
  afterEach(async () => {
    await Promise.all(started.map((b) => b.stop()));
    started.length = 0;
    // Let the unregistrations land before the next test.
    await sleep(300);
  });
  const logsOnFailure = () =>
    onTestFailed(() => {
      for (const b of started) console.error(`--- baresip ${b.name} ---\n${b.log()}`);
    });

  it('baresip is installed (required under CI=true)', () => {
    expect(haveBaresip, 'Debian package baresip-core').toBe(true);
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`registers seat 1003 over ${transport.toUpperCase()} with the demo password`, { timeout: 60_000 }, async () => {
      logsOnFailure();
      const c = await start({ name: `carol-${transport}`, toneHz: 0, account: account('1003', transport) });
      const ok = await c.waitRegistered(T);
      expect(ok.type).toBe('REGISTER_OK');
      const s = await until('registered seat', async () => {
        const v = await seat('1003');
        return v.registrations.some((r) => r.transport === transport) ? v : undefined;
      });
      expect(s.status).toBe('registered');
      expect(events.some((e) => e.type === 'seat.registration' && (e.data as { number: string }).number === '1003')).toBe(true);
    });
  }

  it('refuses a wrong password', { timeout: 60_000 }, async () => {
    logsOnFailure();
    const before = (await seat('1002')).registrations.length;
    const b = await start({ name: 'bob-wrong', toneHz: 0, account: account('1002', 'udp', 'not-the-password') });
    const e = await b.waitEvent((x) => x.type === 'REGISTER_FAIL' || x.type === 'REGISTER_OK', T);
    expect(e.type).toBe('REGISTER_FAIL');
    expect((await seat('1002')).registrations.length).toBe(before);
    // The 403 is final: baresip stops, so one misconfigured phone does not get its address banned.
    expect(e.param ?? '').toMatch(/403/);
    expect(t.app.phone.guard.isBanned('127.0.0.1')).toBe(false);
  });

  it('alice (440 Hz) calls bob (1000 Hz) through Hotline: each hears the other', { timeout: 90_000 }, async () => {
    logsOnFailure();
    const [a, b] = await Promise.all([
      start({ name: 'alice', toneHz: 440, account: account('1001') }),
      start({ name: 'bob', toneHz: 1000, account: account('1002', 'tcp'), autoAnswer: true }),
    ]);
    await Promise.all([a.waitRegistered(T), b.waitRegistered(T)]);
    await a.dial(`sip:1002@127.0.0.1:${sipPort}`);
    await a.waitEvent((e) => e.type === 'CALL_ESTABLISHED', T);
    await b.waitEvent((e) => e.type === 'CALL_ESTABLISHED', T);
    const live = (await t.app.http.inject({ url: '/api/v1/calls', headers: { cookie: await t.signIn('admin@demo.test', PASSWORD) } })).json();
    expect(live.items).toMatchObject([{ from: '1001', to: '1002', state: 'answered' }]);
    await sleep(3000); // let audio flow
    const heardByAlice = analyzeWav(a.recordingPath);
    const heardByBob = analyzeWav(b.recordingPath);
    await a.hangup();
    await b.waitEvent((e) => e.type === 'CALL_CLOSED', T);
    expect(heardByAlice.silent).toBe(false);
    expect(heardByBob.silent).toBe(false);
    expect(near(heardByAlice.dominantHz, 1000), JSON.stringify(heardByAlice)).toBe(true);
    expect(near(heardByBob.dominantHz, 440), JSON.stringify(heardByBob)).toBe(true);
    const end = await ended('caller-hangup');
    expect((end.data as { call: { from: string; to: string } }).call).toMatchObject({ from: '1001', to: '1002' });
  });
});

describe.skipIf(!haveSipp && !ci)('SIPp against Hotline', () => {
  const auth = (username: string) => [{ username, password: PASSWORD }];
  const remote = () => `127.0.0.1:${sipPort}`;
  const ok = (r: SippResult, calls = 1) => {
    expect(r.exitCode, describeSipp(r)).toBe(0);
    expect(r.successful, describeSipp(r)).toBe(calls);
    expect(r.failed, describeSipp(r)).toBe(0);
  };
  /** A SIPp callee registered as `number` from the port it then answers on. */
  async function callee(number: string, scenario = 'uas.xml') {
    const port = await freePort();
    ok(await runSipp({ scenario: 'register.xml', remote: remote(), localPort: port, users: auth(number), keys: { domain: '127.0.0.1', expires: 300 } }));
    return startSipp({ scenario, localPort: port, timeoutMs: 30_000 });
  }
  async function unregister(number: string) {
    ok(await runSipp({ scenario: 'unregister.xml', remote: remote(), users: auth(number), keys: { domain: '127.0.0.1' } }));
  }

  it('sipp is installed (required under CI=true)', () => {
    expect(haveSipp, 'Debian package sip-tester').toBe(true);
  });

  it('REGISTER with digest, then Contact: * unregisters', { timeout: 60_000 }, async () => {
    const r = await runSipp({ scenario: 'register.xml', remote: remote(), users: auth('1003'), keys: { domain: '127.0.0.1', expires: 120 } });
    ok(r);
    expect(r.logs).toMatch(/registered contact=.*expires=1[12]\d/);
    expect((await seat('1003')).registrations.length).toBeGreaterThan(0);
    await unregister('1003');
    expect((await seat('1003')).registrations).toEqual([]);
  });

  it('a wrong password is refused with 401 and registers nothing', { timeout: 60_000 }, async () => {
    const r = await runSipp({ scenario: 'register.xml', remote: remote(), users: [{ username: '1003', password: 'wrong-password' }], keys: { domain: '127.0.0.1' } });
    expect(r.successful).toBe(0);
    expect((await seat('1003')).registrations).toEqual([]);
  });

  it('INVITE/BYE: SIPp 1001 calls SIPp 1002 through the B2BUA', { timeout: 60_000 }, async () => {
    const uas = await callee('1002');
    const uac = await runSipp({ scenario: 'invite-bye.xml', remote: remote(), service: '1002', users: auth('1001'), keys: { domain: '127.0.0.1' }, callDurationMs: 300 });
    ok(uac);
    ok(await uas.done);
    // The callee saw Hotline's relay in the SDP, not the caller's RTP address.
    expect(uac.messages).toMatch(/Authorization: Digest username="1001"/);
    await ended('caller-hangup');
    await unregister('1002');
  });

  it('busy: calling a seat with no registered phone gets 486', { timeout: 60_000 }, async () => {
    const uac = await runSipp({ scenario: 'busy.xml', remote: remote(), service: '1003', users: auth('1001'), keys: { domain: '127.0.0.1' } });
    ok(uac);
    expect(uac.messages).toMatch(/SIP\/2\.0 486[^\r\n]*\r?\n(?:.*\r?\n)*?Reason: SIP;cause=486;text="seat 1003 is not registered"/);
    await ended('unregistered');
  });

  it('CANCEL: the caller gives up while the callee rings', { timeout: 60_000 }, async () => {
    const b = await startBaresip({ name: 'bob-ringing', toneHz: 0, account: { username: '1002', password: PASSWORD, domain: remote(), transport: 'udp', regint: 600 } });
    try {
      await b.waitRegistered(T);
      const uac = await runSipp({ scenario: 'cancel.xml', remote: remote(), service: '1002', users: auth('1001'), keys: { domain: '127.0.0.1' } });
      ok(uac);
      await b.waitEvent((e) => e.type === 'CALL_CLOSED', T);
      await ended('cancelled');
    } finally {
      await b.stop();
    }
  });

  it('re-INVITE hold: Hotline answers recvonly itself and the callee is not disturbed (it hears hold music)', { timeout: 60_000 }, async () => {
    const uas = await callee('1002');
    const uac = await runSipp({ scenario: 'reinvite-hold.xml', remote: remote(), service: '1002', users: auth('1001'), keys: { domain: '127.0.0.1' }, callDurationMs: 300 });
    ok(uac);
    const done = await uas.done;
    ok(done);
    expect(uac.logs).toContain('hold answered with a=recvonly');
    expect(done.logs).not.toContain('re-INVITE offer direction');
    expect(events.some((e) => e.type === 'call.updated' && (e.data as { held?: boolean }).held === true)).toBe(true);
    expect(events.some((e) => e.type === 'call.updated' && (e.data as { held?: boolean }).held === false)).toBe(true);
    await unregister('1002');
  });
});
