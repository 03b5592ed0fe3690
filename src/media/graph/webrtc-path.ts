/**
 * A browser leg's packet path: RTP decrypted by werift comes in as parsed fields and is handed to
 * the leg as a plain RTP packet; what the leg sends is parsed back into fields for werift to
 * encrypt (DTLS-SRTP, RFC 5764). ICE finds the peer, so the SDP address is ignored, and werift
 * keeps RTCP to itself, so the leg's RTCP path goes nowhere.
 */
import type { Endpoint, FlowStats } from '../protocol.js';
import { newRtpHeader, parseRtp, writeRtpHeader } from '../rtp/index.js';
import type { WebRtcLeg } from '../webrtc/index.js';
import { emptyFlow, type PacketPath } from './flow.js';

export class WebRtcPath implements PacketPath {
  onPacket: (msg: Buffer, now: number) => void = () => undefined;
  readonly stats: FlowStats = emptyFlow();
  private readonly hdr = newRtpHeader();

  constructor(
    readonly leg: WebRtcLeg,
    private readonly fallback: Endpoint,
    now: () => number,
  ) {
    leg.onRtp((p) => {
      const buf = Buffer.allocUnsafe(12 + p.payload.length);
      writeRtpHeader(buf, 0, { marker: p.marker, payloadType: p.payloadType, sequence: p.sequence, timestamp: p.timestamp, ssrc: p.ssrc });
      buf.set(p.payload, 12);
      this.stats.packetsIn++;
      this.stats.bytesIn += buf.length;
      this.onPacket(buf, now());
    });
  }

  get canSend(): boolean {
    return this.leg.connectionState === 'connected';
  }

  send(msg: Uint8Array): void {
    const h = this.hdr;
    if (!this.canSend || !parseRtp(msg, h)) {
      this.stats.unsent++;
      return;
    }
    const payload = Buffer.from(msg.buffer, msg.byteOffset + h.payloadOffset, h.payloadLength);
    this.leg.sendRtp({ payloadType: h.payloadType, sequence: h.sequence, timestamp: h.timestamp, marker: h.marker, payload });
    this.stats.packetsOut++;
    this.stats.bytesOut += msg.length;
  }

  setPeer(): void {
    // ICE chose the peer (RFC 8445); the c= line of a browser's SDP says nothing useful.
  }

  local(): Endpoint {
    return this.leg.stats().selectedPair?.local ?? this.fallback;
  }

  close(): Promise<void> {
    return this.leg.close();
  }
}

/** RTCP of a browser leg: werift sends and receives it inside DTLS-SRTP, so ours goes nowhere. */
export class NoPath implements PacketPath {
  onPacket: (msg: Buffer, now: number) => void = () => undefined;
  readonly stats: FlowStats = emptyFlow();
  readonly canSend = false;
  constructor(private readonly at: Endpoint) {}
  send(): void {}
  setPeer(): void {}
  local(): Endpoint {
    return this.at;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
