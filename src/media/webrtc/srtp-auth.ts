/**
 * SRTP/SRTCP authentication (RFC 3711 §4.2) for AES_CM_128_HMAC_SHA1_80. werift 0.22.9 decrypts
 * without checking the tag (and the RTCP index E-bit trusts the sender), so anyone who reaches the
 * port could inject packets; this check runs before werift sees the datagram.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const TAG = 10; // HMAC-SHA1-80: 80-bit tag (RFC 3711 §5.2)
const SRTCP_INDEX = 4;

/** The part of werift's SRTP context this check reads. */
export interface SrtpContextLike {
  srtpSessionAuthTag: Buffer;
  srtcpSessionAuthTag: Buffer;
  srtpSSRCStates: Record<number, { rolloverCounter: number } | undefined>;
}

/** RTP header length (fixed part, CSRCs, extension), or -1 when it does not fit (RFC 3550 §5.1). */
export function rtpHeaderLength(b: Buffer): number {
  if (b.length < 12 || b[0]! >> 6 !== 2) return -1;
  let n = 12 + (b[0]! & 0x0f) * 4;
  if (b[0]! & 0x10) {
    if (b.length < n + 4) return -1;
    n += 4 + b.readUInt16BE(n + 2) * 4;
  }
  return n <= b.length ? n : -1;
}

function tagOk(key: Buffer, data: Buffer, tag: Buffer, roc?: number): boolean {
  const h = createHmac('sha1', key).update(data);
  if (roc !== undefined) {
    const r = Buffer.alloc(4);
    r.writeUInt32BE(roc >>> 0);
    h.update(r);
  }
  return timingSafeEqual(h.digest().subarray(0, TAG), tag);
}

/**
 * True when an SRTP packet's tag is right. The rollover counter is estimated from the receiver's
 * state (RFC 3711 §3.3.1): the current one, or one either side of it near a wrap.
 */
export function srtpAuthentic(ctx: SrtpContextLike, packet: Buffer): boolean {
  const hl = rtpHeaderLength(packet);
  if (hl < 0 || packet.length < hl + TAG) return false;
  const body = packet.subarray(0, packet.length - TAG);
  const tag = packet.subarray(packet.length - TAG);
  const roc = ctx.srtpSSRCStates[packet.readUInt32BE(8)]?.rolloverCounter ?? 0;
  for (const r of [roc, roc + 1, roc - 1]) {
    if (r >= 0 && tagOk(ctx.srtpSessionAuthTag, body, tag, r)) return true;
  }
  return false;
}

/** True when an SRTCP packet's tag (over the packet and its E|index word) is right (RFC 3711 §3.4). */
export function srtcpAuthentic(ctx: SrtpContextLike, packet: Buffer): boolean {
  if (packet.length < 8 + SRTCP_INDEX + TAG || packet[0]! >> 6 !== 2) return false;
  return tagOk(ctx.srtcpSessionAuthTag, packet.subarray(0, packet.length - TAG), packet.subarray(packet.length - TAG));
}

/** RTCP or RTP by the second byte (RFC 5761 §4: RTCP packet types 192..223 with rtcp-mux). */
export function isRtcp(b: Buffer): boolean {
  return b.length >= 2 && b[1]! >= 192 && b[1]! <= 223;
}
