/**
 * Proves the SIPp runner and the scenario files without Hotline: SIPp calls SIPp.
 * The caller scenarios are the ones used against Hotline; the callee side is uas.xml or a
 * small selftest/ scenario standing in for the registrar / B2BUA.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { liveChildren } from './support/proc.js';
import { describeSipp, parseStatCsv, runSipp, sippAvailable, startSipp, type SippOptions, type SippResult } from './support/sipp.js';

const available = sippAvailable();
const alice = { username: 'alice', password: 's3cret-pw' };

/** Start a callee/registrar scenario, run a caller scenario against it, return both results. */
async function pair(
  server: Partial<SippOptions> & { scenario: string },
  client: Partial<SippOptions> & { scenario: string },
): Promise<{ uac: SippResult; uas: SippResult }> {
  const uas = await startSipp({ users: [alice], timeoutMs: 30_000, ...server });
  const uac = await runSipp({ remote: uas.address, service: 'bob', users: [alice], callDurationMs: 200, timeoutMs: 30_000, transport: server.transport, ...client });
  // A callee that is still waiting (because the caller failed) is stopped rather than awaited.
  const uasResult = uac.exitCode === 0 ? await uas.done : await uas.stop();
  return { uac, uas: uasResult };
}

function expectOk(r: SippResult, calls = 1): void {
  expect(r.exitCode, describeSipp(r)).toBe(0);
  expect(r.successful, describeSipp(r)).toBe(calls);
  expect(r.failed, describeSipp(r)).toBe(0);
}

describe('parseStatCsv', () => {
  it('returns the last row by column name', () => {
    const row = parseStatCsv('StartTime;SuccessfulCall(C);FailedCall(C);\n1;0;0;\n2;3;1;\n');
    expect(row['SuccessfulCall(C)']).toBe('3');
    expect(row['FailedCall(C)']).toBe('1');
    expect(parseStatCsv('')).toEqual({});
  });
});

describe.skipIf(!available && process.env.CI !== 'true')('SIPp ↔ SIPp, direct', () => {
  afterAll(() => {
    expect(liveChildren()).toEqual([]);
  });

  it('sipp (Debian package sip-tester) is installed', () => {
    expect(available, 'sipp is required when CI=true').toBe(true);
  });

  it('uas.xml answers invite-bye.xml over UDP (no auth)', { timeout: 60_000 }, async () => {
    const { uac, uas } = await pair({ scenario: 'uas.xml' }, { scenario: 'invite-bye.xml' });
    expectOk(uac);
    expectOk(uas);
    // The caller offered PCMU with an RTP port and the dialog was torn down with BYE.
    expect(uac.messages).toMatch(/m=audio \d+ RTP\/AVP 0/);
    expect(uac.messages).toMatch(/^BYE sip:/m);
    expect(uac.messages).not.toMatch(/Authorization:/);
    expect(uac.errors).not.toMatch(/Aborting|unexpected/i);
  });

  it('uas.xml answers invite-bye.xml over TCP', { timeout: 60_000 }, async () => {
    const { uac, uas } = await pair({ scenario: 'uas.xml', transport: 'tcp' }, { scenario: 'invite-bye.xml' });
    expectOk(uac);
    expectOk(uas);
    expect(uac.messages).toMatch(/TCP message sent/);
  });

  it('counts several calls (-m 3, -r 10)', { timeout: 60_000 }, async () => {
    const { uac, uas } = await pair({ scenario: 'uas.xml', calls: 3 }, { scenario: 'invite-bye.xml', calls: 3, rate: 10 });
    expectOk(uac, 3);
    expectOk(uas, 3);
  });

  it('invite-bye.xml answers a 401 challenge with an MD5 digest the callee verifies', { timeout: 60_000 }, async () => {
    const { uac, uas } = await pair({ scenario: 'selftest/uas-auth.xml' }, { scenario: 'invite-bye.xml' });
    expectOk(uac);
    expectOk(uas);
    expect(uac.messages).toMatch(/Authorization: Digest username="alice",realm="hotline-interop".*algorithm=MD5/);
    expect(uas.logs).toContain('INVITE digest ok=true');
  });

  it('reports a failed call when the password is wrong', { timeout: 60_000 }, async () => {
    const { uac } = await pair({ scenario: 'selftest/uas-auth.xml' }, { scenario: 'invite-bye.xml', users: [{ username: 'alice', password: 'wrong' }] });
    expect(uac.exitCode).not.toBe(0);
    expect(uac.failed).toBe(1);
    expect(uac.successful).toBe(0);
    expect(uac.errors).toContain('403 Forbidden');
  });

  it('register.xml: 401, then digest, then 200 with the Contact and expires', { timeout: 60_000 }, async () => {
    const { uac, uas } = await pair({ scenario: 'selftest/registrar.xml', keys: { expires: 120 } }, { scenario: 'register.xml', keys: { expires: 120 } });
    expectOk(uac);
    expectOk(uas);
    expect(uac.logs).toMatch(/registered contact=.*sip:alice@127\.0\.0\.1:\d+.*expires=120/);
    expect(uas.logs).toContain('digest ok=true');
  });

  it('register.xml fails with a wrong password', { timeout: 60_000 }, async () => {
    const { uac } = await pair({ scenario: 'selftest/registrar.xml' }, { scenario: 'register.xml', users: [{ username: 'alice', password: 'nope' }] });
    expect(uac.exitCode).not.toBe(0);
    expect(uac.failed).toBe(1);
  });

  it('unregister.xml: Contact: *, Expires: 0, authenticated', { timeout: 60_000 }, async () => {
    const { uac, uas } = await pair({ scenario: 'selftest/registrar.xml' }, { scenario: 'unregister.xml' });
    expectOk(uac);
    expectOk(uas);
    expect(uac.messages).toMatch(/Contact: \*\r?\nExpires: 0/);
    expect(uas.logs).toMatch(/REGISTER contact=\* .*digest ok=true/);
  });

  it('reinvite-hold.xml: hold answered recvonly, resume answered sendrecv', { timeout: 60_000 }, async () => {
    const { uac, uas } = await pair({ scenario: 'uas.xml' }, { scenario: 'reinvite-hold.xml' });
    expectOk(uac);
    expectOk(uas);
    expect(uac.logs).toContain('hold answered with a=recvonly');
    expect(uas.logs).toContain('re-INVITE offer direction sendonly');
    expect(uas.logs).toContain('re-INVITE offer direction sendrecv');
  });

  it('cancel.xml: 180, CANCEL, 200 + 487, ACK', { timeout: 60_000 }, async () => {
    const { uac, uas } = await pair({ scenario: 'selftest/uas-ring.xml' }, { scenario: 'cancel.xml' });
    expectOk(uac);
    expectOk(uas);
    expect(uac.messages).toMatch(/^CANCEL sip:bob@/m);
    expect(uac.messages).toContain('487 Request Terminated');
  });

  it('busy.xml passes on 486 and fails when the callee answers instead', { timeout: 60_000 }, async () => {
    const busy = await pair({ scenario: 'selftest/uas-busy.xml' }, { scenario: 'busy.xml' });
    expectOk(busy.uac);
    const answered = await pair({ scenario: 'uas.xml' }, { scenario: 'busy.xml' });
    expect(answered.uac.exitCode).not.toBe(0);
    expect(answered.uac.failed).toBe(1);
  });

  it('a caller with nobody to call fails instead of hanging', { timeout: 60_000 }, async () => {
    const { freePort } = await import('./support/proc.js');
    const r = await runSipp({ scenario: 'invite-bye.xml', remote: `127.0.0.1:${await freePort()}`, timeoutMs: 3000 });
    expect(r.exitCode).not.toBe(0);
    expect(r.successful).not.toBe(1);
  });
});
