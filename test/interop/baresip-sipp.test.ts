/**
 * baresip against SIPp, still without Hotline: proves baresip's account/registration
 * settings against a SIPp registrar, and that the SIPp caller scenarios work against a real
 * user agent (baresip) and not only against SIPp.
 */
import { afterAll, afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { baresipAvailable, startBaresip, type Baresip } from './support/baresip.js';
import { liveChildren } from './support/proc.js';
import { describeSipp, runSipp, sippAvailable, startSipp } from './support/sipp.js';

const available = baresipAvailable() && sippAvailable();
const T = 15_000;
const alice = { username: 'alice', password: 'pw-4-alice' };

describe.skipIf(!available && process.env.CI !== 'true')('baresip ↔ SIPp', () => {
  const started: Baresip[] = [];
  const start = async (o: Parameters<typeof startBaresip>[0]) => {
    const b = await startBaresip(o);
    started.push(b);
    onTestFailed(() => console.error(`--- baresip ${b.name} log ---\n${b.log()}`));
    return b;
  };
  afterEach(async () => {
    await Promise.all(started.map((b) => b.stop()));
    started.length = 0;
  });
  afterAll(() => {
    expect(liveChildren()).toEqual([]);
  });

  it('baresip and sipp are installed', () => {
    expect(available, 'baresip-core and sip-tester are required when CI=true').toBe(true);
  });

  it.each(['udp', 'tcp'] as const)('baresip registers with digest auth over %s (regint becomes the Contact expires)', { timeout: 60_000 }, async (transport) => {
    const registrar = await startSipp({ scenario: 'selftest/registrar.xml', transport, users: [alice], keys: { expires: 60 }, timeoutMs: 30_000 });
    const b = await start({ name: `reg-${transport}`, toneHz: 440, account: { ...alice, domain: registrar.address, transport, regint: 60 } });
    const ok = await b.waitRegistered(T);
    expect(ok.type).toBe('REGISTER_OK');
    const r = await registrar.done;
    expect(r.successful, describeSipp(r)).toBe(1);
    expect(r.logs).toContain('digest ok=true');
    expect(r.messages).toMatch(/^REGISTER sip:127\.0\.0\.1:\d+(;transport=tcp)? SIP\/2\.0/m);
    // baresip 1.0.0 sends the interval as a Contact parameter, not as an Expires header.
    expect(r.messages).toMatch(/^Contact: <sip:alice[^>]*@127\.0\.0\.1:\d+[^>]*>;expires=60\r?$/m);
    expect(r.messages).toMatch(/^Authorization: Digest username="alice"/m);
  });

  it('baresip reports REGISTER_FAIL for a wrong password', { timeout: 60_000 }, async () => {
    const registrar = await startSipp({ scenario: 'selftest/registrar.xml', users: [alice], timeoutMs: 30_000 });
    const b = await start({ name: 'reg-bad', toneHz: 440, account: { username: 'alice', password: 'wrong', domain: registrar.address, transport: 'udp', regint: 60 } });
    await expect(b.waitRegistered(T)).rejects.toThrow(/registration failed: 403/);
    await registrar.stop();
  });

  it('SIPp invite-bye.xml calls baresip (auto-answer)', { timeout: 60_000 }, async () => {
    const b = await start({ name: 'callee', toneHz: 1000, autoAnswer: true });
    const r = await runSipp({ scenario: 'invite-bye.xml', remote: `127.0.0.1:${b.sipPort}`, service: 'callee', callDurationMs: 500, timeoutMs: 30_000 });
    expect(r.exitCode, describeSipp(r)).toBe(0);
    expect(r.successful).toBe(1);
    expect(r.messages).toMatch(/^SIP\/2\.0 200 [\s\S]*?m=audio \d+ RTP\/AVP 0/m);
    await b.waitEvent((e) => e.type === 'CALL_ESTABLISHED', T);
    await b.waitEvent((e) => e.type === 'CALL_CLOSED', T);
  });

  it('SIPp reinvite-hold.xml against baresip: hold and resume are accepted', { timeout: 60_000 }, async () => {
    const b = await start({ name: 'holder', toneHz: 1000, autoAnswer: true });
    const r = await runSipp({ scenario: 'reinvite-hold.xml', remote: `127.0.0.1:${b.sipPort}`, service: 'holder', callDurationMs: 300, timeoutMs: 30_000 });
    expect(r.exitCode, describeSipp(r)).toBe(0);
    expect(r.logs).toMatch(/hold answered with a=(recvonly|inactive)/);
  });

  it('SIPp busy.xml: baresip rejects the call with 486', { timeout: 60_000 }, async () => {
    const b = await start({ name: 'busy', toneHz: 1000 });
    const call = runSipp({ scenario: 'busy.xml', remote: `127.0.0.1:${b.sipPort}`, service: 'busy', timeoutMs: 30_000 });
    await b.waitEvent((e) => e.type === 'CALL_INCOMING', T);
    await b.hangup(); // rejecting an incoming call: baresip answers 486
    const r = await call;
    expect(r.exitCode, describeSipp(r)).toBe(0);
  });

  it('SIPp cancel.xml: baresip rings, the caller cancels', { timeout: 60_000 }, async () => {
    const b = await start({ name: 'ringer', toneHz: 1000 });
    const r = await runSipp({ scenario: 'cancel.xml', remote: `127.0.0.1:${b.sipPort}`, service: 'ringer', callDurationMs: 300, timeoutMs: 30_000 });
    expect(r.exitCode, describeSipp(r)).toBe(0);
    const closed = await b.waitEvent((e) => e.type === 'CALL_CLOSED', T);
    expect(closed.direction).toBe('incoming');
  });

  it('baresip calls SIPp uas.xml and hangs up', { timeout: 60_000 }, async () => {
    const uas = await startSipp({ scenario: 'uas.xml', timeoutMs: 30_000 });
    const b = await start({ name: 'caller', toneHz: 440 });
    await b.dial(`sip:uas@${uas.address}`);
    await b.waitEvent((e) => e.type === 'CALL_ESTABLISHED', T);
    await b.hangup();
    await b.waitEvent((e) => e.type === 'CALL_CLOSED', T);
    const r = await uas.done;
    expect(r.exitCode, describeSipp(r)).toBe(0);
    expect(r.successful).toBe(1);
  });
});
