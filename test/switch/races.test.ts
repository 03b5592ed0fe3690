/** CANCEL racing the INVITE it cancels (while the server is still looking things up in the database). */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/app/index.js';
import { testDialects } from '../../src/store/testing/index.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { SipPhone } from '../support/sip-phone.js';

const PASSWORD = 'demo-password-1';
const dialects = await testDialects();

describe.each(dialects)('CANCEL right behind its INVITE on %s', (dialect) => {
  let t: TestApp;
  let tenantId: string;
  let alice: SipPhone;
  let bob: SipPhone;

  beforeAll(async () => {
    const base = dialect === 'sqlite' ? 40900 : 40950;
    t = await createTestApp(dialect, { demoPassword: PASSWORD, sipHost: '127.0.0.1', sipPort: 0, rtpPortMin: base, rtpPortMax: base + 49, sipBanFailures: 1000 });
    tenantId = (await seedDemo(t.app)).tenantId;
    await t.app.listen();
    const server = { host: '127.0.0.1', port: t.app.phone.sip()!.port('udp')! };
    alice = await SipPhone.create({ server, user: '1001', password: PASSWORD });
    bob = await SipPhone.create({ server, user: '1002', password: PASSWORD });
    for (const p of [alice, bob]) expect((await p.register()).res.status).toBe(200);
  });
  afterEach(() => {
    alice.drain();
    bob.drain();
  });
  afterAll(async () => {
    await Promise.all([alice, bob].filter(Boolean).map((p) => p.close()));
    await t?.dispose();
  });

  async function until(cond: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('ends the call with 487 and leaves the callee free for the next call', async () => {
    for (let round = 0; round < 5; round++) {
      const { invite: first, challenge } = await alice.call('1002', { auth: false });
      const invite = alice.inviteRequest('1002', alice.sdp(), first.callId, first.from!.tag!, 2);
      alice.authorize(invite, challenge);
      alice.send(invite);
      const cancel = alice.cancel(invite);
      expect((await alice.waitResponse(cancel, { final: true })).status).toBe(200);
      const final = await alice.waitResponse(invite, { final: true });
      expect(final.status).toBe(487);
      alice.ackNon2xx(invite, final);
      // If the INVITE got as far as the callee, the callee is cancelled too.
      const rang = bob.drain().filter((m) => m.kind === 'request' && m.method === 'INVITE');
      for (const r of rang) {
        if (r.kind !== 'request') continue;
        const c = await bob.waitRequest('CANCEL', (x) => x.callId === r.callId);
        bob.reply(c, 200);
        bob.reply(r, 487, { tag: 'x' });
      }
      await until(() => t.app.phone.calls(tenantId).length === 0, 'no call left');
      expect(t.app.phone.sip()!.b2bua.busy((await t.app.phone.seats.list(tenantId)).find((s) => s.number === '1002')!.id)).toBe(false);
    }
    // The callee still takes calls.
    const { invite } = await alice.call('1002');
    const bInvite = await bob.waitRequest('INVITE');
    bob.reply(bInvite, 486, { tag: 'busy' });
    const res = await alice.waitResponse(invite, { final: true });
    expect(res.status).toBe(486);
    alice.ackNon2xx(invite, res);
  });
});
