import { MediaError } from '../errors.js';

/** Fixed part of the RTP header (RFC 3550 §5.1). */
export const RTP_HEADER_BYTES = 12;

/**
 * A parsed RTP header. The caller owns one instance per stream and `parseRtp` overwrites it, so the
 * receive path allocates nothing per packet.
 */
export interface RtpHeader {
  version: number;
  padding: boolean;
  extension: boolean;
  csrcCount: number;
  marker: boolean;
  payloadType: number;
  sequence: number;
  /** uint32 */
  timestamp: number;
  /** uint32 */
  ssrc: number;
  /** Where the payload starts in the parsed buffer (after CSRCs and the extension). */
  payloadOffset: number;
  /** Payload bytes, padding excluded. */
  payloadLength: number;
}

export const newRtpHeader = (): RtpHeader => ({
  version: 0,
  padding: false,
  extension: false,
  csrcCount: 0,
  marker: false,
  payloadType: 0,
  sequence: 0,
  timestamp: 0,
  ssrc: 0,
  payloadOffset: 0,
  payloadLength: 0,
});

/**
 * Parses `buf` into `out`. Returns false, leaving `out` unspecified, for anything RFC 3550 calls
 * invalid: shorter than the fixed header, version other than 2 (§5.1), CSRC list or header extension
 * (§5.3.1) running past the end, or a padding count of 0 or larger than what follows the header
 * (§5.1, A.1).
 */
export function parseRtp(buf: Uint8Array, out: RtpHeader): boolean {
  const len = buf.length;
  if (len < RTP_HEADER_BYTES) return false;
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) return false;
  const csrcCount = b0 & 0x0f;
  let off = RTP_HEADER_BYTES + 4 * csrcCount;
  if (off > len) return false;
  const extension = (b0 & 0x10) !== 0;
  if (extension) {
    // 16-bit profile id, 16-bit length in 32-bit words not counting this 4-byte header (§5.3.1).
    if (off + 4 > len) return false;
    off += 4 + ((buf[off + 2]! << 8) | buf[off + 3]!) * 4;
    if (off > len) return false;
  }
  const padding = (b0 & 0x20) !== 0;
  let end = len;
  if (padding) {
    // The last octet counts the padding, itself included (§5.1).
    const pad = buf[len - 1]!;
    if (pad === 0 || pad > len - off) return false;
    end -= pad;
  }
  const b1 = buf[1]!;
  out.version = 2;
  out.padding = padding;
  out.extension = extension;
  out.csrcCount = csrcCount;
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequence = (buf[2]! << 8) | buf[3]!;
  out.timestamp = ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0;
  out.ssrc = ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0;
  out.payloadOffset = off;
  out.payloadLength = end - off;
  return true;
}

export interface RtpHeaderFields {
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
}

/**
 * Writes a 12-byte header (version 2, no padding, no extension, no CSRC) at `offset` and returns 12.
 * Sequence, timestamp and SSRC are taken modulo their field widths, so counters may run freely.
 */
export function writeRtpHeader(buf: Uint8Array, offset: number, h: RtpHeaderFields): number {
  if (offset < 0 || offset + RTP_HEADER_BYTES > buf.length) {
    throw new MediaError('MEDIA_BAD_REQUEST', `no room for an RTP header at offset ${offset} of ${buf.length} bytes`);
  }
  if (!(h.payloadType >= 0 && h.payloadType <= 127)) {
    throw new MediaError('MEDIA_BAD_REQUEST', `RTP payload type ${h.payloadType} is outside 0..127`);
  }
  const seq = h.sequence & 0xffff;
  const ts = h.timestamp >>> 0;
  const ssrc = h.ssrc >>> 0;
  buf[offset] = 0x80;
  buf[offset + 1] = (h.marker ? 0x80 : 0) | h.payloadType;
  buf[offset + 2] = seq >> 8;
  buf[offset + 3] = seq & 0xff;
  buf[offset + 4] = ts >>> 24;
  buf[offset + 5] = (ts >>> 16) & 0xff;
  buf[offset + 6] = (ts >>> 8) & 0xff;
  buf[offset + 7] = ts & 0xff;
  buf[offset + 8] = ssrc >>> 24;
  buf[offset + 9] = (ssrc >>> 16) & 0xff;
  buf[offset + 10] = (ssrc >>> 8) & 0xff;
  buf[offset + 11] = ssrc & 0xff;
  return RTP_HEADER_BYTES;
}

/**
 * RTP/RTCP multiplexing on one port (RFC 5761 §4): with the second octet of a datagram in 192..223
 * it is RTCP (SR 200, RR 201, SDES 202, BYE 203, APP 204, feedback 205/206...). RTP payload types
 * 64..95 are never used when multiplexing, so their marker-bit forms cannot collide.
 */
export const isRtcpPacketType = (byte1: number): boolean => byte1 >= 192 && byte1 <= 223;
