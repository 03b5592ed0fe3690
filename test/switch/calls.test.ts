/** Calls between seats over real loopback UDP and the media relay, against the whole app. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/app/index.js';
import type { DomainEvent } from '../../src/kit/index.js';
import type { SipRequest, SipResponse } from '../../src/sip/index.js';
import type { CallView } from '../../src/switch/index.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { SipPhone, sdpAudio, type CallLeg } from '../support/sip-phone.js';

const PASSWORD = 'demo-password-1';
const RTP_MIN = 40400;
const RTP_MAX = 40599;

describe('calls between seats', () => {
  let t: TestApp;
  let tenantId: string;
  let alice: SipPhone; // 1001
  let bob: SipPhone; // 1002
  let carol: SipPhone; // 1003
  const events: DomainEvent[] = [];
  const eventWaiters: Array<() => void> = [];

  beforeAll(async () => {
    t = await createTestApp('sqlite', { demoPassword: PASSWORD, sipHost: '127.0.0.1', sipPort: 0, rtpPortMin: RTP_MIN, rtpPortMax: RTP_MAX, sipBanFailures: 1000 });
    tenantId = (await seedDemo(t.app)).tenantId;
    await t.app.listen();
    t.app.bus.subscribe((e) => {
      events.push(e);
      for (const w of eventWaiters.splice(0)) w();
    });
    const server = { host: '127.0.0.1', port: t.app.phone.sip()!.port('udp')! };
    alice = await SipPhone.create({ server, user: '1001', password: PASSWORD });
    bob = await SipPhone.create({ server, user: '1002', password: PASSWORD });
    carol = await SipPhone.create({ server, user: '1003', password: PASSWORD });
    for (const p of [alice, bob, carol]) expect((await p.register()).res.status).toBe(200);
  });

  afterEach(async () => {
    // Every test leaves no call behind.
    await until(() => t.app.phone.calls(tenantId).length === 0, 'all calls ended');
    for (const p of [alice, bob, carol]) p.drain();
  });

  afterAll(async () => {
    await Promise.all([alice, bob, carol].filter(Boolean).map((p) => p.close()));
    await t?.dispose();
  });

  async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function callEvent(type: string, pred: (c: CallView) => boolean, timeoutMs = 5_000): Promise<CallView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = events.find((x) => x.type === type && pred((x.data as { call: CallView }).call));
      if (e) return (e.data as { call: CallView }).call;
      if (Date.now() > deadline) throw new Error(`no ${type} event`);
      await new Promise<void>((r) => {
        const tm = setTimeout(r, 100);
        eventWaiters.push(() => {
          clearTimeout(tm);
          r();
        });
      });
    }
  }

  const inRelayRange = (port: number) => port >= RTP_MIN && port <= RTP_MAX;

  interface Established {
    invite: SipRequest;
    ok: SipResponse;
    aLeg: CallLeg;
    bInvite: SipRequest;
    bLeg: CallLeg;
    callId: string;
  }

  /** caller calls callee's number; the callee rings and answers; both legs confirmed. */
  async function establish(caller: SipPhone, callee: SipPhone): Promise<Established> {
    const { invite } = await caller.call(callee.opts.user);
    const bInvite = await callee.waitRequest('INVITE');
    const bLeg = callee.answer(bInvite);
    const ringing = await caller.waitResponse(invite, { status: 180 });
    expect(ringing.to?.tag).toBeTruthy();
    const ok = await caller.waitResponse(invite, { status: 200 });
    const aLeg = caller.ack2xx(invite, ok);
    await callee.waitRequest('ACK', (r) => r.callId === bInvite.callId);
    const started = events.filter((e) => e.type === 'call.answered').map((e) => (e.data as { call: CallView }).call);
    const call = started.filter((c) => c.from === caller.opts.user && c.to === callee.opts.user).at(-1)!;
    expect(call).toBeTruthy();
    return { invite, ok, aLeg, bInvite, bLeg, callId: call.id };
  }

  it('connects 1001 to 1002 through the relay, relays RTP both ways, and ends on the callee BYE', async () => {
    const { invite } = await alice.call('1002');
    const bInvite = await bob.waitRequest('INVITE');
    // The callee sees the relay, not the caller.
    const offered = sdpAudio(bInvite.body);
    expect(offered.address).toBe('127.0.0.1');
    expect(inRelayRange(offered.port)).toBe(true);
    expect(offered.port).not.toBe(alice.rtpPort);
    expect(bInvite.body.toString()).toMatch(/^o=hotline /m);
    expect(bInvite.from?.uri).toMatchObject({ user: '1001' });
    expect(bInvite.to?.uri).toMatchObject({ user: '1002' });
    expect(bInvite.uri).toBe(bob.contact);
    expect(bInvite.callId).not.toBe(invite.callId);

    const bLeg = bob.answer(bInvite);
    expect((await alice.waitResponse(invite, { status: 180 })).status).toBe(180);
    const ok = await alice.waitResponse(invite, { status: 200 });
    const answered = sdpAudio(ok.body);
    expect(answered.address).toBe('127.0.0.1');
    expect(inRelayRange(answered.port)).toBe(true);
    expect(answered.port).not.toBe(bob.rtpPort);
    expect(answered.port).not.toBe(offered.port);
    const aLeg = alice.ack2xx(invite, ok);
    await bob.waitRequest('ACK', (r) => r.callId === bInvite.callId);
    const call = await callEvent('call.answered', (c) => c.from === '1001' && c.to === '1002');
    expect(t.app.phone.calls(tenantId).map((c) => c.state)).toEqual(['answered']);

    // RTP: each phone sends to the relay port it was given; the other phone gets the payload.
    const toBob = Buffer.from('hello bob, this is alice');
    const toAlice = Buffer.from('hello alice, bob here');
    let seq = 1;
    const got = await bob.waitRtp(toBob, () => alice.sendRtp({ address: answered.address, port: answered.port }, toBob, seq++));
    expect(got.subarray(12)).toEqual(toBob);
    const back = await alice.waitRtp(toAlice, () => bob.sendRtp({ address: offered.address, port: offered.port }, toAlice, seq++));
    expect(back.subarray(12)).toEqual(toAlice);

    // The callee hangs up.
    const bye = bob.inDialog(bLeg, 'BYE');
    expect((await bob.waitResponse(bye, { final: true })).status).toBe(200);
    const byeA = await alice.waitRequest('BYE', (r) => r.callId === aLeg.callId);
    expect(byeA.to?.tag).toBe(aLeg.localTag);
    expect(byeA.from?.tag).toBe(aLeg.remoteTag);
    alice.reply(byeA, 200);
    const ended = await callEvent('call.ended', (c) => c.id === call.id);
    expect(ended).toMatchObject({ state: 'ended', endReason: 'callee-hangup', from: '1001', to: '1002' });
    expect(ended.answeredAt).not.toBeNull();
  });

  it('ends with caller-hangup when the caller sends BYE', async () => {
    const c = await establish(alice, bob);
    const bye = alice.inDialog(c.aLeg, 'BYE');
    expect((await alice.waitResponse(bye, { final: true })).status).toBe(200);
    const byeB = await bob.waitRequest('BYE', (r) => r.callId === c.bInvite.callId);
    bob.reply(byeB, 200);
    expect(await callEvent('call.ended', (x) => x.id === c.callId)).toMatchObject({ endReason: 'caller-hangup' });
  });

  it('cancels before answer: the caller gets 487, the callee gets CANCEL', async () => {
    const { invite } = await alice.call('1002');
    const bInvite = await bob.waitRequest('INVITE');
    bob.reply(bInvite, 180, { tag: 'bobtag1' });
    await alice.waitResponse(invite, { status: 180 });
    const cancel = alice.cancel(invite);
    expect((await alice.waitResponse(cancel, { final: true })).status).toBe(200);
    const final = await alice.waitResponse(invite, { final: true });
    expect(final.status).toBe(487);
    alice.ackNon2xx(invite, final);
    const bCancel = await bob.waitRequest('CANCEL', (r) => r.callId === bInvite.callId);
    expect(bCancel.cseq?.seq).toBe(bInvite.cseq?.seq);
    expect(bCancel.via?.[0]?.params.get('branch')).toBe(bInvite.via?.[0]?.params.get('branch'));
    bob.reply(bCancel, 200);
    bob.reply(bInvite, 487, { tag: 'bobtag1' });
    await bob.waitRequest('ACK', (r) => r.callId === bInvite.callId);
    expect(await callEvent('call.ended', (c) => c.from === '1001' && c.endReason === 'cancelled')).toMatchObject({ status: 487 });
  });

  it('answers 486 with a Reason to a call for a seat that is not registered', async () => {
    await t.app.phone.seats.create(tenantId, { number: '1004' });
    const { invite } = await alice.call('1004');
    const res = await alice.waitResponse(invite, { final: true });
    expect(res.status).toBe(486);
    expect(res.headers.get('reason')).toMatch(/^SIP;cause=486;text="seat 1004 is not registered"/);
    alice.ackNon2xx(invite, res);
    expect(await callEvent('call.ended', (c) => c.to === '1004')).toMatchObject({ endReason: 'unregistered', status: 486 });
  });

  it('answers 486 busy to a call for a seat already in a call', async () => {
    const c = await establish(alice, bob);
    const { invite } = await carol.call('1002');
    const res = await carol.waitResponse(invite, { final: true });
    expect(res.status).toBe(486);
    carol.ackNon2xx(invite, res);
    expect(await callEvent('call.ended', (x) => x.from === '1003' && x.to === '1002')).toMatchObject({ endReason: 'busy' });
    expect(await bob.silentFor(200)).toBe(true); // bob's phone never rang a second time
    // Hang up the first call.
    const bye = alice.inDialog(c.aLeg, 'BYE');
    await alice.waitResponse(bye, { final: true });
    bob.reply(await bob.waitRequest('BYE'), 200);
  });

  it('answers 404 to an unknown number', async () => {
    const { invite } = await alice.call('5555');
    const res = await alice.waitResponse(invite, { final: true });
    expect(res.status).toBe(404);
    alice.ackNon2xx(invite, res);
    expect(await callEvent('call.ended', (c) => c.to === '5555')).toMatchObject({ endReason: 'not-found' });
  });

  it('challenges an INVITE without credentials and never rings the callee', async () => {
    const { challenge } = await alice.call('1002', { auth: false });
    expect(challenge.status).toBe(401);
    expect(challenge.headers.getAll('www-authenticate').length).toBeGreaterThan(0);
    expect(await bob.silentFor(300)).toBe(true);
    expect(t.app.phone.calls(tenantId)).toEqual([]);
  });

  it('answers a hold re-INVITE from the caller itself, plays hold music to the callee, and resumes', async () => {
    const c = await establish(alice, bob);
    const hold = alice.inDialog(c.aLeg, 'INVITE', alice.sdp({ direction: 'sendonly' }));
    const held = await alice.waitResponse(hold, { final: true });
    expect(held.status).toBe(200);
    expect(sdpAudio(held.body).direction).toBe('recvonly');
    expect(inRelayRange(sdpAudio(held.body).port)).toBe(true);
    alice.sendAck(c.aLeg, hold.cseq!.seq);
    // The callee is not asked to hold: it hears music from Hotline instead.
    expect(await bob.silentFor(300)).toBe(true);
    bob.rtpInbox.length = 0;
    await until(() => bob.rtpInbox.filter((p) => (p[1]! & 0x7f) === 0).length >= 10, 'hold music at the callee');
    expect(await callEvent('call.updated', (x) => x.id === c.callId && x.heldBy === 'caller')).toBeTruthy();

    const resume = alice.inDialog(c.aLeg, 'INVITE', alice.sdp({ direction: 'sendrecv' }));
    const ok = await alice.waitResponse(resume, { final: true });
    expect(ok.status).toBe(200);
    expect(sdpAudio(ok.body).direction).toBe('sendrecv');
    alice.sendAck(c.aLeg, resume.cseq!.seq);
    expect(await callEvent('call.updated', (x) => x.id === c.callId && x.heldBy === null)).toBeTruthy();
    // Audio flows again after the resume.
    const payload = Buffer.alloc(160, 0x55);
    const to = sdpAudio(c.ok.body);
    let seq = 100;
    await bob.waitRtp(payload, () => alice.sendRtp(to, payload, seq++));
    const bye = bob.inDialog(c.bLeg, 'BYE');
    await bob.waitResponse(bye, { final: true });
    alice.reply(await alice.waitRequest('BYE'), 200);
    expect(await callEvent('call.ended', (x) => x.id === c.callId)).toMatchObject({ endReason: 'callee-hangup' });
  });

  it('answers a hold UPDATE from the callee itself', async () => {
    const c = await establish(alice, bob);
    const update = bob.inDialog(c.bLeg, 'UPDATE', bob.sdp({ direction: 'sendonly' }));
    const ok = await bob.waitResponse(update, { final: true });
    expect(ok.status).toBe(200);
    expect(sdpAudio(ok.body).direction).toBe('recvonly');
    expect(await alice.silentFor(300)).toBe(true);
    expect(await callEvent('call.updated', (x) => x.id === c.callId && x.heldBy === 'callee')).toBeTruthy();
    const bye = alice.inDialog(c.aLeg, 'BYE');
    await alice.waitResponse(bye, { final: true });
    bob.reply(await bob.waitRequest('BYE'), 200);
    expect(await callEvent('call.ended', (x) => x.id === c.callId)).toMatchObject({ endReason: 'caller-hangup' });
  });

  it('mirrors a re-INVITE that is not a hold (a new address) to the other side', async () => {
    const c = await establish(alice, bob);
    const reinvite = alice.inDialog(c.aLeg, 'INVITE', alice.sdp({ direction: 'sendrecv' }));
    const bReinvite = await bob.waitRequest('INVITE', (r) => r.callId === c.bInvite.callId);
    expect(bReinvite.to?.tag).toBe(c.bLeg.localTag);
    expect(inRelayRange(sdpAudio(bReinvite.body).port)).toBe(true);
    bob.reply(bReinvite, 200, { body: bob.sdp({ direction: 'sendrecv' }) });
    await bob.waitRequest('ACK', (r) => r.callId === c.bInvite.callId && r.cseq?.seq === bReinvite.cseq?.seq);
    const ok = await alice.waitResponse(reinvite, { final: true });
    expect(ok.status).toBe(200);
    alice.sendAck(c.aLeg, reinvite.cseq!.seq);
    const bye = bob.inDialog(c.bLeg, 'BYE');
    await bob.waitResponse(bye, { final: true });
    alice.reply(await alice.waitRequest('BYE'), 200);
    expect(await callEvent('call.ended', (x) => x.id === c.callId)).toMatchObject({ endReason: 'callee-hangup' });
  });

  it('rings every registered device of the callee and cancels the others when one answers', async () => {
    const bob2 = await SipPhone.create({ server: alice.opts.server, user: '1002', password: PASSWORD });
    try {
      expect((await bob2.register()).res.status).toBe(200);
      const { invite } = await alice.call('1002');
      const [i1, i2] = await Promise.all([bob.waitRequest('INVITE'), bob2.waitRequest('INVITE')]);
      expect(i1.callId).not.toBe(i2.callId);
      bob2.reply(i2, 180, { tag: 'bob2tag' });
      await alice.waitResponse(invite, { status: 180 });
      const bLeg = bob.answer(i1, { ring: false });
      const ok = await alice.waitResponse(invite, { status: 200 });
      const aLeg = alice.ack2xx(invite, ok);
      const cancel = await bob2.waitRequest('CANCEL', (r) => r.callId === i2.callId);
      expect(cancel.headers.get('reason')).toMatch(/Call completed elsewhere/);
      bob2.reply(cancel, 200);
      bob2.reply(i2, 487, { tag: 'bob2tag' });
      await bob2.waitRequest('ACK', (r) => r.callId === i2.callId);
      await bob.waitRequest('ACK', (r) => r.callId === i1.callId);
      const bye = bob.inDialog(bLeg, 'BYE');
      await bob.waitResponse(bye, { final: true });
      alice.reply(await alice.waitRequest('BYE', (r) => r.callId === aLeg.callId), 200);
      await callEvent('call.ended', (c) => c.endReason === 'callee-hangup' && events.filter((e) => e.type === 'call.ended').length > 0);
    } finally {
      await bob2.register({ expires: 0 });
      await bob2.close();
    }
  });

  it('sends CANCEL to a device that has only sent 100 Trying', async () => {
    const { invite } = await alice.call('1002');
    const bInvite = await bob.waitRequest('INVITE');
    bob.reply(bInvite, 100);
    // Let the 100 arrive before the caller gives up.
    await new Promise((r) => setTimeout(r, 100));
    const cancel = alice.cancel(invite);
    expect((await alice.waitResponse(cancel, { final: true })).status).toBe(200);
    const final = await alice.waitResponse(invite, { final: true });
    expect(final.status).toBe(487);
    alice.ackNon2xx(invite, final);
    const bCancel = await bob.waitRequest('CANCEL', (r) => r.callId === bInvite.callId);
    bob.reply(bCancel, 200);
    bob.reply(bInvite, 487, { tag: 'bobtag2' });
    await bob.waitRequest('ACK', (r) => r.callId === bInvite.callId);
  });

  it('passes a decline from the callee to the caller', async () => {
    for (const [status, expected, reason] of [
      [486, 486, 'busy'],
      [603, 603, 'declined'],
    ] as const) {
      const { invite } = await alice.call('1002');
      const bInvite = await bob.waitRequest('INVITE');
      bob.reply(bInvite, status, { tag: `decline${status}` });
      await bob.waitRequest('ACK', (r) => r.callId === bInvite.callId);
      const res = await alice.waitResponse(invite, { final: true });
      expect(res.status).toBe(expected);
      alice.ackNon2xx(invite, res);
      expect(await callEvent('call.ended', (c) => c.endReason === reason && c.status === expected)).toBeTruthy();
    }
  });

  it('refuses an INVITE without SDP with 488 and rings nobody', async () => {
    const { invite } = await alice.call('1002', { sdp: null });
    const res = await alice.waitResponse(invite, { final: true });
    expect(res.status).toBe(488);
    alice.ackNon2xx(invite, res);
    expect(await bob.silentFor(200)).toBe(true);
    expect(await callEvent('call.ended', (c) => c.endReason === 'media-refused')).toBeTruthy();
  });

  it('passes a refused re-INVITE back and keeps the call', async () => {
    const c = await establish(alice, bob);
    const reinvite = alice.inDialog(c.aLeg, 'INVITE', alice.sdp({ direction: 'sendrecv' }));
    const bReinvite = await bob.waitRequest('INVITE', (r) => r.callId === c.bInvite.callId);
    bob.reply(bReinvite, 488);
    const res = await alice.waitResponse(reinvite, { final: true });
    expect(res.status).toBe(488);
    alice.ackNon2xx(reinvite, res);
    expect(t.app.phone.calls(tenantId).map((x) => x.state)).toEqual(['answered']);
    // A request with a CSeq that does not rise is refused with 500 and changes nothing.
    const stale = alice.request('BYE', c.aLeg.remoteTarget, [['From', c.aLeg.localUri], ['To', c.aLeg.remoteUri], ['Call-ID', c.aLeg.callId], ['CSeq', `${c.aLeg.cseq} BYE`]]);
    alice.send(stale);
    expect((await alice.waitResponse(stale, { final: true })).status).toBe(500);
    expect(t.app.phone.calls(tenantId)).toHaveLength(1);
    const bye = alice.inDialog(c.aLeg, 'BYE');
    await alice.waitResponse(bye, { final: true });
    bob.reply(await bob.waitRequest('BYE'), 200);
  });

  it('answers an offerless re-INVITE itself with the current SDP, and a bare UPDATE with 200', async () => {
    const c = await establish(alice, bob);
    // RFC 4028-style refresh without a body: offered our description, answered in the ACK.
    const reinvite = alice.inDialog(c.aLeg, 'INVITE');
    const ok = await alice.waitResponse(reinvite, { final: true });
    expect(ok.status).toBe(200);
    const offered = ok.body.toString();
    expect(offered).toMatch(/^m=audio \d+ RTP\/AVP/m);
    expect(offered).not.toContain(String(alice.rtpPort));
    const h = [['From', c.aLeg.localUri], ['To', c.aLeg.remoteUri], ['Call-ID', c.aLeg.callId], ['CSeq', `${reinvite.cseq!.seq} ACK`], ['Content-Type', 'application/sdp']] as Array<[string, string]>;
    alice.send(alice.request('ACK', c.aLeg.remoteTarget, h, alice.sdp()));
    // The callee was not disturbed.
    expect(await bob.silentFor(300)).toBe(true);
    const update = alice.inDialog(c.aLeg, 'UPDATE');
    expect((await alice.waitResponse(update, { final: true })).status).toBe(200);
    expect(t.app.phone.calls(tenantId).map((x) => x.state)).toEqual(['answered']);
    const bye = alice.inDialog(c.aLeg, 'BYE');
    await alice.waitResponse(bye, { final: true });
    bob.reply(await bob.waitRequest('BYE'), 200);
  });

  it('answers 491 to a re-INVITE while another offer is in progress', async () => {
    const c = await establish(alice, bob);
    const first = alice.inDialog(c.aLeg, 'INVITE', alice.sdp({ direction: 'sendrecv' }));
    const bReinvite = await bob.waitRequest('INVITE', (r) => r.callId === c.bInvite.callId);
    const glare = bob.inDialog(c.bLeg, 'INVITE', bob.sdp({ direction: 'sendonly' }));
    expect((await bob.waitResponse(glare, { final: true })).status).toBe(491);
    bob.reply(bReinvite, 200, { body: bob.sdp({ direction: 'sendrecv' }) });
    expect((await alice.waitResponse(first, { final: true })).status).toBe(200);
    alice.sendAck(c.aLeg, first.cseq!.seq);
    const bye = alice.inDialog(c.aLeg, 'BYE');
    await alice.waitResponse(bye, { final: true });
    bob.reply(await bob.waitRequest('BYE'), 200);
  });

  it('calls a phone registered over TCP on its connection', async () => {
    await t.app.phone.seats.create(tenantId, { number: '1005' }, PASSWORD);
    const dave = await SipPhone.create({ server: alice.opts.server, user: '1005', password: PASSWORD, transport: 'tcp' });
    try {
      expect((await dave.register()).res.status).toBe(200);
      const seat = (await t.app.phone.seats.list(tenantId)).find((x) => x.number === '1005')!;
      expect(seat.registrations[0]).toMatchObject({ transport: 'tcp', contact: dave.contact });
      const { invite } = await alice.call('1005');
      const dInvite = await dave.waitRequest('INVITE');
      expect(dInvite.headers.get('via')).toMatch(/^SIP\/2\.0\/TCP /);
      const dLeg = dave.answer(dInvite);
      const ok = await alice.waitResponse(invite, { status: 200 });
      const aLeg = alice.ack2xx(invite, ok);
      await dave.waitRequest('ACK', (r) => r.callId === dInvite.callId);
      // The callee's in-dialog request is answered over its connection too.
      const hold = dave.inDialog(dLeg, 'INVITE', dave.sdp({ direction: 'sendonly' }));
      expect((await dave.waitResponse(hold, { final: true })).status).toBe(200);
      dave.sendAck(dLeg, hold.cseq!.seq);
      const bye = alice.inDialog(aLeg, 'BYE');
      await alice.waitResponse(bye, { final: true });
      dave.reply(await dave.waitRequest('BYE', (r) => r.callId === dInvite.callId), 200);
      expect(await callEvent('call.ended', (c) => c.to === '1005')).toMatchObject({ endReason: 'caller-hangup' });
    } finally {
      await dave.register({ expires: 0 }).catch(() => {});
      await dave.close();
    }
  });

  it('passes early media (183 with SDP) through the relay', async () => {
    const { invite } = await alice.call('1002');
    const bInvite = await bob.waitRequest('INVITE');
    bob.reply(bInvite, 183, { tag: 'early', body: bob.sdp() });
    const early = await alice.waitResponse(invite, { status: 183 });
    const media = sdpAudio(early.body);
    expect(inRelayRange(media.port)).toBe(true);
    const payload = Buffer.from('ringback tone');
    let seq = 1;
    await alice.waitRtp(payload, () => bob.sendRtp(sdpAudio(bInvite.body), payload, seq++));
    const ok = bob.reply(bInvite, 200, { tag: 'early', body: bob.sdp() });
    expect(ok.status).toBe(200);
    const aOk = await alice.waitResponse(invite, { status: 200 });
    expect(sdpAudio(aOk.body).port).toBe(media.port);
    const aLeg = alice.ack2xx(invite, aOk);
    await bob.waitRequest('ACK', (r) => r.callId === bInvite.callId);
    const bye = alice.inDialog(aLeg, 'BYE');
    await alice.waitResponse(bye, { final: true });
    bob.reply(await bob.waitRequest('BYE', (r) => r.callId === bInvite.callId), 200);
  });

  it('answers 481 to a BYE for no dialog', async () => {
    const leg: CallLeg = { callId: 'nope@test', localTag: 'a', remoteTag: 'b', localUri: `<${alice.aor}>;tag=a`, remoteUri: '<sip:1002@127.0.0.1>;tag=b', remoteTarget: 'sip:127.0.0.1', cseq: 1, invite: undefined as never };
    const bye = alice.inDialog(leg, 'BYE');
    expect((await alice.waitResponse(bye, { final: true })).status).toBe(481);
  });

  it('decodes DTMF sent in SIP INFO, and passes it on to the other party as RFC 4733 events', async () => {
    const c = await establish(alice, bob);
    const seq = ++c.aLeg.cseq;
    const info = alice.request('INFO', c.aLeg.remoteTarget, [
      ['From', c.aLeg.localUri],
      ['To', c.aLeg.remoteUri],
      ['Call-ID', c.aLeg.callId],
      ['CSeq', `${seq} INFO`],
      ['Content-Type', 'application/dtmf-relay'],
    ], 'Signal=7\r\nDuration=160\r\n');
    alice.send(info);
    expect((await alice.waitResponse(info, { final: true })).status).toBe(200);
    const dtmf = events.find((e) => e.type === 'call.dtmf' && (e.data as { call: CallView }).call.id === c.callId);
    expect(dtmf?.data).toMatchObject({ digit: '7', by: 'caller', via: 'info' });
    // bob negotiated telephone-event (PT 101): the digit reaches it as RFC 4733 packets, end bit set.
    await until(() => bob.rtpInbox.some((p) => (p[1]! & 0x7f) === 101 && p[12] === 7 && (p[13]! & 0x80) !== 0), 'RFC 4733 digit at the callee');
    const bye = alice.inDialog(c.aLeg, 'BYE');
    await alice.waitResponse(bye, { final: true });
    bob.reply(await bob.waitRequest('BYE'), 200);
  });

  it('plays the tenant’s announcement to both parties before recording, and keeps the call in the log with quality', async () => {
    const admin = await t.signIn('admin@demo.test', PASSWORD);
    const bobCookie = await t.signIn('bob@demo.test', PASSWORD);
    const put = await t.app.http.inject({ method: 'PUT', url: '/api/v1/sip/recording-notice', headers: { cookie: admin }, payload: { language: 'en' } });
    expect(put.statusCode, put.body).toBe(200);
    const bad = await t.app.http.inject({ method: 'PUT', url: '/api/v1/sip/recording-notice', headers: { cookie: admin }, payload: { language: 'fr' } });
    expect(bad.statusCode).toBe(400);
    try {
      const c = await establish(alice, carol);
      const toA = sdpAudio(c.ok.body);
      const toB = sdpAudio(c.bInvite.body);
      let seq = 1;
      const talk = setInterval(() => {
        alice.sendRtp(toA, Buffer.alloc(160, 0x11), seq);
        carol.sendRtp(toB, Buffer.alloc(160, 0x22), seq++);
      }, 20);
      try {
        alice.rtpInbox.length = 0;
        carol.rtpInbox.length = 0;
        // An agent whose seat is not in the call may not record it.
        const notYours = await t.app.http.inject({ method: 'POST', url: `/api/v1/calls/${c.callId}/recording`, headers: { cookie: bobCookie }, payload: { action: 'start' } });
        expect(notYours.statusCode).toBe(403);
        expect(notYours.json().error.code).toBe('CALL_NOT_YOURS');
        const badAction = await t.app.http.inject({ method: 'POST', url: `/api/v1/calls/${c.callId}/recording`, headers: { cookie: admin }, payload: { action: 'explode' } });
        expect(badAction.statusCode).toBe(400);
        const started = await t.app.http.inject({ method: 'POST', url: `/api/v1/calls/${c.callId}/recording`, headers: { cookie: admin }, payload: { action: 'start' } });
        expect(started.statusCode, started.body).toBe(200);
        expect(started.json()).toMatchObject({ recording: 'on' });
        // While the notice played, each party got the prompt (speech), not the other's 0x11/0x22 bytes.
        const heardOther = (inbox: Buffer[], other: number) => inbox.filter((p) => p.length === 172 && p.subarray(12).every((b) => b === other)).length;
        expect(alice.rtpInbox.length).toBeGreaterThan(100);
        expect(heardOther(alice.rtpInbox, 0x22)).toBeLessThan(alice.rtpInbox.length / 4);
        expect(heardOther(carol.rtpInbox, 0x11)).toBeLessThan(carol.rtpInbox.length / 4);
        await new Promise((r) => setTimeout(r, 1200));
      } finally {
        clearInterval(talk);
      }
      const bye = alice.inDialog(c.aLeg, 'BYE');
      await alice.waitResponse(bye, { final: true });
      carol.reply(await carol.waitRequest('BYE'), 200);
      let entry: { quality: { a: { packetsIn: number; mos: number } } | null; recordings: { sha256: string; durationMs: number }[] } | undefined;
      await until(async () => {
        const r = await t.app.http.inject({ url: `/api/v1/calls/history/${c.callId}`, headers: { cookie: admin } });
        entry = r.statusCode === 200 ? r.json() : undefined;
        return entry !== undefined;
      }, 'the call in the log');
      expect(entry!.quality!.a.packetsIn).toBeGreaterThan(100);
      expect(entry!.quality!.a.mos).toBeGreaterThan(4);
      expect(entry!.recordings).toHaveLength(1);
      expect(entry!.recordings[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
      const list = await t.app.http.inject({ url: '/api/v1/calls/history?limit=5', headers: { cookie: admin } });
      expect(list.json().items.map((x: { id: string }) => x.id)).toContain(c.callId);
    } finally {
      await t.app.http.inject({ method: 'PUT', url: '/api/v1/sip/recording-notice', headers: { cookie: admin }, payload: { language: null } });
    }
  });
});
