/** Call timers driven by a FakeClock (no sleeping): ring timeout and a missing ACK. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/app/index.js';
import { FakeClock, type DomainEvent } from '../../src/kit/index.js';
import { RING_TIMEOUT_MS, type CallView } from '../../src/switch/index.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { SipPhone } from '../support/sip-phone.js';

const PASSWORD = 'demo-password-1';

describe('call timers', () => {
  const clock = new FakeClock(Date.now());
  let t: TestApp;
  let tenantId: string;
  let alice: SipPhone;
  let bob: SipPhone;
  const ended: CallView[] = [];

  beforeAll(async () => {
    t = await createTestApp('sqlite', { demoPassword: PASSWORD, sipHost: '127.0.0.1', sipPort: 0, rtpPortMin: 40800, rtpPortMax: 40899 }, { clock });
    tenantId = (await seedDemo(t.app)).tenantId;
    await t.app.listen();
    t.app.bus.subscribe((e: DomainEvent) => {
      if (e.type === 'call.ended') ended.push((e.data as { call: CallView }).call);
    });
    const server = { host: '127.0.0.1', port: t.app.phone.sip()!.port('udp')! };
    alice = await SipPhone.create({ server, user: '1001', password: PASSWORD });
    bob = await SipPhone.create({ server, user: '1002', password: PASSWORD });
    for (const p of [alice, bob]) expect((await p.register({ expires: 3600 })).res.status).toBe(200);
  });
  afterEach(() => {
    alice.drain();
    bob.drain();
  });
  afterAll(async () => {
    await Promise.all([alice, bob].filter(Boolean).map((p) => p.close()));
    await t?.dispose();
  });

  it('gives the caller 480 and cancels the callee when nobody answers', async () => {
    const { invite } = await alice.call('1002');
    const bInvite = await bob.waitRequest('INVITE');
    bob.reply(bInvite, 180, { tag: 'ringtag' });
    await alice.waitResponse(invite, { status: 180 });
    clock.advance(RING_TIMEOUT_MS - 1);
    expect(t.app.phone.calls(tenantId)).toHaveLength(1);
    clock.advance(1);
    const res = await alice.waitResponse(invite, { final: true });
    expect(res.status).toBe(480);
    alice.ackNon2xx(invite, res);
    const cancel = await bob.waitRequest('CANCEL', (r) => r.callId === bInvite.callId);
    bob.reply(cancel, 200);
    bob.reply(bInvite, 487, { tag: 'ringtag' });
    await bob.waitRequest('ACK', (r) => r.callId === bInvite.callId);
    expect(ended.at(-1)).toMatchObject({ endReason: 'no-answer', status: 480 });
  });

  it('hangs up both legs when the caller never ACKs the 200', async () => {
    const { invite } = await alice.call('1002');
    const bInvite = await bob.waitRequest('INVITE');
    bob.answer(bInvite);
    expect((await alice.waitResponse(invite, { status: 200 })).status).toBe(200);
    await bob.waitRequest('ACK', (r) => r.callId === bInvite.callId);
    // No ACK from alice: after 64*T1 the dialog is given up.
    clock.advance(64 * 500);
    const byeA = await alice.waitRequest('BYE', (r) => r.callId === invite.callId);
    alice.reply(byeA, 200);
    const byeB = await bob.waitRequest('BYE', (r) => r.callId === bInvite.callId);
    bob.reply(byeB, 200);
    expect(ended.at(-1)).toMatchObject({ endReason: 'ack-timeout' });
    expect(t.app.phone.calls(tenantId)).toEqual([]);
  });

  it('gives the caller 480 when the only device of the callee never answers at all', async () => {
    await t.app.phone.seats.create(tenantId, { number: '1006' }, PASSWORD);
    const gone = await SipPhone.create({ server: alice.opts.server, user: '1006', password: PASSWORD });
    expect((await gone.register({ expires: 3600 })).res.status).toBe(200);
    await gone.close(); // registered, then unplugged
    const { invite } = await alice.call('1006');
    await expect.poll(() => t.app.phone.calls(tenantId).map((c) => c.state)).toEqual(['ringing']);
    clock.advance(32_000); // Timer B of the INVITE to the dead device
    const res = await alice.waitResponse(invite, { final: true });
    expect(res.status).toBe(480);
    alice.ackNon2xx(invite, res);
    expect(ended.at(-1)).toMatchObject({ endReason: 'unreachable', to: '1006' });
  });

  it('hangs up answered calls with reason shutdown when the app closes', async () => {
    const { invite } = await alice.call('1002');
    const bInvite = await bob.waitRequest('INVITE');
    bob.answer(bInvite);
    const ok = await alice.waitResponse(invite, { status: 200 });
    alice.ack2xx(invite, ok);
    await bob.waitRequest('ACK', (r) => r.callId === bInvite.callId);
    await t.app.close();
    expect(ended.at(-1)).toMatchObject({ endReason: 'shutdown' });
    await alice.waitRequest('BYE', (r) => r.callId === invite.callId);
    await bob.waitRequest('BYE', (r) => r.callId === bInvite.callId);
  });
});
