/**
 * The back-to-back user agent for calls between seats (SPEC C10). The caller's INVITE ends at an
 * A-leg dialog we answer; every registered device of the callee gets its own INVITE (a B-leg
 * fork); the first to answer wins and the rest are cancelled (RFC 3261 §9.1, §16.7 item 10 by
 * analogy). Audio is anchored on a relay: each side's SDP is rewritten to point at it.
 *
 * Mid-call requests are mirrored: a re-INVITE or UPDATE (hold, RFC 3264 §8.4) from one side goes
 * to the other with its SDP rewritten, and the answer comes back the same way; BYE from either
 * side ends both legs.
 */
import { AppError, newId, type EventBus, type TimerHandle } from '../../kit/index.js';
import {
  SipHeaders,
  SipRequest,
  createResponse,
  newBranch,
  type ClientTransaction,
  type InviteServerTransaction,
  type ServerTransaction,
  type SipResponse,
} from '../../sip/index.js';
import { Dialog, newCallId, newTag, type Flow } from '../dialog/dialog.js';
import type { Binding, Seat } from '../seats/types.js';
import { CallState, assertCallTransition, type CallView, type EndReason } from './call.js';
import type { CallMedia, CallRelay, PlaySource, RecordingResult, RoomConference, RoomMember, SideQuality, SipCore } from './ports.js';
import { LegOrigin, SdpError, chooseG711, localAnswer, negotiatedPayloads, plainAudioSdp, readOffer, type NegotiatedPayload } from './sdp.js';
import { answerDirection } from '../../sdp/index.js';
import { parseInfoDtmf } from './dtmf-info.js';

/** How long the callee's devices ring before the caller gets 480 (no answer). */
export const RING_TIMEOUT_MS = 60_000;
const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO';
/** Hotline's id of a call, in the INVITEs and answers it sends, for the parties' own API calls. */
export const CALL_ID_HEADER = 'X-Hotline-Call-Id';

export interface B2buaDeps {
  core: SipCore;
  media: CallMedia;
  events: EventBus;
  /** The callee seat for a dialled number in a tenant, or null. */
  findSeat(tenantId: string, number: string): Promise<Seat | null>;
  bindingsOf(seatId: string): readonly Binding[];
  log?: (msg: string, data?: object) => void;
  ringTimeoutMs?: number;
  /** What a party hears while the other holds the call (default: silence). */
  holdMusic?: PlaySource;
  /** Ringback a browser caller hears while the callee rings (a browser plays none of its own). */
  ringback?: PlaySource;
  /** Where a call's recording goes (a directory per tenant is the caller's choice). */
  recordingPath?: (call: Call) => string;
  /** Whether a dialled number is a conference room of the tenant (callers dial in and are mixed). */
  isRoom?: (tenantId: string, number: string) => boolean;
  /** Every finished call, with its media quality per side and its recordings (for the call log). */
  onCallEnded?: (call: Call, media: { quality: { a: SideQuality | null; b: SideQuality | null } | null; recordings: RecordingResult[] }) => void;
  /** The announcement a tenant plays to all parties before a recording starts (a WAV path), if any. */
  recordingNotice?: (tenantId: string) => Promise<string | null>;
}

type ForkState = 'calling' | 'proceeding' | 'answered' | 'failed' | 'cancelled';

interface Fork {
  id: string;
  binding: Binding;
  flow: Flow;
  invite: SipRequest;
  tx: ClientTransaction;
  state: ForkState;
  /** A CANCEL is owed once a provisional arrives (§9.1: not before). */
  cancelPending: boolean;
  status: number | null;
  dialog: Dialog | null;
  /** A browser over SIP-over-WebSocket: offered a WebRTC leg of its own (RFC 7118, RFC 8827). */
  webrtc: boolean;
  /** The WebRTC offer sent to it. */
  offer: Buffer | null;
}

/** A 2xx to an INVITE we are retransmitting until its ACK arrives (RFC 3261 §13.3.1.4). */
interface PendingAck {
  res: SipResponse;
  flow: Flow;
  /** The 2xx answered an offerless re-INVITE with our offer: the ACK carries the side's answer. */
  answerFrom?: 'a' | 'b';
  interval: number;
  timer: TimerHandle | null;
  deadline: TimerHandle;
}

/** A re-INVITE or UPDATE crossing the call: the side it came from, and its server transaction. */
interface Offer {
  from: 'a' | 'b';
  tx: ServerTransaction;
}

export class Call {
  readonly id = newId();
  state = CallState.Routing;
  endReason: EndReason | null = null;
  status: number | null = null;
  readonly startedAt: number;
  answeredAt: number | null = null;
  endedAt: number | null = null;
  relay: CallRelay | null = null;
  readonly forks = new Map<string, Fork>();
  /** The A-leg dialog, once we sent 200 to the caller. */
  aDialog: Dialog | null = null;
  /** The winning fork. */
  bFork: Fork | null = null;
  /** Our o= toward each side. */
  readonly originA = new LegOrigin();
  readonly originB = new LegOrigin();
  audioA = 0;
  audioB = 0;
  ringTimer: TimerHandle | null = null;
  readonly pendingAcks = new Map<string, PendingAck>();
  offer: Offer | null = null;
  readonly aLocalTag: string;
  /** The seats this call keeps busy (caller and callee). */
  readonly seats = new Set<string>();
  /** The users of those seats. */
  readonly users = new Set<string>();
  /** What each side negotiated, once answered; anchored (G.711) calls can be held with music and recorded. */
  payloads: { a: NegotiatedPayload; b: NegotiatedPayload } | null = null;
  /** The side that put the call on hold (its party hears nothing, the other hears music). */
  heldBy: 'a' | 'b' | null = null;
  recording: 'off' | 'on' | 'paused' = 'off';
  readonly recordings: RecordingResult[] = [];
  /** The caller is a browser: its WebRTC leg (side a) and the answer it gets from that leg. */
  browserA: { key: string; answer: Buffer } | null = null;
  /** Hotline is playing ringback to the caller (early media of its own, RFC 3960). */
  ringback = false;
  /** A call into a conference room: its place in the mix (no B leg). */
  room: { key: string; member: RoomMember } | null = null;

  constructor(
    readonly tenantId: string,
    readonly caller: Seat,
    readonly calleeNumber: string,
    readonly aTx: InviteServerTransaction,
    readonly aFlow: Flow,
    now: number,
  ) {
    this.startedAt = now;
    this.aLocalTag = newTag();
  }

  transition(to: CallState): void {
    assertCallTransition(this.state, to);
    this.state = to;
  }

  view(): CallView {
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return {
      id: this.id,
      tenantId: this.tenantId,
      state: this.state,
      from: this.caller.number,
      to: this.calleeNumber,
      startedAt: new Date(this.startedAt).toISOString(),
      answeredAt: iso(this.answeredAt),
      endedAt: iso(this.endedAt),
      endReason: this.endReason,
      status: this.status,
      heldBy: this.heldBy === 'a' ? 'caller' : this.heldBy === 'b' ? 'callee' : null,
      recording: this.recording,
    };
  }
}

interface Room {
  conf: Promise<RoomConference>;
  members: number;
  /** Member id → the call, for the conference's notices. */
  calls: Map<string, Call>;
}

export class B2bua {
  private readonly calls = new Set<Call>();
  /** Conference rooms with callers in them, by tenant and number. */
  private readonly rooms = new Map<string, Room>();
  /** Dialog lookups: `callId\0localTag` → call and side. */
  private readonly dialogs = new Map<string, { call: Call; side: 'a' | 'b' }>();
  /** Calls each seat is in (busy detection). */
  private readonly bySeat = new Map<string, Set<Call>>();
  /** Forks by their INVITE's Call-ID, for 2xx retransmissions after the transaction ended. */
  private readonly forksByCallId = new Map<string, { call: Call; fork: Fork }>();
  private readonly ringTimeoutMs: number;
  /** 2xx responses waiting for their ACK, by Call-ID and CSeq: which call they belong to. */
  private readonly awaitingAck = new Map<string, Call>();

  constructor(private readonly deps: B2buaDeps) {
    this.ringTimeoutMs = deps.ringTimeoutMs ?? RING_TIMEOUT_MS;
  }

  get activeCalls(): CallView[] {
    return [...this.calls].map((c) => c.view());
  }

  /** Whether a seat is in a call (ringing or talking). */
  busy(seatId: string): boolean {
    return (this.bySeat.get(seatId)?.size ?? 0) > 0;
  }

  /** A new, authenticated INVITE from `caller` (no To tag). */
  async invite(tx: InviteServerTransaction, flow: Flow, caller: Seat): Promise<void> {
    const req = tx.request;
    const core = this.deps.core;
    const uri = req.requestUri;
    const number = uri.ok && uri.value.kind === 'sip' ? uri.value.user : uri.ok && uri.value.kind === 'tel' ? uri.value.number : undefined;
    const call = new Call(caller.tenantId, caller, number ?? '', tx, flow, core.clock.now());
    this.calls.add(call);
    this.track(call, caller.id);
    if (caller.userId) call.users.add(caller.userId);
    this.publish(call, 'call.started');
    tx.handlers = {
      transportError: () => this.end(call, 'unreachable'),
    };
    try {
      if (!number) return this.fail(call, 404, 'not-found', 'Not Found');
      const callee = await this.deps.findSeat(caller.tenantId, number);
      // Cancelled while the seat was looked up: the call is over, and must not mark the callee busy.
      if (call.state === CallState.Ended) return;
      if (!callee && this.deps.isRoom?.(caller.tenantId, number) && this.deps.media.createConference) return await this.joinRoom(call, number);
      if (!callee || !callee.enabled) return this.fail(call, 404, 'not-found', 'Not Found');
      const bindings = this.deps.bindingsOf(callee.id);
      if (bindings.length === 0) return this.fail(call, 486, 'unregistered', 'Busy Here', `seat ${number} is not registered`);
      if (this.busy(callee.id)) return this.fail(call, 486, 'busy', 'Busy Here', `seat ${number} is in a call`);
      this.track(call, callee.id);
      if (callee.userId) call.users.add(callee.userId);

      const offer = this.callerOffer(call);
      if (!offer) return;
      // The caller's side is known from the offer: set it with the allocation (one round trip
      // to the media worker instead of two).
      const browser = isWebRtc(offer.sdp, offer.audio);
      const peerA = offer.endpoint.hold || browser ? undefined : { address: offer.endpoint.address, rtpPort: offer.endpoint.port, rtcpPort: offer.endpoint.rtcpPort };
      call.relay = await this.deps.media.createRelay(peerA ? { a: peerA } : {});
      if ((call.state as CallState) === CallState.Ended) {
        void call.relay.close();
        return;
      }
      call.relay.onNotice((n) => {
        if (n.type === 'dtmf') this.publish(call, 'call.dtmf', { digit: n.digit, durationMs: n.durationMs, by: n.side === 'a' ? 'caller' : 'callee', via: 'rfc4733' });
        // The browser's media died (ICE/DTLS failure, consent lost): the call cannot go on.
        const browserSide = n.type === 'leg-state' && (call.bFork?.id === n.side || call.browserA?.key === n.side);
        if (n.type === 'leg-state' && browserSide && (n.state === 'failed' || n.state === 'closed') && call.state === CallState.Answered) {
          this.deps.log?.('browser media ended', { call: call.id, state: n.state, reason: n.reason });
          this.hangup(call, null, 'error');
        }
      });
      call.audioA = offer.audio;
      if ((call.state as CallState) === CallState.Ended) return; // cancelled meanwhile; end() closed the relay
      let body: Buffer;
      if (browser) {
        // An agent dialling from the browser: its WebRTC leg answers it, and the callee is offered
        // plain G.711 by Hotline (the browser's ICE and DTLS mean nothing beyond its own leg).
        const key = newId();
        const answer = await call.relay.webrtcAccept('a', key, req.body.toString('utf8'));
        if ((call.state as CallState) === CallState.Ended) return;
        call.browserA = { key, answer: Buffer.from(answer, 'utf8') };
        body = call.originB.again(plainAudioSdp({ address: this.deps.media.address, port: call.relay.b.port, payload: { codec: 'pcmu', pt: 0, dtmfPt: 101 }, direction: 'sendrecv' }));
        call.audioB = 0;
      } else {
        body = call.originB.render(offer.sdp, offer.audio, this.deps.media.address, call.relay.b.port);
        call.audioB = offer.audio;
      }
      call.transition(CallState.Ringing);
      const maxForwards = Math.max(0, (req.maxForwards ?? 70) - 1);
      if (maxForwards === 0) return this.fail(call, 483, 'error', 'Too Many Hops');
      const fromTag = newTag();
      for (const b of bindings) {
        if (b.transport !== 'ws' && b.transport !== 'wss') {
          this.fork(call, callee, b, body, fromTag, maxForwards);
          continue;
        }
        // A browser gets its own WebRTC leg (ICE, DTLS-SRTP, PCMU): the caller's SDP means nothing to it.
        const key = newId();
        try {
          const sdp = Buffer.from(await call.relay.webrtcOffer(key), 'utf8');
          if ((call.state as CallState) === CallState.Ended) return;
          this.fork(call, callee, b, sdp, fromTag, maxForwards, key);
        } catch (e) {
          this.deps.log?.('browser leg could not be offered', { err: String(e) });
        }
      }
      if (call.forks.size === 0) return this.fail(call, 480, 'unreachable', 'Temporarily Unavailable', 'no device of the seat can take the call');
      call.ringTimer = core.clock.setTimeout(() => this.ringTimeout(call), this.ringTimeoutMs);
    } catch (e) {
      this.deps.log?.('call setup failed', { err: String(e) });
      if (call.state !== CallState.Ended) this.fail(call, 500, 'error', 'Server Internal Error');
    }
  }

  /** CANCEL for a caller's INVITE (RFC 3261 §9.2): 200 to the CANCEL is the server's; we end the call. */
  /** Whether the INVITE belongs to a call here (false: it is still being authenticated, or unknown). */
  cancel(inviteTx: InviteServerTransaction): boolean {
    const call = [...this.calls].find((c) => c.aTx === inviteTx);
    if (!call) return false;
    if (call.state === CallState.Answered || call.state === CallState.Ended) return true;
    this.fail(call, 487, 'cancelled', 'Request Terminated');
    return true;
  }

  /** A request with a To tag: find its dialog, or answer 481 (RFC 3261 §12.2.2). */
  inDialog(tx: ServerTransaction, flow: Flow): boolean {
    const req = tx.request;
    const key = `${req.callId}\u0000${req.to?.tag}`;
    const found = this.dialogs.get(key);
    if (!found) return false;
    const { call, side } = found;
    const dialog = side === 'a' ? call.aDialog : call.bFork?.dialog;
    if (!dialog || !dialog.matches(req)) return false;
    if (!dialog.acceptRemoteSeq(req)) {
      tx.reply(500, { reason: 'Server Internal Error', headers: [['Retry-After', '1']] });
      return true;
    }
    // The peer's transport may have changed (a new TCP connection): follow it.
    dialog.flow = flow;
    switch (req.method) {
      case 'BYE':
        tx.reply(200);
        this.hangup(call, side);
        return true;
      case 'INVITE':
      case 'UPDATE':
        void this.reoffer(call, side, tx);
        return true;
      case 'OPTIONS':
        tx.reply(200, { headers: [['Allow', ALLOW]] });
        return true;
      case 'INFO': {
        // DTMF over INFO (application/dtmf-relay, application/dtmf): decoded, reported, and sent
        // on to the other party as RFC 4733 events when it negotiated them. Other INFO packages
        // are accepted so the dialog stays up (RFC 6086 §4.2.2 would allow 469; phones rarely cope).
        const dtmf = parseInfoDtmf(req.headers.get('content-type') ?? '', req.body);
        tx.reply(200);
        if (dtmf && call.state === CallState.Answered) {
          this.publish(call, 'call.dtmf', { digit: dtmf.digit, durationMs: dtmf.durationMs, by: side === 'a' ? 'caller' : 'callee', via: 'info' });
          const other = side === 'a' ? 'b' : 'a';
          if (call.payloads?.[other].dtmfPt != null) void call.relay?.sendDtmf(other, dtmf.digit).catch(() => {});
        }
        return true;
      }
      default:
        tx.reply(501, { headers: [['Allow', ALLOW]] });
        return true;
    }
  }

  /** An ACK for a 2xx (ours to a caller or to a re-INVITE). */
  ack(ack: SipRequest): void {
    const key = `${ack.callId}\u0000${ack.cseq?.seq}`;
    const call = this.awaitingAck.get(key);
    const p = call?.pendingAcks.get(key);
    if (!call || !p) return;
    this.stopRetransmit(call, key);
    // RFC 3264 §4 / RFC 3261 §13.2.1: after our offer in a 2xx, the answer comes in the ACK.
    if (p.answerFrom && ack.body.length > 0 && call.relay) {
      try {
        const answer = readOffer(ack.body);
        if (!answer.endpoint.hold) void call.relay.setPeer(p.answerFrom, { address: answer.endpoint.address, rtpPort: answer.endpoint.port, rtcpPort: answer.endpoint.rtcpPort }).catch(() => {});
      } catch (e) {
        this.deps.log?.('answer in ACK unusable', { err: String(e) });
      }
    }
  }

  /** A 2xx that matched no client transaction: a retransmission to a fork we answered or dropped. */
  strayResponse(res: SipResponse): boolean {
    if (res.status < 200 || res.status >= 300 || res.cseq?.method !== 'INVITE') return false;
    const found = this.forksByCallId.get(res.callId ?? '');
    if (!found?.fork.dialog) return false;
    this.deps.core.sendStateless(found.fork.dialog.ack(res.cseq.seq), found.fork.flow);
    return true;
  }

  /** End every call (server shutdown). */
  async close(): Promise<void> {
    for (const call of [...this.calls]) {
      if (call.state === CallState.Answered) this.hangup(call, null, 'shutdown');
      else this.fail(call, 503, 'shutdown', 'Service Unavailable');
    }
  }

  // ---- B-leg forks ----

  private fork(call: Call, callee: Seat, binding: Binding, body: Buffer, fromTag: string, maxForwards: number, webrtcKey?: string): void {
    const core = this.deps.core;
    const flow: Flow = {
      transport: binding.transport,
      address: binding.sourceAddress,
      port: binding.sourcePort,
      ...(binding.connectionId ? { connectionId: binding.connectionId } : {}),
    };
    const local = core.identity(flow);
    const domain = core.domain(call.tenantId);
    const h = new SipHeaders([]);
    h.append('Via', `SIP/2.0/${flow.transport.toUpperCase()} ${local.sentBy};branch=${newBranch()};rport`);
    h.append('Max-Forwards', String(maxForwards));
    for (const p of binding.path) h.append('Route', p);
    const display = call.caller.displayName ?? call.caller.number;
    h.append('From', `${quoteDisplay(display)} <sip:${call.caller.number}@${domain}>;tag=${fromTag}`);
    h.append('To', `<sip:${callee.number}@${domain}>`);
    const callId = newCallId(local.sentBy.replace(/:\d+$/, ''));
    h.append('Call-ID', callId);
    h.append('CSeq', '1 INVITE');
    h.append('Contact', `<${local.contact}>`);
    h.append('Allow', ALLOW);
    // Lets the agent's browser phone act on the call through the API (record it).
    h.append(CALL_ID_HEADER, call.id);
    h.append('Content-Type', 'application/sdp');
    const invite = new SipRequest({ method: 'INVITE', uri: binding.contact, headers: h, body });
    const fork: Fork = {
      id: webrtcKey ?? newId(),
      binding,
      flow,
      invite,
      tx: undefined as unknown as ClientTransaction,
      state: 'calling',
      cancelPending: false,
      status: null,
      dialog: null,
      webrtc: webrtcKey !== undefined,
      offer: webrtcKey !== undefined ? body : null,
    };
    call.forks.set(fork.id, fork);
    this.forksByCallId.set(callId, { call, fork });
    try {
      fork.tx = core.request(invite, flow, {
        response: (res) => this.forkResponse(call, fork, res),
        timeout: () => this.forkFailed(call, fork, 408),
        transportError: () => this.forkFailed(call, fork, 503),
      });
    } catch {
      this.forkFailed(call, fork, 503);
    }
  }

  private forkResponse(call: Call, fork: Fork, res: SipResponse): void {
    const s = res.status;
    if (s < 200) {
      // Any provisional, 100 included, allows a CANCEL (§9.1); only 101-199 are passed to the caller.
      if (fork.state === 'calling') fork.state = 'proceeding';
      if (fork.cancelPending) return this.sendCancel(fork);
      if (s === 100) return;
      if (call.state !== CallState.Ringing && call.state !== CallState.Early) return;
      void this.forwardProvisional(call, fork, res);
      return;
    }
    if (s < 300) return void this.forkAnswered(call, fork, res);
    this.forkFailed(call, fork, s);
  }

  private async forwardProvisional(call: Call, fork: Fork, res: SipResponse): Promise<void> {
    let body: Buffer | undefined;
    // Early media (RFC 3960): the first fork that sends SDP in a 1xx gets the relay's b side.
    if (res.body.length > 0 && !call.bFork && call.relay && !fork.webrtc && !call.browserA) {
      try {
        const answer = readOffer(res.body);
        if (!answer.endpoint.hold) await call.relay.setPeer('b', { address: answer.endpoint.address, rtpPort: answer.endpoint.port, rtcpPort: answer.endpoint.rtcpPort });
        if (call.state !== CallState.Ringing && call.state !== CallState.Early) return;
        body = call.originA.render(answer.sdp, answer.audio, this.deps.media.address, call.relay.a.port);
        call.bFork = fork;
      } catch {
        body = undefined;
      }
    }
    if (call.browserA && this.deps.ringback && call.relay) {
      // A browser that dialled out hears nothing of its own while the callee rings: the engine
      // plays ringback on its leg, announced with 183 and the leg's answer (early media, RFC 3960).
      body = call.browserA.answer;
      if (!call.ringback) {
        call.ringback = true;
        await call.relay.play('a', this.deps.ringback).catch((e: unknown) => this.deps.log?.('ringback failed', { err: String(e) }));
        if (call.state !== CallState.Ringing && call.state !== CallState.Early) return;
      }
    }
    if (call.state === CallState.Ringing) call.transition(CallState.Early);
    this.publish(call, 'call.ringing');
    const status = body ? 183 : res.status === 183 ? 180 : res.status;
    try {
      call.aTx.reply(status, {
        toTag: call.aLocalTag,
        headers: [
          ['Contact', `<${this.deps.core.identity(call.aFlow).contact}>`],
          [CALL_ID_HEADER, call.id],
        ],
        ...(body ? { body, contentType: 'application/sdp' } : {}),
      });
    } catch {
      // the caller's transaction is gone (cancelled meanwhile)
    }
  }

  private async forkAnswered(call: Call, fork: Fork, res: SipResponse): Promise<void> {
    const core = this.deps.core;
    if (!fork.dialog) fork.dialog = Dialog.asUac(fork.invite, res, fork.flow, core.identity(fork.flow));
    const dialog = fork.dialog;
    // §13.2.2.4: every 2xx is ACKed, retransmissions included.
    core.sendStateless(dialog.ack(res.cseq?.seq ?? 1), fork.flow);
    if (fork.state === 'answered') return;
    fork.state = 'answered';
    if (call.state !== CallState.Ringing && call.state !== CallState.Early) {
      // Another device answered first, or the caller gave up: this one is hung up at once.
      this.sendBye(dialog, fork.flow);
      return;
    }
    call.bFork = fork; // may replace a fork that only sent early media
    this.dialogs.set(`${dialog.callId}\u0000${dialog.localTag}`, { call, side: 'b' });
    for (const other of call.forks.values()) if (other !== fork) this.cancelFork(other);
    call.ringTimer?.cancel();
    let answerBody: Buffer;
    try {
      if (!call.relay) throw new SdpError(500, 'no relay');
      answerBody = fork.webrtc ? await this.browserAnswered(call, fork, res) : await this.phoneAnswered(call, res);
    } catch (e) {
      this.deps.log?.('callee answer unusable', { err: String(e) });
      this.sendBye(dialog, fork.flow);
      this.fail(call, 488, 'media-refused', 'Not Acceptable Here');
      return;
    }
    // The caller may have cancelled while the relay was being set.
    if ((call.state as CallState) === CallState.Ended) {
      this.sendBye(dialog, fork.flow);
      return;
    }
    this.answerCaller(call, answerBody);
  }

  /** A browser answered its WebRTC offer: its leg becomes side b, and the caller gets plain G.711 from us. */
  private async browserAnswered(call: Call, fork: Fork, res: SipResponse): Promise<Buffer> {
    const relay = call.relay!;
    const offer = readOffer(call.aTx.request.body);
    const a = chooseG711(offer.sdp, offer.audio, call.browserA !== null);
    if (!a) throw new SdpError(488, 'the caller offered no G.711 for the browser leg');
    const answer = readOffer(res.body);
    const b = chooseG711(answer.sdp, answer.audio, true);
    if (!b) throw new SdpError(488, 'the browser answered without PCMU');
    await relay.webrtcAnswer('b', fork.id, res.body.toString('utf8'));
    call.payloads = { a, b };
    call.originB.adopt(fork.offer!);
    if (call.browserA) {
      if (call.ringback) await relay.stopPlay('a');
      call.originA.adopt(call.browserA.answer);
      return call.browserA.answer;
    }
    if (!offer.endpoint.hold) await relay.setPeer('a', { address: offer.endpoint.address, rtpPort: offer.endpoint.port, rtcpPort: offer.endpoint.rtcpPort, payload: a });
    return call.originA.again(plainAudioSdp({ address: this.deps.media.address, port: relay.a.port, payload: a, direction: answerDirection(offer.endpoint.direction) }));
  }

  /** A phone answered: both sides keep their SDP, anchored on the relay. */
  private async phoneAnswered(call: Call, res: SipResponse): Promise<Buffer> {
    const relay = call.relay!;
    const answer = readOffer(res.body);
    if (call.browserA) {
      // We offered the phone plain G.711; the browser already has its answer from its own leg.
      const ours = readOffer(call.originB.last!);
      const p = negotiatedPayloads(ours.sdp, ours.audio, answer.sdp, answer.audio);
      const offer = readOffer(call.aTx.request.body);
      const a = chooseG711(offer.sdp, offer.audio, true);
      if (!a || p.answerer.codec === 'opaque') throw new SdpError(488, 'the callee answered without G.711');
      call.payloads = { a, b: p.answerer };
      if (!answer.endpoint.hold) await relay.setPeer('b', { address: answer.endpoint.address, rtpPort: answer.endpoint.port, rtcpPort: answer.endpoint.rtcpPort, payload: p.answerer });
      if (call.ringback) await relay.stopPlay('a');
      call.originA.adopt(call.browserA.answer);
      return call.browserA.answer;
    }
    const offer = readOffer(call.aTx.request.body);
    const p = negotiatedPayloads(offer.sdp, offer.audio, answer.sdp, answer.audio);
    call.payloads = { a: p.offerer, b: p.answerer };
    const peer = (e: typeof answer.endpoint, payload: NegotiatedPayload) => ({ address: e.address, rtpPort: e.port, rtcpPort: e.rtcpPort, payload });
    if (!answer.endpoint.hold) await relay.setPeer('b', peer(answer.endpoint, p.answerer));
    if (!offer.endpoint.hold) await relay.setPeer('a', peer(offer.endpoint, p.offerer));
    return call.originA.render(answer.sdp, call.audioA, this.deps.media.address, relay.a.port);
  }

  /** 200 with our answer to the caller: the A-leg dialog starts (RFC 3261 §13.3.1.4). */
  private answerCaller(call: Call, answerBody: Buffer): void {
    const core = this.deps.core;
    call.transition(CallState.Answered);
    call.answeredAt = core.clock.now();
    const ok = createResponse(call.aTx.request, 200, {
      toTag: call.aLocalTag,
      headers: [
        ['Contact', `<${core.identity(call.aFlow).contact}>`],
        ['Allow', ALLOW],
        [CALL_ID_HEADER, call.id],
      ],
      body: answerBody,
      contentType: 'application/sdp',
    });
    call.aDialog = Dialog.asUas(call.aTx.request, call.aLocalTag, call.aFlow, core.identity(call.aFlow));
    this.dialogs.set(`${call.aDialog.callId}\u0000${call.aLocalTag}`, { call, side: 'a' });
    try {
      call.aTx.respond(ok);
    } catch {
      this.hangup(call, null);
      return;
    }
    this.retransmitUntilAck(call, ok, call.aFlow, 'ack-timeout');
    this.publish(call, 'call.answered');
  }

  // ---- conference rooms ----

  /** The caller's SDP offer, or null after failing the call with 488 (or 400 for bad SDP). */
  private callerOffer(call: Call): ReturnType<typeof readOffer> | null {
    const body = call.aTx.request.body;
    if (body.length === 0) {
      this.fail(call, 488, 'media-refused', 'Not Acceptable Here', 'an SDP offer is required in the INVITE');
      return null;
    }
    try {
      return readOffer(body);
    } catch (e) {
      const se = e as SdpError;
      this.fail(call, se.status ?? 488, 'media-refused', se.status === 400 ? 'Bad Request' : 'Not Acceptable Here', se.message);
      return null;
    }
  }

  /** A caller dialled a room: Hotline answers, and the caller joins the room's mix. */
  private async joinRoom(call: Call, number: string): Promise<void> {
    const req = call.aTx.request;
    const offer = this.callerOffer(call);
    if (!offer) return;
    const browser = isWebRtc(offer.sdp, offer.audio);
    const payload = chooseG711(offer.sdp, offer.audio, browser);
    if (!payload) return this.fail(call, 488, 'media-refused', 'Not Acceptable Here', 'conference rooms need G.711 (PCMU or PCMA)');
    const key = `${call.tenantId}\u0000${number}`;
    let room = this.rooms.get(key);
    if (!room) {
      const conf = this.deps.media.createConference!();
      const created: Room = { conf, members: 0, calls: new Map() };
      room = created;
      this.rooms.set(key, created);
      conf.then(
        (c) =>
          c.onNotice((n) => {
            const who = n.type === 'dtmf' ? created.calls.get(n.side) : undefined;
            if (who && n.type === 'dtmf') this.publish(who, 'call.dtmf', { digit: n.digit, durationMs: n.durationMs, by: 'caller', via: 'rfc4733' });
          }),
        () => this.rooms.get(key) === created && this.rooms.delete(key),
      );
    }
    room.members++;
    let member: RoomMember;
    try {
      const conf = await room.conf;
      const e = offer.endpoint;
      member = await conf.addMember(
        browser ? { webrtcOffer: req.body.toString('utf8') } : e.hold ? {} : { peer: { address: e.address, rtpPort: e.port, rtcpPort: e.rtcpPort, payload } },
      );
    } catch (e) {
      this.deps.log?.('conference join failed', { err: String(e) });
      void this.leaveRoom(key);
      return this.fail(call, 503, 'error', 'Service Unavailable');
    }
    room.calls.set(member.id, call);
    call.room = { key, member };
    if ((call.state as CallState) === CallState.Ended) {
      // Cancelled while joining: end() ran before the member existed.
      void this.finishRoom(call);
      return;
    }
    call.payloads = { a: payload, b: payload };
    let body: Buffer;
    if (browser && member.answer) {
      body = Buffer.from(member.answer, 'utf8');
      call.originA.adopt(body);
    } else {
      body = call.originA.again(plainAudioSdp({ address: this.deps.media.address, port: member.local.port, payload, direction: answerDirection(offer.endpoint.direction) }));
    }
    call.transition(CallState.Ringing);
    this.answerCaller(call, body);
  }

  private async leaveRoom(key: string): Promise<void> {
    const room = this.rooms.get(key);
    if (!room) return;
    room.members--;
    if (room.members > 0) return;
    this.rooms.delete(key);
    await room.conf.then((c) => c.close()).catch(() => undefined);
  }

  /** The caller left the room: its quality is read, its member removed, an empty room closed. */
  private async finishRoom(call: Call): Promise<void> {
    const r = call.room;
    if (!r) return;
    call.room = null;
    let quality: { a: SideQuality | null; b: SideQuality | null } | null = null;
    try {
      quality = { a: (await r.member.stats()).quality, b: null };
    } catch {
      // the worker is gone
    }
    await r.member.remove().catch(() => undefined);
    this.rooms.get(r.key)?.calls.delete(r.member.id);
    await this.leaveRoom(r.key);
    if (call.answeredAt !== null) this.publish(call, 'call.media', { quality, recordings: [] });
    try {
      this.deps.onCallEnded?.(call, { quality, recordings: [] });
    } catch (e) {
      this.deps.log?.('call media listener failed', { err: String(e) });
    }
  }

  /** Hold, resume or a new address from a caller in a room: answered here. */
  private async reofferRoom(call: Call, tx: ServerTransaction): Promise<void> {
    const req = tx.request;
    const room = call.room!;
    const here = call.aDialog!;
    if (req.body.length === 0) {
      const current = call.originA.last;
      if (req.method !== 'INVITE' || !current) return void tx.reply(200, { headers: [['Contact', `<${here.local.contact}>`]] });
      const ok = createResponse(req, 200, { headers: [['Contact', `<${here.local.contact}>`]], body: current, contentType: 'application/sdp' });
      tx.respond(ok);
      this.retransmitUntilAck(call, ok, here.flow, 'ack-timeout', 'a');
      return;
    }
    let offer: ReturnType<typeof readOffer>;
    try {
      offer = readOffer(req.body);
    } catch (e) {
      return void tx.reply((e as SdpError).status ?? 488);
    }
    const e = offer.endpoint;
    const holding = e.hold || e.direction === 'sendonly' || e.direction === 'inactive';
    const body = localAnswer(call.originA, e.direction);
    if (!body) return void tx.reply(488);
    try {
      if (!e.hold) await room.member.setPeer({ address: e.address, rtpPort: e.port, rtcpPort: e.rtcpPort, payload: call.payloads!.a });
      await room.member.setMode({ held: holding });
      await room.member.play(holding ? (this.deps.holdMusic ?? { kind: 'silence' }) : null);
    } catch (err) {
      this.deps.log?.('room hold failed in the media engine', { err: String(err) });
    }
    const was = call.heldBy;
    call.heldBy = holding ? 'a' : null;
    const ok = createResponse(req, 200, { headers: [['Contact', `<${here.local.contact}>`]], body, contentType: 'application/sdp' });
    try {
      tx.respond(ok);
    } catch {
      return;
    }
    if (req.method === 'INVITE') this.retransmitUntilAck(call, ok, here.flow, 'ack-timeout');
    if ((was !== null) !== holding) this.publish(call, 'call.updated', { direction: e.direction, by: 'caller', held: holding });
  }

  private forkFailed(call: Call, fork: Fork, status: number): void {
    if (fork.state === 'failed' || fork.state === 'cancelled' || fork.state === 'answered') return;
    fork.state = fork.state === 'proceeding' && fork.cancelPending ? 'cancelled' : 'failed';
    fork.status = status;
    if (call.state !== CallState.Ringing && call.state !== CallState.Early) return;
    const live = [...call.forks.values()].some((f) => f.state === 'calling' || f.state === 'proceeding');
    if (live) return;
    // Every device refused: the best response goes to the caller (RFC 3261 §16.7 item 6, simplified).
    const statuses = [...call.forks.values()].map((f) => f.status ?? 500);
    if (statuses.some((s) => s === 486 || s === 600)) return this.fail(call, 486, 'busy', 'Busy Here');
    if (statuses.some((s) => s === 603)) return this.fail(call, 603, 'declined', 'Decline');
    if (statuses.every((s) => s === 408 || s === 480 || s === 503)) return this.fail(call, 480, 'unreachable', 'Temporarily Unavailable');
    const best = Math.min(...statuses);
    this.fail(call, best >= 400 && best < 700 ? best : 480, 'error', undefined);
  }

  private cancelFork(fork: Fork): void {
    if (fork.state === 'proceeding') this.sendCancel(fork);
    else if (fork.state === 'calling') fork.cancelPending = true;
  }

  /** CANCEL (RFC 3261 §9.1): same Request-URI, Call-ID, To, From, CSeq number and top Via. */
  private sendCancel(fork: Fork): void {
    if (fork.state === 'cancelled') return;
    fork.state = 'cancelled';
    fork.cancelPending = false;
    const inv = fork.invite;
    const h = new SipHeaders([]);
    h.append('Via', inv.headers.getAll('via')[0] ?? '');
    h.append('Max-Forwards', '70');
    for (const r of inv.headers.lines('route')) h.append('Route', r);
    h.append('From', inv.headers.get('from') ?? '');
    h.append('To', inv.headers.get('to') ?? '');
    h.append('Call-ID', inv.callId ?? '');
    h.append('CSeq', `${inv.cseq?.seq ?? 1} CANCEL`);
    h.append('Reason', 'SIP;cause=200;text="Call completed elsewhere"');
    const cancel = new SipRequest({ method: 'CANCEL', uri: inv.uri, headers: h });
    try {
      this.deps.core.request(cancel, fork.flow, {});
    } catch {
      // the device is gone; its INVITE times out on its own
    }
  }

  private ringTimeout(call: Call): void {
    if (call.state !== CallState.Ringing && call.state !== CallState.Early) return;
    this.fail(call, 480, 'no-answer', 'Temporarily Unavailable', 'no answer');
  }

  // ---- mid-call ----

  /** A re-INVITE or UPDATE from `side`: mirror it to the other side (hold, resume, refresh). */
  private async reoffer(call: Call, side: 'a' | 'b', tx: ServerTransaction): Promise<void> {
    const req = tx.request;
    const core = this.deps.core;
    if (call.room && call.state === CallState.Answered && call.aDialog) return this.reofferRoom(call, tx);
    if (call.state !== CallState.Answered || !call.relay || !call.aDialog || !call.bFork?.dialog) {
      // Not answered yet (an early re-offer) or already ending: try again later (RFC 3261 §14.1).
      tx.reply(491, { reason: 'Request Pending', headers: [['Retry-After', '1']] });
      return;
    }
    // RFC 3261 §14.2: one offer at a time in each direction; glare is 491.
    if (call.offer) {
      tx.reply(491, { reason: 'Request Pending', headers: [['Retry-After', '1']] });
      return;
    }
    const here = side === 'a' ? call.aDialog : call.bFork.dialog;
    const there = side === 'a' ? call.bFork.dialog : call.aDialog;
    const thereFlow = side === 'a' ? call.bFork.flow : call.aFlow;
    const relay = call.relay;
    const hereOrigin = side === 'a' ? call.originA : call.originB;
    const thereOrigin = side === 'a' ? call.originB : call.originA;
    const herePort = side === 'a' ? relay.a.port : relay.b.port;
    const therePort = side === 'a' ? relay.b.port : relay.a.port;

    if (req.body.length === 0) {
      // A session refresh (RFC 4028) or an offerless re-INVITE: answered here, the other side is
      // not disturbed. An UPDATE gets a plain 200; a re-INVITE gets our current description as
      // the offer, and the phone's answer arrives in its ACK (RFC 3261 §14.2).
      const current = hereOrigin.last;
      if (req.method !== 'INVITE' || !current) {
        tx.reply(200, { headers: [['Contact', `<${here.local.contact}>`]] });
        return;
      }
      const ok = createResponse(req, 200, { headers: [['Contact', `<${here.local.contact}>`]], body: current, contentType: 'application/sdp' });
      tx.respond(ok);
      this.retransmitUntilAck(call, ok, here.flow, 'ack-timeout', side);
      return;
    }
    let offer: ReturnType<typeof readOffer>;
    try {
      offer = readOffer(req.body);
    } catch (e) {
      tx.reply((e as SdpError).status ?? 488);
      return;
    }
    if (this.holdLocally(call, side, offer)) {
      await this.answerHold(call, side, tx, offer, hereOrigin, here);
      return;
    }
    call.offer = { from: side, tx };
    const body = thereOrigin.render(offer.sdp, offer.audio, this.deps.media.address, therePort);
    const out = there.request(req.method, { body });
    const invite = req.method === 'INVITE';
    try {
      core.request(out, thereFlow, {
        response: (res) => {
          if (res.status < 200) return;
          if (invite && res.status < 300) core.sendStateless(there.ack(out.cseq?.seq ?? 1), thereFlow);
          if (call.offer?.tx !== tx) return; // a retransmitted 2xx, already handled
          call.offer = null;
          void this.finishOffer(call, side, tx, res, offer, hereOrigin, herePort, here);
        },
        timeout: () => this.offerFailed(call, tx, 408),
        transportError: () => this.offerFailed(call, tx, 503),
      });
    } catch {
      this.offerFailed(call, tx, 503);
    }
  }

  private async finishOffer(
    call: Call,
    side: 'a' | 'b',
    tx: ServerTransaction,
    res: SipResponse,
    offer: ReturnType<typeof readOffer>,
    hereOrigin: LegOrigin,
    herePort: number,
    here: Dialog,
  ): Promise<void> {
    const relay = call.relay;
    if (res.status >= 300 || !relay) {
      tx.reply(res.status >= 300 ? res.status : 500);
      // RFC 5057 §5.1: a 481 or 408 to a mid-dialog request means the other dialog is gone.
      if (res.status === 481 || res.status === 408) this.hangup(call, side === 'a' ? 'b' : 'a');
      return;
    }
    try {
      const answer = readOffer(res.body);
      const there = side === 'a' ? 'b' : 'a';
      if (!offer.endpoint.hold) await relay.setPeer(side, { address: offer.endpoint.address, rtpPort: offer.endpoint.port, rtcpPort: offer.endpoint.rtcpPort });
      if (!answer.endpoint.hold) await relay.setPeer(there, { address: answer.endpoint.address, rtpPort: answer.endpoint.port, rtcpPort: answer.endpoint.rtcpPort });
      const body = hereOrigin.render(answer.sdp, offer.audio, this.deps.media.address, herePort);
      const ok = createResponse(tx.request, 200, {
        headers: [['Contact', `<${here.local.contact}>`]],
        body,
        contentType: 'application/sdp',
      });
      tx.respond(ok);
      if (tx.request.method === 'INVITE') this.retransmitUntilAck(call, ok, here.flow, 'ack-timeout');
      this.publish(call, 'call.updated', { direction: offer.endpoint.direction, by: side === 'a' ? 'caller' : 'callee' });
    } catch (e) {
      this.deps.log?.('re-offer answer unusable', { err: String(e) });
      try {
        tx.reply(488);
      } catch {
        /* already answered */
      }
    }
  }

  /**
   * Hold and resume of an anchored call are answered here, not passed on: the holding party gets
   * our answer (RFC 3264 §8.4), and the other party hears hold music from the media engine instead
   * of silence, without a re-INVITE of its own. Calls whose audio is relayed untouched (other
   * codecs, SRTP) keep mirroring the offer, as before.
   */
  private holdLocally(call: Call, side: 'a' | 'b', offer: ReturnType<typeof readOffer>): boolean {
    if (!call.payloads || call.payloads.a.codec === 'opaque' || call.payloads.b.codec === 'opaque') return false;
    const holding = offer.endpoint.hold || offer.endpoint.direction === 'sendonly' || offer.endpoint.direction === 'inactive';
    if (holding) return call.heldBy === null || call.heldBy === side;
    return call.heldBy === side;
  }

  private async answerHold(call: Call, side: 'a' | 'b', tx: ServerTransaction, offer: ReturnType<typeof readOffer>, origin: LegOrigin, here: Dialog): Promise<void> {
    const relay = call.relay!;
    const other = side === 'a' ? 'b' : 'a';
    const holding = offer.endpoint.hold || offer.endpoint.direction === 'sendonly' || offer.endpoint.direction === 'inactive';
    const body = localAnswer(origin, offer.endpoint.direction);
    if (!body) {
      tx.reply(488);
      return;
    }
    try {
      if (!offer.endpoint.hold) await relay.setPeer(side, { address: offer.endpoint.address, rtpPort: offer.endpoint.port, rtcpPort: offer.endpoint.rtcpPort, payload: call.payloads![side] });
      await relay.mute(side, holding);
      if (holding && call.heldBy === null) await relay.play(other, this.deps.holdMusic ?? { kind: 'silence' });
      if (!holding) await relay.stopPlay(other);
    } catch (e) {
      this.deps.log?.('hold failed in the media engine', { err: String(e) });
    }
    const wasHeld = call.heldBy !== null;
    call.heldBy = holding ? side : null;
    const ok = createResponse(tx.request, 200, { headers: [['Contact', `<${here.local.contact}>`]], body, contentType: 'application/sdp' });
    try {
      tx.respond(ok);
    } catch {
      return;
    }
    if (tx.request.method === 'INVITE') this.retransmitUntilAck(call, ok, here.flow, 'ack-timeout');
    if (wasHeld !== holding) this.publish(call, 'call.updated', { direction: offer.endpoint.direction, by: side === 'a' ? 'caller' : 'callee', held: holding });
  }

  /** Start, pause, resume or stop the recording of an answered, anchored call. */
  async record(callId: string, tenantId: string, action: 'start' | 'pause' | 'resume' | 'stop'): Promise<CallView> {
    const call = [...this.calls].find((c) => c.id === callId && c.tenantId === tenantId);
    if (!call) throw new AppError('not_found', 'CALL_NOT_FOUND', `no live call ${callId}`);
    if (call.state !== CallState.Answered || !call.relay) throw new AppError('conflict', 'CALL_NOT_ANSWERED', 'only an answered call can be recorded');
    if (!call.payloads || call.payloads.a.codec === 'opaque' || call.payloads.b.codec === 'opaque') {
      throw new AppError('conflict', 'CALL_NOT_RECORDABLE', 'the call does not use G.711, so its audio cannot be recorded');
    }
    const relay = call.relay;
    const want = { start: ['off'], pause: ['on'], resume: ['paused'], stop: ['on', 'paused'] }[action];
    if (!want.includes(call.recording)) throw new AppError('conflict', 'CALL_RECORDING_STATE', `cannot ${action} a recording that is ${call.recording}`);
    if (action === 'start') {
      const path = this.deps.recordingPath?.(call);
      if (!path) throw new AppError('unavailable', 'RECORDING_DISABLED', 'recording is not configured');
      const notice = await this.deps.recordingNotice?.(call.tenantId);
      if (notice) await this.announce(call, relay, notice);
      if (call.state !== CallState.Answered) throw new AppError('conflict', 'CALL_NOT_ANSWERED', 'the call ended during the announcement');
      // The caller is the customer: left channel (the recording's convention), the callee right.
      await relay.startRecording(path, 'a');
      call.recording = 'on';
    } else if (action === 'pause') {
      await relay.pauseRecording();
      call.recording = 'paused';
    } else if (action === 'resume') {
      await relay.resumeRecording();
      call.recording = 'on';
    } else {
      const r = await relay.stopRecording();
      call.recording = 'off';
      if (r) call.recordings.push(r);
    }
    this.publish(call, 'call.updated', { recording: call.recording });
    return call.view();
  }

  /** Both parties hear the tenant's recording announcement (instead of each other) until it ends. */
  private async announce(call: Call, relay: CallRelay, path: string): Promise<void> {
    const ids = new Set<string>();
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const off = relay.onNotice((n) => {
      if (n.type === 'play-done' && ids.delete(n.playId) && ids.size === 0) finish();
    });
    // A party that holds the call already hears music: it is not interrupted.
    const sides = (['a', 'b'] as const).filter((s) => call.heldBy === null || s === call.heldBy);
    const timer = this.deps.core.clock.setTimeout(finish, 30_000);
    try {
      for (const side of sides) ids.add(await relay.play(side, { kind: 'file', path }));
      await done;
    } finally {
      timer.cancel();
      off();
    }
  }

  private offerFailed(call: Call, tx: ServerTransaction, status: number): void {
    if (call.offer?.tx !== tx) return;
    call.offer = null;
    try {
      tx.reply(status);
    } catch {
      /* answered meanwhile */
    }
  }

  // ---- 2xx retransmission (RFC 3261 §13.3.1.4) ----

  private retransmitUntilAck(call: Call, res: SipResponse, flow: Flow, reason: EndReason, answerFrom?: 'a' | 'b'): void {
    const core = this.deps.core;
    const key = `${res.callId}\u0000${res.cseq?.seq}`;
    const deadline = core.clock.setTimeout(() => {
      // No ACK within 64*T1: the dialog is confirmed dead (§13.3.1.4).
      this.stopRetransmit(call, key);
      if (call.state === CallState.Answered) this.hangup(call, null, reason);
    }, 64 * core.t1);
    const p: PendingAck = { res, flow, interval: core.t1, timer: null, deadline, ...(answerFrom ? { answerFrom } : {}) };
    call.pendingAcks.set(key, p);
    this.awaitingAck.set(key, call);
    if (core.reliable(flow)) return;
    const again = () => {
      p.timer = core.clock.setTimeout(() => {
        core.sendStateless(p.res, p.flow);
        p.interval = Math.min(p.interval * 2, core.t2);
        again();
      }, p.interval);
    };
    again();
  }

  private stopRetransmit(call: Call, key: string): void {
    const p = call.pendingAcks.get(key);
    if (!p) return;
    p.timer?.cancel();
    p.deadline.cancel();
    call.pendingAcks.delete(key);
    this.awaitingAck.delete(key);
  }

  // ---- ending ----

  /** BYE from `from` (or a local decision, null): BYE the other leg(s) and end the call. */
  private hangup(call: Call, from: 'a' | 'b' | null, reason?: EndReason): void {
    if (call.state === CallState.Ended) return;
    if (from !== 'a' && call.aDialog) this.sendBye(call.aDialog, call.aFlow);
    if (from !== 'b' && call.bFork?.dialog) this.sendBye(call.bFork.dialog, call.bFork.flow);
    this.end(call, reason ?? (from === 'a' ? 'caller-hangup' : from === 'b' ? 'callee-hangup' : 'error'));
  }

  private sendBye(dialog: Dialog, flow: Flow): void {
    try {
      this.deps.core.request(dialog.request('BYE'), flow, {});
    } catch {
      // the peer is unreachable; nothing more to do for a dialog that is ending
    }
  }

  /** End before answer: final response to the caller, cancel every fork. */
  private fail(call: Call, status: number, reason: EndReason, phrase?: string, why?: string): void {
    if (call.state === CallState.Ended) return;
    call.status = status;
    for (const fork of call.forks.values()) this.cancelFork(fork);
    try {
      call.aTx.reply(status, {
        toTag: call.aLocalTag,
        ...(phrase ? { reason: phrase } : {}),
        headers: why ? [['Reason', `SIP;cause=${status};text="${why.replace(/["\\\r\n]/g, '')}"`]] : [],
      });
    } catch {
      // already answered (e.g. 487 after a CANCEL raced a final) or the transaction is gone
    }
    this.end(call, reason);
  }

  private end(call: Call, reason: EndReason): void {
    if (call.state === CallState.Ended) return;
    call.transition(CallState.Ended);
    call.endReason = reason;
    call.endedAt = this.deps.core.clock.now();
    call.ringTimer?.cancel();
    for (const key of [...call.pendingAcks.keys()]) this.stopRetransmit(call, key);
    this.calls.delete(call);
    for (const seatId of call.seats) {
      const set = this.bySeat.get(seatId);
      set?.delete(call);
      if (set?.size === 0) this.bySeat.delete(seatId);
    }
    if (call.aDialog) this.dialogs.delete(`${call.aDialog.callId}\u0000${call.aDialog.localTag}`);
    if (call.bFork?.dialog) this.dialogs.delete(`${call.bFork.dialog.callId}\u0000${call.bFork.dialog.localTag}`);
    // Forks stay findable for a while so late 2xx retransmissions still get their ACK.
    const forkIds = [...call.forks.values()].map((f) => f.invite.callId ?? '');
    this.deps.core.clock.setTimeout(() => {
      for (const id of forkIds) this.forksByCallId.delete(id);
    }, 64 * this.deps.core.t1);
    const relay = call.relay;
    if (relay) void this.finishMedia(call, relay);
    if (call.room) void this.finishRoom(call);
    if (!relay && !call.room) {
      try {
        this.deps.onCallEnded?.(call, { quality: null, recordings: [] });
      } catch (e) {
        this.deps.log?.('call log listener failed', { err: String(e) });
      }
    }
    this.publish(call, 'call.ended');
  }

  /** Quality and the last recording are read before the relay goes (its ports are freed on close). */
  private async finishMedia(call: Call, relay: CallRelay): Promise<void> {
    let quality: { a: SideQuality | null; b: SideQuality | null } | null = null;
    try {
      const r = await relay.stopRecording();
      if (r) call.recordings.push(r);
      call.recording = 'off';
    } catch (e) {
      this.deps.log?.('recording could not be finished', { err: String(e) });
    }
    try {
      const st = await relay.stats();
      quality = { a: st.a.quality, b: st.b.quality };
    } catch {
      // the worker is gone: no figures for this call
    }
    await relay.close().catch(() => {});
    if (call.answeredAt !== null) this.publish(call, 'call.media', { quality, recordings: call.recordings });
    try {
      this.deps.onCallEnded?.(call, { quality, recordings: call.recordings });
    } catch (e) {
      this.deps.log?.('call media listener failed', { err: String(e) });
    }
  }

  private track(call: Call, seatId: string): void {
    call.seats.add(seatId);
    let set = this.bySeat.get(seatId);
    if (!set) this.bySeat.set(seatId, (set = new Set()));
    set.add(call);
  }

  private publish(call: Call, type: string, extra?: object): void {
    this.deps.events.publish({
      type,
      tenantId: call.tenantId,
      roles: ['owner', 'admin', 'supervisor'],
      // The agents whose seats are in the call see it live too (their phone shows recording state).
      userIds: [...call.users],
      at: new Date(this.deps.core.clock.now()).toISOString(),
      data: { call: call.view(), ...extra },
    });
  }
}

/** A browser's offer: DTLS-SRTP with ICE (RFC 8827), not something a plain RTP peer can take. */
function isWebRtc(sdp: { media: { proto: string; attributes: { name: string }[] }[]; attributes: { name: string }[] }, audio: number): boolean {
  const m = sdp.media[audio];
  if (!m) return false;
  return /SAVPF|UDP\/TLS/i.test(m.proto) || m.attributes.some((a) => a.name === 'fingerprint') || sdp.attributes.some((a) => a.name === 'fingerprint');
}

function quoteDisplay(name: string): string {
  return `"${name.replace(/["\\\r\n]/g, '')}"`;
}
