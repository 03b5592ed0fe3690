import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../kit/index.js';
import {
  INVITE_CLIENT_TRANSITIONS,
  INVITE_SERVER_TRANSITIONS,
  InviteClientState,
  InviteServerState,
  NON_INVITE_CLIENT_TRANSITIONS,
  NON_INVITE_SERVER_TRANSITIONS,
  NonInviteClientState,
  NonInviteServerState,
  TransactionError,
  TransactionLayer,
  assertTransition,
  newBranch,
  canTransition,
  createResponse,
  parseMessage,
  serialize,
  type ClientTransaction,
  type ServerTransaction,
  type SipMessage,
  type SipRequest,
  type SipResponse,
  type TransportTarget,
} from '../index.js';

// ---------------------------------------------------------------------------------------------
// Fixtures: every message is text parsed by the message layer, so the tests exercise real objects.

const PEER: TransportTarget = { transport: 'UDP', host: '192.0.2.10', port: 5060 };

function parse(text: string | Buffer): SipMessage {
  const r = parseMessage(text);
  if (r.kind !== 'message') throw new Error(`fixture did not parse: ${JSON.stringify(r)}`);
  return r.message;
}

interface ReqOpts {
  branch?: string | null;
  host?: string;
  port?: number;
  callId?: string;
  seq?: number;
  fromTag?: string;
  toTag?: string;
  uri?: string;
}

function request(method: string, o: ReqOpts = {}): SipRequest {
  const branch = o.branch === null ? '' : `;branch=${o.branch ?? 'z9hG4bK74bf9'}`;
  const text = [
    `${method} ${o.uri ?? 'sip:bob@biloxi.example.com'} SIP/2.0`,
    `Via: SIP/2.0/UDP ${o.host ?? 'pc33.atlanta.example.com'}:${o.port ?? 5060}${branch}`,
    'Max-Forwards: 70',
    `From: Alice <sip:alice@atlanta.example.com>;tag=${o.fromTag ?? '9fxced76sl'}`,
    `To: Bob <sip:bob@biloxi.example.com>${o.toTag !== undefined ? `;tag=${o.toTag}` : ''}`,
    `Call-ID: ${o.callId ?? '3848276298220188511@atlanta.example.com'}`,
    `CSeq: ${o.seq ?? 1} ${method}`,
    'Contact: <sip:alice@pc33.atlanta.example.com>',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const m = parse(text);
  if (m.kind !== 'request') throw new Error('not a request');
  return m;
}

/** A response to `req` as it would arrive off the wire: built, serialized, parsed again. */
function response(req: SipRequest, status: number, toTag?: string): SipResponse {
  const m = parse(serialize(createResponse(req, status, toTag !== undefined ? { toTag } : {})));
  if (m.kind !== 'response') throw new Error('not a response');
  return m;
}

interface Sent {
  at: number;
  msg: SipMessage;
  target: TransportTarget;
  reliable: boolean;
}

function setup(opts: { failSend?: () => boolean } = {}) {
  const clock = new FakeClock();
  const t0 = clock.now();
  const sent: Sent[] = [];
  const requests: ServerTransaction[] = [];
  const acks: SipRequest[] = [];
  const layer = new TransactionLayer({
    clock,
    send: (msg, target, reliable) => {
      if (opts.failSend?.()) throw new Error('ECONNREFUSED');
      sent.push({ at: clock.now() - t0, msg, target, reliable });
    },
    onRequest: (tx) => requests.push(tx),
    onAck: (ack) => acks.push(ack),
  });
  const label = (m: SipMessage) => (m.kind === 'request' ? m.method : String(m.status));
  return {
    clock,
    layer,
    sent,
    requests,
    acks,
    /** Times (ms since start) at which a message with this label was sent. */
    times: (what: string) => sent.filter((s) => label(s.msg) === what).map((s) => s.at),
    labels: () => sent.map((s) => label(s.msg)),
  };
}

function clientEvents(tx: ClientTransaction) {
  const ev = { responses: [] as number[], timeouts: 0, errors: 0, terminated: 0 };
  tx.handlers = {
    response: (r) => ev.responses.push(r.status),
    timeout: () => ev.timeouts++,
    transportError: () => ev.errors++,
    terminated: () => ev.terminated++,
  };
  return ev;
}

// ---------------------------------------------------------------------------------------------

describe('INVITE client transaction (RFC 3261 §17.1.1, RFC 6026)', () => {
  it('retransmits on Timer A (500, 1000, 2000 … ms) over UDP and times out on Timer B at 64*T1', () => {
    const h = setup();
    const tx = h.layer.sendRequest(request('INVITE'), PEER, false);
    const ev = clientEvents(tx);
    expect(tx.state).toBe(InviteClientState.Calling);
    h.clock.advance(31_999);
    expect(h.times('INVITE')).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(ev.timeouts).toBe(0);
    h.clock.advance(1);
    expect(ev.timeouts).toBe(1);
    expect(ev.terminated).toBe(1);
    expect(tx.state).toBe(InviteClientState.Terminated);
    expect(h.layer.size).toEqual({ client: 0, server: 0 });
    h.clock.advance(100_000);
    expect(h.times('INVITE')).toHaveLength(7);
  });

  it('does not retransmit over a reliable transport, and still times out on B', () => {
    const h = setup();
    const tx = h.layer.sendRequest(request('INVITE'), { ...PEER, transport: 'TCP' }, true);
    const ev = clientEvents(tx);
    expect(tx.runningTimers()).toEqual(['B']);
    h.clock.advance(32_000);
    expect(h.times('INVITE')).toEqual([0]);
    expect(h.sent[0]?.reliable).toBe(true);
    expect(ev.timeouts).toBe(1);
    expect(h.layer.size.client).toBe(0);
  });

  it('stops retransmitting on a 1xx and ACKs a non-2xx final with the same branch and the To tag (§17.1.1.3)', () => {
    const h = setup();
    const invite = request('INVITE', { branch: 'z9hG4bKnashds8' });
    const tx = h.layer.sendRequest(invite, PEER, false);
    const ev = clientEvents(tx);
    h.clock.advance(600); // one retransmission at 500
    expect(h.layer.receive(response(invite, 180, 'bobtag1'), PEER, false)).toBe('response');
    expect(tx.state).toBe(InviteClientState.Proceeding);
    h.clock.advance(10_000);
    expect(h.times('INVITE')).toEqual([0, 500]);

    expect(h.layer.receive(response(invite, 486, 'bobtag1'), PEER, false)).toBe('response');
    expect(tx.state).toBe(InviteClientState.Completed);
    expect(ev.responses).toEqual([180, 486]);
    const ackSent = h.sent.filter((s) => s.msg.kind === 'request' && s.msg.method === 'ACK');
    expect(ackSent).toHaveLength(1);
    // The ACK goes out as wire text: parse what we sent to check it like a peer would.
    const ack = parse(serialize(ackSent[0]!.msg)) as SipRequest;
    expect(ack.method).toBe('ACK');
    expect(ack.uri).toBe(invite.uri);
    expect(ack.via).toHaveLength(1);
    expect(ack.via?.[0]?.branch).toBe('z9hG4bKnashds8');
    expect(ack.to?.tag).toBe('bobtag1');
    expect(ack.from?.tag).toBe('9fxced76sl');
    expect(ack.callId).toBe(invite.callId);
    expect(ack.cseq).toEqual({ seq: 1, method: 'ACK' });
    expect(ackSent[0]!.target).toBe(PEER);

    // A retransmitted final is absorbed and answered with the ACK again.
    h.layer.receive(response(invite, 486, 'bobtag1'), PEER, false);
    expect(ev.responses).toEqual([180, 486]);
    expect(h.times('ACK')).toHaveLength(2);

    // Timer D: 32 s on UDP.
    h.clock.advance(31_999);
    expect(tx.state).toBe(InviteClientState.Completed);
    h.clock.advance(1);
    expect(tx.state).toBe(InviteClientState.Terminated);
    expect(h.layer.size).toEqual({ client: 0, server: 0 });
  });

  it('terminates at once after the ACK on a reliable transport (Timer D = 0)', () => {
    const h = setup();
    const invite = request('INVITE');
    const tx = h.layer.sendRequest(invite, PEER, true);
    h.layer.receive(response(invite, 603, 'x1'), PEER, true);
    expect(h.times('ACK')).toHaveLength(1);
    expect(tx.state).toBe(InviteClientState.Terminated);
    expect(h.layer.size.client).toBe(0);
  });

  it('passes a 2xx up and enters Accepted; retransmitted 2xx (and forked ones) reach the TU until Timer M (RFC 6026)', () => {
    const h = setup();
    const invite = request('INVITE');
    const tx = h.layer.sendRequest(invite, PEER, false);
    const ev = clientEvents(tx);
    h.layer.receive(response(invite, 200, 'uas1'), PEER, false);
    expect(tx.state).toBe(InviteClientState.Accepted);
    expect(tx.runningTimers()).toEqual(['M']);
    h.layer.receive(response(invite, 200, 'uas1'), PEER, false); // retransmission
    h.layer.receive(response(invite, 200, 'uas2'), PEER, false); // another fork
    h.layer.receive(response(invite, 486, 'uas3'), PEER, false); // absorbed in Accepted
    expect(ev.responses).toEqual([200, 200, 200]);
    expect(h.times('ACK')).toEqual([]); // the TU ACKs a 2xx, not the transaction (§13.2.2.4)
    h.clock.advance(5_000);
    expect(h.times('INVITE')).toEqual([0]); // no retransmission after leaving Calling
    h.clock.advance(64 * 500 - 5_000);
    expect(tx.state).toBe(InviteClientState.Terminated);
    expect(h.layer.receive(response(invite, 200, 'uas1'), PEER, false)).toBe('unmatched-response');
    expect(ev.responses).toHaveLength(3);
    expect(h.layer.size).toEqual({ client: 0, server: 0 });
  });

  it('reports a transport error and terminates (§17.1.4)', () => {
    const h = setup({ failSend: () => true });
    const tx = h.layer.sendRequest(request('INVITE'), PEER, false, {});
    expect(tx.state).toBe(InviteClientState.Terminated);
    expect(h.layer.size.client).toBe(0);
    let fails = 0;
    const h2 = setup({ failSend: () => ++fails === 2 }); // the first retransmission fails
    const tx2 = h2.layer.sendRequest(request('INVITE'), PEER, false);
    const ev = clientEvents(tx2);
    h2.clock.advance(500);
    expect(ev.errors).toBe(1);
    expect(ev.terminated).toBe(1);
    expect(tx2.state).toBe(InviteClientState.Terminated);
    expect(h2.layer.size.client).toBe(0);
  });
});

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  it('retransmits on Timer E doubling up to T2 and times out on Timer F', () => {
    const h = setup();
    const tx = h.layer.sendRequest(request('OPTIONS'), PEER, false);
    const ev = clientEvents(tx);
    h.clock.advance(31_999);
    expect(h.times('OPTIONS')).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    h.clock.advance(1);
    expect(ev.timeouts).toBe(1);
    expect(tx.state).toBe(NonInviteClientState.Terminated);
    expect(h.layer.size.client).toBe(0);
  });

  it('retransmits every T2 once Proceeding, absorbs retransmitted finals, and waits Timer K', () => {
    const h = setup();
    const bye = request('BYE', { toTag: 'bobtag', seq: 2 });
    const tx = h.layer.sendRequest(bye, PEER, false);
    const ev = clientEvents(tx);
    h.clock.advance(100);
    h.layer.receive(response(bye, 100), PEER, false);
    expect(tx.state).toBe(NonInviteClientState.Proceeding);
    h.clock.advance(9_000); // t = 9100
    expect(h.times('BYE')).toEqual([0, 500, 4500, 8500]);
    h.layer.receive(response(bye, 200), PEER, false);
    h.layer.receive(response(bye, 200), PEER, false);
    expect(ev.responses).toEqual([100, 200]);
    expect(tx.state).toBe(NonInviteClientState.Completed);
    h.clock.advance(4_999);
    expect(tx.state).toBe(NonInviteClientState.Completed);
    h.clock.advance(1);
    expect(tx.state).toBe(NonInviteClientState.Terminated);
    expect(h.times('BYE')).toHaveLength(4);
    expect(h.layer.size.client).toBe(0);
  });

  it('does not retransmit when reliable and terminates on the final at once (Timer K = 0)', () => {
    const h = setup();
    const reg = request('REGISTER');
    const tx = h.layer.sendRequest(reg, PEER, true);
    h.clock.advance(20_000);
    expect(h.times('REGISTER')).toEqual([0]);
    h.layer.receive(response(reg, 200), PEER, true);
    expect(tx.state).toBe(NonInviteClientState.Terminated);
    expect(h.layer.size.client).toBe(0);
  });
});

describe('client matching (RFC 3261 §17.1.3)', () => {
  it('drops responses that match no transaction: other branch, other CSeq method, no Via', () => {
    const h = setup();
    const invite = request('INVITE', { branch: 'z9hG4bKaaa' });
    const tx = h.layer.sendRequest(invite, PEER, false);
    const ev = clientEvents(tx);
    expect(h.layer.receive(response(request('INVITE', { branch: 'z9hG4bKbbb' }), 180), PEER, false)).toBe('unmatched-response');
    expect(h.layer.receive(response(request('OPTIONS', { branch: 'z9hG4bKaaa' }), 200), PEER, false)).toBe('unmatched-response');
    const noVia = parse('SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\nCall-ID: x\r\n\r\n');
    expect(h.layer.receive(noVia, PEER, false)).toBe('unmatched-response');
    expect(ev.responses).toEqual([]);
    expect(tx.state).toBe(InviteClientState.Calling);
    tx.close();
  });

  it('keeps a CANCEL with its INVITE branch apart: 200 (CANCEL) and 487 (INVITE) go to their own transactions', () => {
    const h = setup();
    const invite = request('INVITE', { branch: 'z9hG4bKcancelme' });
    const inv = h.layer.sendRequest(invite, PEER, false);
    const invEv = clientEvents(inv);
    h.layer.receive(response(invite, 180, 'b1'), PEER, false);
    const cancel = request('CANCEL', { branch: 'z9hG4bKcancelme' });
    const can = h.layer.sendRequest(cancel, PEER, false);
    const canEv = clientEvents(can);
    expect(h.layer.size.client).toBe(2);
    h.layer.receive(response(cancel, 200, 'b1'), PEER, false);
    expect(canEv.responses).toEqual([200]);
    expect(invEv.responses).toEqual([180]);
    h.layer.receive(response(invite, 487, 'b1'), PEER, false);
    expect(invEv.responses).toEqual([180, 487]);
    expect(canEv.responses).toEqual([200]);
    h.clock.advance(60_000);
    expect(h.layer.size).toEqual({ client: 0, server: 0 });
  });

  it('refuses ACK, a request without an RFC 3261 branch and a duplicate branch', () => {
    const h = setup();
    expect(() => h.layer.sendRequest(request('ACK'), PEER, false)).toThrow(TransactionError);
    expect(() => h.layer.sendRequest(request('OPTIONS', { branch: null }), PEER, false)).toThrow(/branch/);
    expect(() => h.layer.sendRequest(request('OPTIONS', { branch: 'z9hG4bK' }), PEER, false)).toThrow(/branch/);
    h.layer.sendRequest(request('OPTIONS'), PEER, false);
    try {
      h.layer.sendRequest(request('OPTIONS'), PEER, false);
      expect.unreachable();
    } catch (e) {
      expect((e as TransactionError).code).toBe('SIP_TX_EXISTS');
    }
  });
});

describe('INVITE server transaction (RFC 3261 §17.2.1, RFC 6026)', () => {
  it('hands a new INVITE to the TU once, absorbs retransmissions, and sends 100 Trying after 200 ms', () => {
    const h = setup();
    const invite = request('INVITE');
    expect(h.layer.receive(invite, PEER, false)).toBe('request');
    expect(h.requests).toHaveLength(1);
    const tx = h.requests[0]!;
    expect(tx.kind).toBe('invite-server');
    expect(tx.state).toBe(InviteServerState.Proceeding);
    expect(h.layer.receive(request('INVITE'), PEER, false)).toBe('retransmission');
    expect(h.sent).toHaveLength(0); // nothing to re-send yet
    h.clock.advance(199);
    expect(h.sent).toHaveLength(0);
    h.clock.advance(1);
    expect(h.labels()).toEqual(['100']);
    expect((h.sent[0]!.msg as SipResponse).to?.tag).toBeUndefined(); // no To tag on a 100 (§8.2.6.2)
    expect(h.sent[0]!.target).toBe(PEER);
    // A retransmission in Proceeding re-sends the latest provisional.
    h.layer.receive(request('INVITE'), PEER, false);
    expect(h.labels()).toEqual(['100', '100']);
    tx.reply(180);
    h.layer.receive(request('INVITE'), PEER, false);
    expect(h.labels()).toEqual(['100', '100', '180', '180']);
    expect(h.requests).toHaveLength(1);
    tx.close();
  });

  it('sends no automatic 100 when the TU answers within 200 ms', () => {
    const h = setup();
    h.layer.receive(request('INVITE'), PEER, false);
    h.clock.advance(50);
    h.requests[0]!.reply(180);
    h.clock.advance(1_000);
    expect(h.labels()).toEqual(['180']);
    h.layer.close();
  });

  it('retransmits a non-2xx final on Timer G (doubling to T2) and gives up on Timer H', () => {
    const h = setup();
    h.layer.receive(request('INVITE'), PEER, false);
    const tx = h.requests[0]!;
    let timeouts = 0;
    tx.handlers = { timeout: () => timeouts++ };
    tx.reply(486);
    expect(tx.state).toBe(InviteServerState.Completed);
    h.clock.advance(31_999);
    expect(h.times('486')).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(timeouts).toBe(0);
    h.clock.advance(1);
    expect(timeouts).toBe(1);
    expect(tx.state).toBe(InviteServerState.Terminated);
    expect(h.layer.size.server).toBe(0);
  });

  it('re-sends the final on a retransmitted INVITE, goes Confirmed on the ACK, absorbs ACKs, ends on Timer I', () => {
    const h = setup();
    h.layer.receive(request('INVITE'), PEER, false);
    const tx = h.requests[0]!;
    const res = tx.reply(404);
    const toTag = res.to?.tag;
    expect(toTag).toBeDefined();
    h.clock.advance(100);
    h.layer.receive(request('INVITE'), PEER, false);
    expect(h.times('404')).toEqual([0, 100]);
    expect(h.layer.receive(request('ACK', { toTag }), PEER, false)).toBe('retransmission');
    expect(tx.state).toBe(InviteServerState.Confirmed);
    expect(h.acks).toEqual([]); // the ACK of a non-2xx stays in the transaction
    expect(h.layer.receive(request('ACK', { toTag }), PEER, false)).toBe('retransmission');
    h.clock.advance(10_000);
    expect(h.times('404')).toEqual([0, 100]); // G stopped
    expect(tx.state).toBe(InviteServerState.Terminated); // I = T4 = 5 s
    expect(h.layer.size.server).toBe(0);
  });

  it('does not retransmit over a reliable transport and ends on the ACK at once (Timer I = 0)', () => {
    const h = setup();
    h.layer.receive(request('INVITE'), PEER, true);
    const tx = h.requests[0]!;
    const res = tx.reply(480);
    h.clock.advance(10_000);
    expect(h.times('480')).toEqual([0]);
    h.layer.receive(request('ACK', { toTag: res.to?.tag }), PEER, true);
    expect(tx.state).toBe(InviteServerState.Terminated);
    expect(h.layer.size.server).toBe(0);
  });

  it('enters Accepted on a 2xx: absorbs INVITE retransmissions, passes the TU 2xx retransmissions and the ACK, ends on Timer L', () => {
    const h = setup();
    h.layer.receive(request('INVITE'), PEER, false);
    const tx = h.requests[0]!;
    const ok = tx.reply(200);
    expect(tx.state).toBe(InviteServerState.Accepted);
    h.clock.advance(500);
    expect(h.layer.receive(request('INVITE'), PEER, false)).toBe('retransmission');
    expect(h.times('200')).toEqual([0]); // absorbed, not answered: the TU retransmits 2xx (§13.3.1.4)
    expect(h.requests).toHaveLength(1);
    tx.respond(ok); // the TU's own 2xx retransmission goes through the transaction
    expect(h.times('200')).toEqual([0, 500]);
    // The ACK for a 2xx has its own branch: the TU gets it.
    expect(h.layer.receive(request('ACK', { branch: 'z9hG4bKack2xx', toTag: ok.to?.tag }), PEER, false)).toBe('ack');
    // An ACK for the 2xx carrying the INVITE's branch matches the Accepted transaction: the TU's too.
    expect(h.layer.receive(request('ACK', { toTag: ok.to?.tag }), PEER, false)).toBe('ack');
    expect(h.acks).toHaveLength(2);
    expect(() => tx.reply(486)).toThrow(TransactionError);
    h.clock.advance(64 * 500 - 500 - 1);
    expect(tx.state).toBe(InviteServerState.Accepted);
    h.clock.advance(1);
    expect(tx.state).toBe(InviteServerState.Terminated);
    expect(h.layer.size.server).toBe(0);
    // After Timer L a retransmission would be a new request (RFC 6026 keeps that window 64*T1).
  });

  it('reports a transport error on a response and terminates (§17.2.4)', () => {
    let fail = false;
    const h = setup({ failSend: () => fail });
    h.layer.receive(request('INVITE'), PEER, false);
    const tx = h.requests[0]!;
    let errors = 0;
    tx.handlers = { transportError: () => errors++ };
    fail = true;
    tx.reply(500);
    expect(errors).toBe(1);
    expect(tx.state).toBe(InviteServerState.Terminated);
    expect(h.layer.size.server).toBe(0);
  });
});

describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  it('absorbs retransmissions in Trying, re-sends the last response after, and ends on Timer J', () => {
    const h = setup();
    h.layer.receive(request('OPTIONS'), PEER, false);
    const tx = h.requests[0]!;
    expect(tx.state).toBe(NonInviteServerState.Trying);
    expect(h.layer.receive(request('OPTIONS'), PEER, false)).toBe('retransmission');
    expect(h.sent).toHaveLength(0);
    tx.reply(100);
    expect(tx.state).toBe(NonInviteServerState.Proceeding);
    h.layer.receive(request('OPTIONS'), PEER, false);
    tx.reply(200);
    expect(tx.state).toBe(NonInviteServerState.Completed);
    h.layer.receive(request('OPTIONS'), PEER, false);
    expect(h.labels()).toEqual(['100', '100', '200', '200']);
    expect(() => tx.reply(200)).toThrow(/cannot send/);
    h.clock.advance(64 * 500 - 1);
    expect(tx.state).toBe(NonInviteServerState.Completed);
    h.clock.advance(1);
    expect(tx.state).toBe(NonInviteServerState.Terminated);
    expect(h.requests).toHaveLength(1);
    expect(h.layer.size.server).toBe(0);
  });

  it('terminates at once after the final over a reliable transport (Timer J = 0)', () => {
    const h = setup();
    h.layer.receive(request('BYE', { toTag: 'x' }), PEER, true);
    const tx = h.requests[0]!;
    tx.reply(200);
    expect(tx.state).toBe(NonInviteServerState.Terminated);
    expect(h.layer.size.server).toBe(0);
  });
});

describe('server matching (RFC 3261 §17.2.3, §8.2.2.2, §9.2)', () => {
  it('gives a CANCEL its own transaction and finds the INVITE it cancels', () => {
    const h = setup();
    h.layer.receive(request('INVITE', { branch: 'z9hG4bKinv1' }), PEER, false);
    const cancel = request('CANCEL', { branch: 'z9hG4bKinv1' });
    expect(h.layer.receive(cancel, PEER, false)).toBe('request');
    expect(h.requests.map((t) => t.kind)).toEqual(['invite-server', 'non-invite-server']);
    const [inv, can] = h.requests as [ServerTransaction, ServerTransaction];
    expect(h.layer.findInviteForCancel(cancel)).toBe(inv);
    expect(h.layer.findInviteForCancel(request('CANCEL', { branch: 'z9hG4bKother' }))).toBeUndefined();
    can.reply(200);
    inv.reply(487);
    expect(inv.state).toBe(InviteServerState.Completed);
    expect(can.state).toBe(NonInviteServerState.Completed);
    h.clock.advance(64 * 500);
    expect(h.layer.size.server).toBe(0);
  });

  it('answers a merged request (same From tag, Call-ID, CSeq, other branch, no To tag) with 482', () => {
    const h = setup();
    h.layer.receive(request('INVITE', { branch: 'z9hG4bKpath1' }), PEER, false);
    expect(h.layer.receive(request('INVITE', { branch: 'z9hG4bKpath2', host: 'proxy2.example.com' }), PEER, false)).toBe('merged');
    expect(h.requests).toHaveLength(1);
    expect(h.labels()).toEqual(['482']);
    const loop = h.sent[0]!.msg as SipResponse;
    expect(loop.via?.[0]?.branch).toBe('z9hG4bKpath2');
    expect(loop.reason).toBe('Loop Detected');
    // Its retransmission is absorbed by the 482 transaction, which re-sends the 482.
    expect(h.layer.receive(request('INVITE', { branch: 'z9hG4bKpath2', host: 'proxy2.example.com' }), PEER, false)).toBe('retransmission');
    expect(h.labels()).toEqual(['482', '482']);
    // With a To tag (in-dialog) it is not a merge: a new request.
    expect(h.layer.receive(request('INVITE', { branch: 'z9hG4bKpath3', toTag: 't', seq: 1 }), PEER, false)).toBe('request');
    h.layer.close();
  });

  it('tells apart transactions with the same branch from another sent-by', () => {
    const h = setup();
    h.layer.receive(request('OPTIONS', { branch: 'z9hG4bKsame', host: 'a.example.com', callId: 'c1' }), PEER, false);
    expect(h.layer.receive(request('OPTIONS', { branch: 'z9hG4bKsame', host: 'b.example.com', callId: 'c2' }), PEER, false)).toBe('request');
    expect(h.requests).toHaveLength(2);
    h.layer.close();
  });

  it('matches RFC 2543 requests without a branch by Request-URI, tags, Call-ID, CSeq and top Via; their ACK by the response To tag', () => {
    const h = setup();
    const legacy = { branch: null } as const;
    h.layer.receive(request('INVITE', legacy), PEER, false);
    expect(h.layer.receive(request('INVITE', legacy), PEER, false)).toBe('retransmission');
    expect(h.layer.receive(request('INVITE', { ...legacy, fromTag: 'other' }), PEER, false)).toBe('request');
    expect(h.layer.receive(request('INVITE', { ...legacy, uri: 'sip:carol@biloxi.example.com', callId: 'zz' }), PEER, false)).toBe('request');
    expect(h.requests).toHaveLength(3);
    const tx = h.requests[0]!;
    const res = tx.reply(486);
    // An ACK with a To tag that is not the response's does not match.
    expect(h.layer.receive(request('ACK', { ...legacy, toTag: 'nottheone' }), PEER, false)).toBe('ack');
    expect(tx.state).toBe(InviteServerState.Completed);
    expect(h.layer.receive(request('ACK', { ...legacy, toTag: res.to?.tag }), PEER, false)).toBe('retransmission');
    expect(tx.state).toBe(InviteServerState.Confirmed);
    h.layer.close();
    expect(h.layer.size).toEqual({ client: 0, server: 0 });
  });

  it('drops a request it cannot key (no CSeq)', () => {
    const h = setup();
    const m = parse('OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: q\r\n\r\n');
    expect(h.layer.receive(m, PEER, false)).toBe('dropped');
    expect(h.requests).toHaveLength(0);
  });
});

describe('guarded transitions', () => {
  it('the tables refuse illegal moves', () => {
    expect(canTransition(INVITE_CLIENT_TRANSITIONS, InviteClientState.Calling, InviteClientState.Accepted)).toBe(true);
    expect(canTransition(INVITE_CLIENT_TRANSITIONS, InviteClientState.Completed, InviteClientState.Proceeding)).toBe(false);
    expect(canTransition(INVITE_CLIENT_TRANSITIONS, InviteClientState.Accepted, InviteClientState.Completed)).toBe(false);
    expect(canTransition(NON_INVITE_CLIENT_TRANSITIONS, NonInviteClientState.Proceeding, NonInviteClientState.Trying)).toBe(false);
    expect(canTransition(INVITE_SERVER_TRANSITIONS, InviteServerState.Confirmed, InviteServerState.Completed)).toBe(false);
    expect(canTransition(INVITE_SERVER_TRANSITIONS, InviteServerState.Accepted, InviteServerState.Confirmed)).toBe(false);
    expect(canTransition(NON_INVITE_SERVER_TRANSITIONS, NonInviteServerState.Completed, NonInviteServerState.Proceeding)).toBe(false);
    // Terminated is final in all four machines.
    expect(INVITE_CLIENT_TRANSITIONS[InviteClientState.Terminated]).toEqual([]);
    expect(NON_INVITE_CLIENT_TRANSITIONS[NonInviteClientState.Terminated]).toEqual([]);
    expect(INVITE_SERVER_TRANSITIONS[InviteServerState.Terminated]).toEqual([]);
    expect(NON_INVITE_SERVER_TRANSITIONS[NonInviteServerState.Terminated]).toEqual([]);
    try {
      assertTransition('INVITE server transaction', INVITE_SERVER_TRANSITIONS, InviteServerState.Terminated, InviteServerState.Proceeding);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TransactionError);
      expect((e as TransactionError).code).toBe('SIP_TX_ILLEGAL_TRANSITION');
    }
  });

  it('a transaction refuses what its state forbids', () => {
    const h = setup();
    h.layer.receive(request('INVITE'), PEER, false);
    const tx = h.requests[0]!;
    tx.reply(486);
    expect(() => tx.reply(200)).toThrow(TransactionError);
    expect(() => tx.reply(180)).toThrow(/cannot send a 180/);
    tx.close();
    expect(() => tx.reply(180)).toThrow(TransactionError);
  });
});

describe('close()', () => {
  it('terminates everything, cancels every timer, is safe to repeat, and drops later input', () => {
    const h = setup();
    const c1 = h.layer.sendRequest(request('INVITE', { branch: 'z9hG4bKc1' }), PEER, false);
    const c2 = h.layer.sendRequest(request('OPTIONS', { branch: 'z9hG4bKc2' }), PEER, false);
    const ev = clientEvents(c1);
    h.layer.receive(request('INVITE', { branch: 'z9hG4bKs1' }), PEER, false);
    h.layer.receive(request('MESSAGE', { branch: 'z9hG4bKs2' }), PEER, false);
    h.requests[1]!.reply(200);
    expect(h.layer.size).toEqual({ client: 2, server: 2 });
    const before = h.sent.length;
    h.layer.close();
    h.layer.close();
    c1.close();
    expect(h.layer.size).toEqual({ client: 0, server: 0 });
    expect(ev.terminated).toBe(1);
    expect(c2.state).toBe(NonInviteClientState.Terminated);
    expect(c1.runningTimers()).toEqual([]);
    h.clock.advance(120_000);
    expect(h.sent.length).toBe(before);
    expect(ev.timeouts).toBe(0);
    expect(h.layer.receive(request('OPTIONS', { branch: 'z9hG4bKlate' }), PEER, false)).toBe('dropped');
    expect(() => h.layer.sendRequest(request('OPTIONS', { branch: 'z9hG4bKlate' }), PEER, false)).toThrow(TransactionError);
  });
});

describe('robustness', () => {
  it('mints unique RFC 3261 branches', () => {
    const a = newBranch();
    expect(a.startsWith('z9hG4bK')).toBe(true);
    expect(a.length).toBeGreaterThan(7);
    expect(newBranch()).not.toBe(a);
    // A branch we mint survives a trip through the parser.
    const req = request('OPTIONS', { branch: a });
    expect(req.via?.[0]?.branch).toBe(a);
  });

  it('a TU callback that throws does not break the layer or the transaction', () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    const sent: SipMessage[] = [];
    const layer = new TransactionLayer({
      clock,
      send: (m) => sent.push(m),
      onRequest: () => {
        throw new Error('TU bug');
      },
      onError: (e) => errors.push(e),
    });
    expect(layer.receive(request('OPTIONS'), PEER, false)).toBe('request');
    expect(errors).toHaveLength(1);
    const invite = request('INVITE', { branch: 'z9hG4bKthrow' });
    const tx = layer.sendRequest(invite, PEER, true, {
      response: () => {
        throw new Error('TU bug');
      },
    });
    layer.receive(response(invite, 500, 't'), PEER, true);
    expect(tx.state).toBe(InviteClientState.Terminated);
    expect(sent.map((m) => (m.kind === 'request' ? m.method : m.status))).toEqual(['INVITE', 'ACK']);
    layer.close();
    expect(layer.size).toEqual({ client: 0, server: 0 });
  });
});
