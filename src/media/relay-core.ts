/**
 * A call's media as it runs inside a worker: two legs, a and b, bridged. RTP that side a accepts
 * from its peer goes out of side b to b's peer, and the reverse. How depends on what was negotiated
 * (see graph/leg.ts): untouched for opaque payloads, re-stamped for G.711 of the same law,
 * transcoded between µ-law and A-law. On top of the bridge: a prompt or tone played to one side
 * instead of the other party (hold music), DTMF sent to a side, a side muted, and a two-channel
 * recording (customer left, what the customer hears right).
 */
import { MediaError } from './errors.js';
import type { GraphContext } from './graph/context.js';
import { Flow, MIN_RTCP, MIN_RTP } from './graph/flow.js';
import { RtpLeg, type LegEvents } from './graph/leg.js';
import { GraphNode } from './graph/node.js';
import type { TickTarget } from './graph/scheduler.js';
import { bindAll, checkPeer } from './graph/sockets.js';
import type { PeerSpec, PlaySpec, RecordingResult, RelayStats, Side, SideStats } from './protocol.js';
import { WavRecorder } from './record/index.js';
import type { IceServer, WebRtcLeg } from './webrtc/index.js';
import { NoPath, WebRtcPath } from './graph/webrtc-path.js';

/** Where a browser leg binds its ICE socket (two ports of the engine's range, werift wants a range). */
export interface WebRtcBind {
  host: string;
  ports: [number, number];
  iceServers: IceServer[];
}

export { RELATCH_AFTER_MS } from './graph/flow.js';

/** A leg in a worker, with the family its sockets were bound for (peers must match it). */
export async function openLeg(id: string, host: string, port: number, ctx: GraphContext): Promise<{ leg: RtpLeg; family: 4 | 6 }> {
  const { sockets, family } = await bindAll(host, [port, port + 1]);
  const now = () => ctx.now();
  const leg = new RtpLeg(id, new Flow(sockets[0]!, MIN_RTP, now), new Flow(sockets[1]!, MIN_RTCP, now), legEvents(ctx));
  return { leg, family };
}

/** Leg ids are `<owner>/<side or member>`, so notices can say whose leg spoke. */
const ownerOf = (legId: string) => legId.slice(0, legId.lastIndexOf('/'));
const sideOf = (legId: string) => legId.slice(legId.lastIndexOf('/') + 1);

/** Apply a checked peer to a leg and (un)register it with the scheduler as it becomes (un)anchored. */
export function applyPeer(leg: RtpLeg, peer: PeerSpec, family: 4 | 6, ctx: GraphContext): void {
  const p = checkPeer(peer, family);
  leg.rtp.setPeer(p.ip, p.rtpPort);
  leg.rtcp.setPeer(p.ip, p.rtcpPort);
  if (peer.payload !== undefined) leg.setPayload(p.payload);
  leg.scheduler = ctx.scheduler;
  if (leg.anchored && !leg.closed) ctx.scheduler.add(leg);
  else ctx.scheduler.delete(leg);
}

/**
 * werift is loaded with the first browser leg of a worker, not at start: it costs some 30 MB per
 * worker that a server without browser agents never needs. Under tsx (tests, `npm run dev`) the
 * worker runs as CommonJS, where only `require` reaches TypeScript sources; from dist/ it is ESM.
 */
let webrtc: Promise<typeof import('./webrtc/index.js')> | null = null;
function loadWebRtc(): Promise<typeof import('./webrtc/index.js')> {
  webrtc ??= typeof require === 'function' ? Promise.resolve(require('./webrtc/index.js') as typeof import('./webrtc/index.js')) : import('./webrtc/index.js');
  return webrtc;
}

/** A werift leg whose transport state is reported as `leg-state` notices of `owner`/`key`. */
export async function newWebRtcLeg(owner: string, key: string, bind: WebRtcBind, ctx: GraphContext): Promise<WebRtcLeg> {
  const notify = (state: string, reason?: string) => ctx.notify({ type: 'leg-state', owner, side: key, state, ...(reason ? { reason } : {}) });
  const { WebRtcLeg } = await loadWebRtc();
  return WebRtcLeg.create({
    host: bind.host,
    portRange: bind.ports,
    iceServers: bind.iceServers,
    onEvent: (e) => (e.type === 'connected' ? notify('connected') : e.type === 'failed' ? notify('failed', e.reason) : notify(e.by === 'peer' ? 'closed' : 'released')),
  });
}

/** A negotiated werift leg as an anchored RTP leg of the graph (PCMU, its telephone-event), ticking. */
export function wrapWebRtc(id: string, w: WebRtcLeg, host: string, events: LegEvents, ctx: GraphContext): RtpLeg {
  const pts = w.negotiated;
  if (!pts) throw new MediaError('MEDIA_WEBRTC_FAILED', 'the browser leg negotiated no payload types');
  const at = { address: host, port: 0 };
  const leg = new RtpLeg(id, new WebRtcPath(w, at, () => ctx.now()), new NoPath(at), events);
  leg.scheduler = ctx.scheduler;
  leg.setPayload({ codec: 'pcmu', pt: pts.pcmu, dtmfPt: pts.telephoneEvent ?? null });
  ctx.scheduler.add(leg);
  return leg;
}

/** The events of legs owned by `owner`: notices to the main thread, by leg id `<owner>/<side>`. */
export function legEvents(ctx: GraphContext): LegEvents {
  return {
    dtmf: (l, digit, durationMs) => ctx.notify({ type: 'dtmf', owner: ownerOf(l.id), side: sideOf(l.id), digit, durationMs }),
    playDone: (l, playId) => ctx.notify({ type: 'play-done', owner: ownerOf(l.id), side: sideOf(l.id), playId }),
  };
}

export function sideStats(leg: RtpLeg): SideStats {
  const f = leg.flowStats();
  return { ...f.rtp, rtcp: f.rtcp, quality: leg.anchored ? leg.quality() : null };
}

class CallRecording implements TickTarget {
  constructor(
    readonly recorder: WavRecorder,
    readonly customer: RtpLeg,
  ) {}

  record(): void {
    // Left: what the customer says; right: what the customer hears (the agent, prompts, hold music).
    this.recorder.write(this.customer.inFrame, this.customer.outFrame);
  }
}

export class RelayCore extends GraphNode {
  private readonly legs: Record<Side, RtpLeg>;
  private transcoding = false;
  /** Browser legs offered to forks of a call, until one answers (key: the fork). */
  private readonly offered = new Map<string, WebRtcLeg>();
  private recording: CallRecording | null = null;

  private constructor(
    readonly id: string,
    a: RtpLeg,
    b: RtpLeg,
    private readonly family: 4 | 6,
    private readonly ctx: GraphContext,
  ) {
    super();
    this.legs = { a: this.adopt(a), b: this.adopt(b) };
    a.partner = b;
    b.partner = a;
  }

  /** Bind RTP on each even port and RTCP on port + 1, on `host`; all four or none. */
  static async open(id: string, host: string, ports: { a: number; b: number }, ctx: GraphContext): Promise<RelayCore> {
    const a = await openLeg(`${id}/a`, host, ports.a, ctx);
    let b;
    try {
      b = await openLeg(`${id}/b`, host, ports.b, ctx);
    } catch (e) {
      await a.leg.close();
      throw e;
    }
    return new RelayCore(id, a.leg, b.leg, a.family, ctx);
  }

  private live(): void {
    if (this.closed) throw new MediaError('MEDIA_RELAY_CLOSED', `relay ${this.id} is closed`);
  }

  private leg(side: Side): RtpLeg {
    this.live();
    const l = side === 'a' || side === 'b' ? this.legs[side] : undefined;
    if (!l) throw new MediaError('MEDIA_BAD_REQUEST', `side must be 'a' or 'b', not ${String(side)}`);
    return l;
  }

  private anchoredLeg(side: Side, what: string): RtpLeg {
    const l = this.leg(side);
    if (!l.anchored) throw new MediaError('MEDIA_BAD_REQUEST', `${what} needs G.711 negotiated on side ${side}`);
    return l;
  }

  setPeer(side: Side, peer: PeerSpec): void {
    const leg = this.leg(side);
    applyPeer(leg, peer, this.family, this.ctx);
    this.rebridge();
  }

  /** Hotline offers a browser leg (a fork of an incoming call to an agent's browser). */
  async webrtcOffer(key: string, bind: WebRtcBind): Promise<string> {
    this.live();
    if (this.offered.has(key)) throw new MediaError('MEDIA_BAD_REQUEST', `a browser leg ${key} exists`);
    const leg = await this.newWebRtc(key, bind);
    this.offered.set(key, leg);
    try {
      return await leg.createOffer();
    } catch (e) {
      this.offered.delete(key);
      await leg.close();
      throw e;
    }
  }

  /** The browser answered the offer of `key`: its leg becomes `side`; the other offers are dropped. */
  async webrtcAnswer(side: Side, key: string, sdp: string, bind: Pick<WebRtcBind, 'host'>): Promise<void> {
    this.live();
    const leg = this.offered.get(key);
    if (!leg) throw new MediaError('MEDIA_NOT_FOUND', `no browser leg ${key}`);
    this.offered.delete(key);
    try {
      await leg.setAnswer(sdp);
    } catch (e) {
      await leg.close();
      throw e;
    }
    this.install(side, key, leg, bind.host);
    for (const [k, other] of [...this.offered]) {
      this.offered.delete(k);
      void other.close();
    }
  }

  /** The browser offered (an agent dials out): its leg becomes `side`, and our answer is returned. */
  async webrtcAccept(side: Side, key: string, offerSdp: string, bind: WebRtcBind): Promise<string> {
    this.live();
    const leg = await this.newWebRtc(key, bind);
    let answer: string;
    try {
      answer = await leg.answer(offerSdp);
    } catch (e) {
      await leg.close();
      throw e;
    }
    this.install(side, key, leg, bind.host);
    return answer;
  }

  async webrtcDrop(key: string): Promise<void> {
    const leg = this.offered.get(key);
    this.offered.delete(key);
    await leg?.close();
  }

  private newWebRtc(key: string, bind: WebRtcBind): Promise<WebRtcLeg> {
    return newWebRtcLeg(this.id, key, bind, this.ctx);
  }

  /** A negotiated browser leg takes the place of side `side`'s RTP leg (which stays bound, idle, until the call ends). */
  private install(side: Side, key: string, w: WebRtcLeg, host: string): void {
    const leg = wrapWebRtc(`${this.id}/${side}`, w, host, this.legs[side].events, this.ctx);
    this.adopt(leg);
    const old = this.legs[side];
    const other = side === 'a' ? this.legs.b : this.legs.a;
    this.unbridge();
    old.partner = null;
    this.ctx.scheduler.delete(old);
    this.legs[side] = leg;
    leg.partner = other;
    other.partner = leg;
    this.rebridge();
    void key;
  }

  private unbridge(): void {
    if (!this.transcoding) return;
    const { a, b } = this.legs;
    this.transcoding = false;
    a.transcodeFrom = null;
    b.transcodeFrom = null;
    a.useInput(-1);
    b.useInput(-1);
  }

  /** µ-law on one side and A-law on the other: decode each side's input for the other to encode. */
  private rebridge(): void {
    const { a, b } = this.legs;
    const need = a.anchored && b.anchored && a.payload!.codec !== b.payload!.codec;
    if (need === this.transcoding) return;
    this.transcoding = need;
    a.transcodeFrom = need ? b : null;
    b.transcodeFrom = need ? a : null;
    a.useInput(need ? 1 : -1);
    b.useInput(need ? 1 : -1);
  }

  async play(side: Side, playId: string, spec: PlaySpec): Promise<void> {
    const leg = this.anchoredLeg(side, 'playing');
    const source = await this.ctx.prompts.source(spec);
    this.live();
    leg.play(playId, source);
  }

  stopPlay(side: Side): void {
    this.leg(side).stopPlay();
  }

  sendDtmf(side: Side, digits: string): void {
    const leg = this.anchoredLeg(side, 'DTMF');
    if (leg.payload!.dtmfPt === null) throw new MediaError('MEDIA_BAD_REQUEST', `side ${side} did not negotiate telephone-event`);
    if (!/^[0-9*#A-D]{1,32}$/.test(digits)) throw new MediaError('MEDIA_BAD_REQUEST', `bad DTMF digits ${JSON.stringify(digits)}`);
    leg.sendDtmf(digits);
  }

  mute(side: Side, muted: boolean): void {
    this.leg(side).muted = muted;
  }

  async startRecording(path: string, customer: Side): Promise<void> {
    const leg = this.anchoredLeg(customer, 'recording');
    if (this.recording) throw new MediaError('MEDIA_BAD_REQUEST', `relay ${this.id} is already recording`);
    const recorder = await WavRecorder.open(path);
    if (this.closed) {
      await recorder.close().catch(() => undefined);
      throw new MediaError('MEDIA_RELAY_CLOSED', `relay ${this.id} closed while the recording started`);
    }
    leg.useInput(1);
    leg.useOutput(1);
    this.recording = new CallRecording(recorder, leg);
    this.ctx.scheduler.add(this.recording);
  }

  recordingControl(action: 'pause' | 'resume'): void {
    this.live();
    if (!this.recording) throw new MediaError('MEDIA_NOT_FOUND', `relay ${this.id} is not recording`);
    if (action === 'pause') this.recording.recorder.pause();
    else this.recording.recorder.resume();
  }

  async stopRecording(): Promise<RecordingResult | null> {
    const rec = this.recording;
    if (!rec) return null;
    this.recording = null;
    this.ctx.scheduler.delete(rec);
    rec.customer.useInput(-1);
    rec.customer.useOutput(-1);
    try {
      return await rec.recorder.close();
    } catch (e) {
      this.ctx.notify({ type: 'recording-failed', owner: this.id, error: (e as Error).message });
      throw e;
    }
  }

  stats(): RelayStats {
    return { a: sideStats(this.legs.a), b: sideStats(this.legs.b) };
  }

  protected override detach(): void {
    this.legs.a.partner = null;
    this.legs.b.partner = null;
    for (const w of this.offered.values()) void w.close();
    this.offered.clear();
  }

  protected async dispose(): Promise<void> {
    // A recording still open when the call goes is finished properly (header, checksum).
    await this.stopRecording().catch(() => undefined);
  }
}
