/**
 * One party's media: an RTP socket and its RTCP socket (port + 1), locked to the negotiated peer.
 *
 * A leg is either transparent or anchored:
 * - transparent (no payload given, or a codec we do not decode): packets, RTCP included, are
 *   forwarded to the partner untouched, as a plain relay would (SRTP and unknown codecs survive);
 * - anchored (G.711 negotiated): the leg terminates RTP and RTCP. It sends with its own SSRC,
 *   sequence and timestamps, so what it sends may come from the partner (forwarded without
 *   transcoding when both speak the same law), from a player, a mixer or a DTMF sender, and the
 *   far end sees one continuous stream (RFC 3550 §5.1). It sends its own sender/receiver reports
 *   (§6.4) and keeps per-leg quality. It decodes into a jitter buffer only while something needs
 *   the audio (a recorder, a mixer, a partner of the other law), so a plain call costs a header
 *   rewrite per packet.
 */
import { randomBytes } from 'node:crypto';
import { FRAME_SAMPLES as FRAME, decodeG711, encodeG711 } from '../audio/index.js';
import type { Endpoint, FlowStats, LegQuality, PayloadSpec } from '../protocol.js';
import {
  DtmfReceiver,
  DtmfSender,
  JitterBuffer,
  ReceiverStats,
  buildCompound,
  buildReceiverReport,
  buildSdesCname,
  buildSenderReport,
  estimateMos,
  isRtcpPacketType,
  ntpFromUnixMs,
  ntpMiddle32,
  ntpMiddle32FromUnixMs,
  parseRtcp,
  parseRtp,
  roundTripMs,
  writeRtpHeader,
  type RtpHeader,
} from '../rtp/index.js';
import type { PacketPath } from './flow.js';
import { GraphNode } from './node.js';

/** A module constant, not the re-exported binding: read in per-sample loops (a getter under tsx). */
const FRAME_SAMPLES = FRAME;

/** A source of 20 ms frames that replaces what a leg would otherwise send (prompt, tone, mix). */
export interface FrameSource {
  /** Fill `out` (160 samples); false once the source has ended (out is then silence). */
  next(out: Int16Array): boolean;
}

export interface LegEvents {
  dtmf(leg: RtpLeg, digit: string, durationMs: number): void;
  playDone(leg: RtpLeg, playId: string): void;
}

/** RTCP every 5 s on average, randomised 0.5–1.5 × so that legs do not report in lockstep (RFC 3550 §6.2, §6.3.5). */
const RTCP_INTERVAL_TICKS = 250;
const TELEPHONE_EVENT_CLOCK = 8000;

let pendingRandom = randomBytes(0);
function random32(): number {
  if (pendingRandom.length < 4) pendingRandom = randomBytes(4096);
  const v = pendingRandom.readUInt32BE(0);
  pendingRandom = pendingRandom.subarray(4);
  return v;
}

export class RtpLeg extends GraphNode {
  /** Set by whoever bridges this leg: where its packets go when both are passthrough-compatible. */
  partner: RtpLeg | null = null;
  payload: PayloadSpec | null = null;

  // Output (what this leg sends to its peer).
  readonly ssrc = random32();
  private seq = random32() & 0xffff;
  private nextTs = random32();
  private lastSendMs = -1;
  private srcSsrc: number | null = null;
  private tsOffset = 0;
  private markNext = true;
  private override: { source: FrameSource; id: string } | null = null;
  /** A mixer's output for this tick (set by the conference in the mix phase). */
  mixOut: Int16Array | null = null;
  /** When true the partner's frames are decoded and re-encoded (different laws). */
  transcodeFrom: RtpLeg | null = null;
  private readonly dtmfTx = new DtmfSender(TELEPHONE_EVENT_CLOCK);
  private dtmfTs = 0;
  private sentPackets = 0;
  private sentOctets = 0;
  /** What this leg sent in the current tick, decoded, for a recorder's "heard" channel. */
  private outTap: JitterBuffer | null = null;
  readonly outFrame = new Int16Array(FRAME_SAMPLES);
  outState: 'audio' | 'concealed' | 'silence' = 'silence';

  // Input (what the peer sends).
  private readonly hdr: RtpHeader = { version: 0, padding: false, extension: false, csrcCount: 0, marker: false, payloadType: 0, sequence: 0, timestamp: 0, ssrc: 0, payloadOffset: 0, payloadLength: 0 };
  private remoteSsrc: number | null = null;
  private rx = new ReceiverStats(8000);
  private readonly dtmfRx = new DtmfReceiver();
  private inJb: JitterBuffer | null = null;
  private readonly scratch = new Int16Array(4096);
  readonly inFrame = new Int16Array(FRAME_SAMPLES);
  inState: 'audio' | 'concealed' | 'silence' = 'silence';
  /** Consumers of decoded input (recorder, mixer, transcoding partner): the jitter buffer lives while > 0. */
  private inUsers = 0;
  private outUsers = 0;
  /** Drop the peer's audio instead of forwarding it (muted, or on hold). */
  muted = false;

  // RTCP and quality.
  private rtcpDueTick = 0;
  private ticks = 0;
  private rttMs: number | null = null;
  private remoteLoss: { fraction: number; cumulative: number; jitter: number } | null = null;
  private unknownPayload = 0;
  private rtcpInvalid = 0;
  private readonly cname: string;

  constructor(
    readonly id: string,
    readonly rtp: PacketPath,
    readonly rtcp: PacketPath,
    readonly events: LegEvents,
    private readonly wallMs: () => number = () => Date.now(),
  ) {
    super();
    this.cname = `hotline-${id.slice(0, 8)}@media`;
    rtp.onPacket = (msg, now) => this.onRtp(msg, now);
    rtcp.onPacket = (msg, now) => this.onRtcp(msg, now);
    this.rtcpDueTick = Math.floor(RTCP_INTERVAL_TICKS * (0.5 + Math.random()));
  }

  get anchored(): boolean {
    return this.payload !== null && this.payload.codec !== 'opaque';
  }

  get local(): Endpoint {
    return this.rtp.local();
  }

  setPayload(p: PayloadSpec | null): void {
    this.payload = p;
  }

  /** Whether this leg can forward the partner's packets without transcoding. */
  private sameLaw(other: RtpLeg): boolean {
    return this.payload?.codec === other.payload?.codec;
  }

  // ---- input ----

  private onRtp(msg: Buffer, now: number): void {
    const partner = this.partner;
    if (!this.anchored) {
      // Transparent relay: forward as is (the partner decides whether it can carry it).
      if (partner && !partner.anchored && !this.muted) partner.rtp.send(msg);
      else if (partner) this.rtp.stats.unsent++;
      return;
    }
    // A tick that fell due while packets were queued runs before this one is handled.
    this.scheduler?.poll();
    // RTCP multiplexed on the RTP port (RFC 5761 §4): told apart by its packet type.
    if (isRtcpPacketType(msg[1]!)) return this.onRtcp(msg, now);
    const h = this.hdr;
    if (!parseRtp(msg, h)) {
      this.rtp.stats.invalid++;
      return;
    }
    if (h.ssrc !== this.remoteSsrc) {
      // A new source (RFC 3550 §8.2: e.g. the phone restarted its stream): its numbering starts afresh.
      this.remoteSsrc = h.ssrc;
      this.rx = new ReceiverStats(8000);
      this.inJb?.reset();
    }
    this.rx.onPacket(h.sequence, h.timestamp, now);
    const p = this.payload!;
    if (h.payloadType === p.dtmfPt) {
      const ev = this.dtmfRx.onPacket(h.timestamp, msg.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength), h.marker, now);
      if (ev) this.events.dtmf(this, ev.digit, ev.durationMs);
      if (partner && !this.muted) partner.forward(msg, h, 'dtmf');
      return;
    }
    if (h.payloadType !== p.pt) {
      // Comfort noise (RFC 3389) and anything not negotiated: not audio we can use.
      this.unknownPayload++;
      return;
    }
    if (this.inJb) {
      const n = Math.min(h.payloadLength, this.scratch.length);
      decodeG711(msg.subarray(h.payloadOffset, h.payloadOffset + n), p.codec as 'pcmu' | 'pcma', this.scratch, 0, n);
      this.inJb.push(h.timestamp, this.scratch, n, now, h.marker);
    }
    if (partner && !this.muted) partner.forward(msg, h, 'audio');
  }

  private onRtcp(msg: Buffer, now: number): void {
    const partner = this.partner;
    if (!this.anchored) {
      if (partner && !partner.anchored) partner.rtcp.send(msg);
      return;
    }
    const packets = parseRtcp(msg);
    if (!packets) {
      this.rtcpInvalid++;
      this.rtcp.stats.invalid++;
      return;
    }
    const arrivalNtp = ntpMiddle32FromUnixMs(this.wallMs());
    for (const pk of packets) {
      if (pk.kind === 'sr') this.rx.onSenderReport(ntpMiddle32(pk.ntpMsw, pk.ntpLsw), now);
      if (pk.kind === 'sr' || pk.kind === 'rr') {
        for (const b of pk.reports) {
          if (b.ssrc !== this.ssrc) continue;
          const rtt = roundTripMs(b, arrivalNtp);
          if (rtt !== null && rtt >= 0 && rtt < 10_000) this.rttMs = rtt;
          this.remoteLoss = { fraction: b.fractionLost / 256, cumulative: b.cumulativeLost, jitter: b.jitter };
        }
      }
    }
  }

  /** Decoded input is needed by one more consumer (or one fewer). */
  useInput(delta: 1 | -1): void {
    this.inUsers = Math.max(0, this.inUsers + delta);
    if (this.inUsers > 0 && !this.inJb) this.inJb = new JitterBuffer({ minDelayMs: 20, maxDelayMs: 200, clockRate: 8000 });
    if (this.inUsers === 0) this.inJb = null;
  }

  useOutput(delta: 1 | -1): void {
    this.outUsers = Math.max(0, this.outUsers + delta);
    if (this.outUsers > 0 && !this.outTap) this.outTap = new JitterBuffer({ minDelayMs: 20, maxDelayMs: 100, clockRate: 8000 });
    if (this.outUsers === 0) this.outTap = null;
  }

  // ---- output ----

  /** RTP timestamp for "now": continues from the last packet by the time elapsed since it. */
  private resync(now: number): void {
    if (this.lastSendMs >= 0) {
      const elapsed = Math.max(0, Math.round(((now - this.lastSendMs) * 8000) / 1000 / FRAME_SAMPLES) * FRAME_SAMPLES);
      this.nextTs = (this.nextTs + Math.max(0, elapsed - FRAME_SAMPLES)) >>> 0;
    }
  }

  /** A packet of the partner's, re-stamped as ours (same law: no transcoding). */
  forward(msg: Buffer, h: RtpHeader, kind: 'audio' | 'dtmf'): void {
    if (!this.anchored) {
      this.rtp.stats.unsent++;
      return;
    }
    const src = this.partner;
    if (this.override || this.mixOut || this.transcodeFrom || this.dtmfTx.busy || !src || !this.sameLaw(src)) return;
    const p = this.payload!;
    const pt = kind === 'dtmf' ? p.dtmfPt : p.pt;
    if (pt === null) return; // the peer did not negotiate telephone-event: its DTMF is lost to it
    const now = performance.now();
    if (this.srcSsrc !== h.ssrc) {
      this.resync(now);
      this.tsOffset = (this.nextTs - h.timestamp) >>> 0;
      this.srcSsrc = h.ssrc;
      this.markNext = true;
    }
    const ts = (h.timestamp + this.tsOffset) >>> 0;
    const marker = h.marker || (this.markNext && kind === 'audio');
    this.markNext = false;
    // Only the fixed header is ours to rewrite; the first octet keeps the sender's P, X and CC bits
    // so that its CSRC list, extension and padding still parse (RFC 3550 §5.1, §5.3.1).
    const first = msg[0]!;
    writeRtpHeader(msg, 0, { marker, payloadType: pt, sequence: this.seq, timestamp: ts, ssrc: this.ssrc });
    msg[0] = first;
    this.seq = (this.seq + 1) & 0xffff;
    this.rtp.send(msg);
    this.sentPackets++;
    this.sentOctets += h.payloadLength;
    this.lastSendMs = now;
    if (kind === 'audio') {
      this.nextTs = (ts + h.payloadLength) >>> 0;
      if (this.outTap) {
        const n = Math.min(h.payloadLength, this.scratch.length);
        decodeG711(msg.subarray(h.payloadOffset, h.payloadOffset + n), p.codec as 'pcmu' | 'pcma', this.scratch, 0, n);
        this.outTap.push(ts, this.scratch, n, now, marker);
      }
    }
  }

  /** Play a source instead of the partner's audio until it ends or is stopped. */
  play(id: string, source: FrameSource): void {
    this.override = { source, id };
    this.srcSsrc = null;
  }

  stopPlay(): string | null {
    const id = this.override?.id ?? null;
    this.override = null;
    this.srcSsrc = null; // forwarding resumes with a fresh timestamp offset
    return id;
  }

  get playing(): string | null {
    return this.override?.id ?? null;
  }

  sendDtmf(digits: string): void {
    this.dtmfTx.queue(digits);
  }

  /** Phase 1: this tick's input frame. */
  pull(now: number): void {
    if (this.inJb) this.inState = this.inJb.pop(this.inFrame, now);
    else this.inState = 'silence';
    if (this.outTap) this.outState = this.outTap.pop(this.outFrame, now);
  }

  private readonly genFrame = new Int16Array(FRAME_SAMPLES);

  /** Phase 3: what this leg generates (DTMF, a prompt, a mix, transcoded audio), and RTCP. */
  push(now: number): void {
    this.ticks++;
    if (this.anchored) {
      this.pollDtmf(now);
      this.sendGenerated(now);
      if (this.ticks >= this.rtcpDueTick) {
        this.rtcpDueTick = this.ticks + Math.floor(RTCP_INTERVAL_TICKS * (0.5 + Math.random()));
        this.sendReport(now);
      }
    }
  }

  private pollDtmf(now: number): void {
    const ev = this.dtmfRx.poll(now);
    if (ev) this.events.dtmf(this, ev.digit, ev.durationMs);
  }

  private sendGenerated(now: number): void {
    const p = this.payload!;
    if (this.dtmfTx.busy && p.dtmfPt !== null) {
      const pkt = this.dtmfTx.next();
      if (pkt) {
        if (pkt.newEvent) {
          this.resync(now);
          this.dtmfTs = this.nextTs;
        }
        this.sendPacket(p.dtmfPt, pkt.marker, this.dtmfTs, pkt.payload, now);
      }
      // Audio pauses during the event (RFC 4733 §2.5.1.1 leaves it to the sender); time still runs.
      this.nextTs = (this.nextTs + FRAME_SAMPLES) >>> 0;
      this.srcSsrc = null;
      return;
    }
    let frame: Int16Array | null = null;
    if (this.override) {
      frame = this.genFrame;
      if (!this.override.source.next(frame)) {
        const id = this.override.id;
        this.override = null;
        this.srcSsrc = null;
        this.events.playDone(this, id);
        return;
      }
    } else if (this.mixOut) frame = this.mixOut;
    else if (this.transcodeFrom) frame = this.transcodeFrom.muted ? this.genFrame.fill(0) : this.transcodeFrom.inFrame;
    if (!frame) return;
    if (this.lastSendMs < 0 || this.srcSsrc !== null) {
      this.resync(now);
      this.markNext = true;
    }
    this.srcSsrc = null;
    const out = Buffer.allocUnsafe(12 + FRAME_SAMPLES);
    encodeG711(frame, p.codec as 'pcmu' | 'pcma', out, 0, FRAME_SAMPLES, 12);
    const ts = this.nextTs;
    this.sendPacket(p.pt, this.markNext, ts, null, now, out);
    this.markNext = false;
    this.nextTs = (ts + FRAME_SAMPLES) >>> 0;
    this.outTap?.push(ts, frame, FRAME_SAMPLES, now, false);
  }

  private sendPacket(pt: number, marker: boolean, ts: number, payload: Uint8Array | null, now: number, prebuilt?: Buffer): void {
    const buf = prebuilt ?? Buffer.allocUnsafe(12 + payload!.length);
    if (payload) buf.set(payload, 12);
    writeRtpHeader(buf, 0, { marker, payloadType: pt, sequence: this.seq, timestamp: ts, ssrc: this.ssrc });
    this.seq = (this.seq + 1) & 0xffff;
    this.rtp.send(buf);
    this.sentPackets++;
    this.sentOctets += buf.length - 12;
    this.lastSendMs = now;
  }

  /** A compound SR (if we sent since the last one) or RR, with SDES CNAME (RFC 3550 §6.1). */
  private sendReport(now: number): void {
    if (!this.rtcp.canSend) return;
    const blocks = this.remoteSsrc !== null && this.rx.received > 0 ? [this.rx.reportBlock(this.remoteSsrc, now)] : [];
    const ntp = ntpFromUnixMs(this.wallMs());
    const first =
      this.sentPackets > 0
        ? buildSenderReport({ ssrc: this.ssrc, ntpMsw: ntp.msw, ntpLsw: ntp.lsw, rtpTimestamp: this.nextTs, packetCount: this.sentPackets, octetCount: this.sentOctets }, blocks)
        : buildReceiverReport(this.ssrc, blocks);
    this.rtcp.send(buildCompound([first, buildSdesCname(this.ssrc, this.cname)]));
  }

  quality(): LegQuality {
    const rx = this.rx;
    const expected = rx.expected;
    const lossPercent = expected > 0 ? (Math.max(0, rx.lost) / expected) * 100 : 0;
    const jitterMs = rx.jitterMs;
    const codec = this.payload?.codec === 'pcma' ? 'pcma' : 'pcmu';
    return {
      packetsIn: rx.received,
      packetsOut: this.sentPackets,
      lost: Math.max(0, rx.lost),
      lossPercent: round2(lossPercent),
      jitterMs: round2(jitterMs),
      rttMs: this.rttMs === null ? null : round2(this.rttMs),
      remoteLossPercent: this.remoteLoss ? round2(this.remoteLoss.fraction * 100) : null,
      mos: this.anchored && rx.received > 0 ? round2(estimateMos({ lossPercent, jitterMs, rttMs: this.rttMs ?? 0, codec })) : null,
      unknownPayload: this.unknownPayload,
      rtcpInvalid: this.rtcpInvalid,
    };
  }

  flowStats(): { rtp: FlowStats; rtcp: FlowStats } {
    return { rtp: structuredClone(this.rtp.stats), rtcp: structuredClone(this.rtcp.stats) };
  }

  /** Set by the owner that registered this leg with a scheduler, so closing unregisters it. */
  scheduler: { delete(t: RtpLeg): void; poll(): void } | null = null;

  protected override detach(): void {
    this.scheduler?.delete(this);
    this.partner = null;
    this.override = null;
    this.mixOut = null;
    this.transcodeFrom = null;
  }

  protected async dispose(): Promise<void> {
    await Promise.all([this.rtp.close(), this.rtcp.close()]);
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;
