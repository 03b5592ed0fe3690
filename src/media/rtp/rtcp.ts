import { MediaError } from '../errors.js';
import { ntpShortToMs } from './ntp.js';
import type { ReportBlock } from './receiver-stats.js';

/**
 * RTCP (RFC 3550 §6). Reports go out every few seconds per stream, so the builders and the parser
 * allocate their results; nothing here runs per media packet.
 */

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;
const SDES_END = 0;
const SDES_CNAME = 1;
const MAX_COUNT = 31; // 5-bit RC/SC field

export interface SenderInfo {
  ssrc: number;
  ntpMsw: number;
  ntpLsw: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

export interface SenderReport extends SenderInfo {
  kind: 'sr';
  type: 200;
  reports: ReportBlock[];
}
export interface ReceiverReport {
  kind: 'rr';
  type: 201;
  ssrc: number;
  reports: ReportBlock[];
}
export interface SdesChunk {
  ssrc: number;
  /** The CNAME item, if the chunk has one; other items are skipped. */
  cname: string | null;
}
export interface Sdes {
  kind: 'sdes';
  type: 202;
  chunks: SdesChunk[];
}
export interface Bye {
  kind: 'bye';
  type: 203;
  ssrcs: number[];
  reason: string | null;
}
export interface App {
  kind: 'app';
  type: 204;
  subtype: number;
  ssrc: number;
  /** Four ASCII characters. */
  name: string;
  /** A view into the parsed datagram. */
  data: Uint8Array;
}
export interface OtherRtcp {
  kind: 'other';
  type: number;
  /** The whole packet, header included, as a view into the parsed datagram. */
  raw: Uint8Array;
}
export type RtcpPacket = SenderReport | ReceiverReport | Sdes | Bye | App | OtherRtcp;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

function put32(b: Uint8Array, o: number, v: number): void {
  v >>>= 0;
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}
const get32 = (b: Uint8Array, o: number): number =>
  ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

/** Common header (§6.4.1): V=2, no padding, count, type, length in 32-bit words minus one. */
function header(b: Uint8Array, count: number, type: number): void {
  b[0] = 0x80 | count;
  b[1] = type;
  const words = b.length / 4 - 1;
  b[2] = words >> 8;
  b[3] = words & 0xff;
}

function checkReports(reports: readonly ReportBlock[]): void {
  if (reports.length > MAX_COUNT) {
    throw new MediaError('MEDIA_BAD_REQUEST', `at most ${MAX_COUNT} report blocks fit one RTCP report, got ${reports.length}`);
  }
}

function writeBlock(b: Uint8Array, o: number, r: ReportBlock): void {
  put32(b, o, r.ssrc);
  const lost = Math.max(-0x800000, Math.min(0x7fffff, Math.trunc(r.cumulativeLost))) & 0xffffff;
  put32(b, o + 4, (((r.fractionLost & 0xff) << 24) | lost) >>> 0);
  put32(b, o + 8, r.highestSeq);
  put32(b, o + 12, r.jitter);
  put32(b, o + 16, r.lsr);
  put32(b, o + 20, r.dlsr);
}

/** SR (§6.4.1): sender info plus up to 31 report blocks. */
export function buildSenderReport(info: SenderInfo, reports: readonly ReportBlock[] = []): Uint8Array {
  checkReports(reports);
  const b = new Uint8Array(28 + 24 * reports.length);
  header(b, reports.length, RTCP_SR);
  put32(b, 4, info.ssrc);
  put32(b, 8, info.ntpMsw);
  put32(b, 12, info.ntpLsw);
  put32(b, 16, info.rtpTimestamp);
  put32(b, 20, info.packetCount);
  put32(b, 24, info.octetCount);
  reports.forEach((r, i) => writeBlock(b, 28 + 24 * i, r));
  return b;
}

/** RR (§6.4.2): also sent empty by a participant that has received nothing (§6.1). */
export function buildReceiverReport(ssrc: number, reports: readonly ReportBlock[] = []): Uint8Array {
  checkReports(reports);
  const b = new Uint8Array(8 + 24 * reports.length);
  header(b, reports.length, RTCP_RR);
  put32(b, 4, ssrc);
  reports.forEach((r, i) => writeBlock(b, 8 + 24 * i, r));
  return b;
}

/** SDES with one chunk holding CNAME (§6.5.1), ended by null octets up to a 32-bit boundary. */
export function buildSdesCname(ssrc: number, cname: string): Uint8Array {
  const text = utf8.encode(cname);
  if (text.length === 0 || text.length > 255) {
    throw new MediaError('MEDIA_BAD_REQUEST', `a CNAME must be 1..255 bytes, got ${text.length}`);
  }
  // Chunk: SSRC, type, length, text, then at least one null octet (§6.5).
  const chunk = 4 + 2 + text.length + 1;
  const b = new Uint8Array(4 + Math.ceil(chunk / 4) * 4);
  header(b, 1, RTCP_SDES);
  put32(b, 4, ssrc);
  b[8] = SDES_CNAME;
  b[9] = text.length;
  b.set(text, 10);
  return b;
}

/** BYE (§6.6) for up to 31 sources, with an optional reason padded with nulls. */
export function buildBye(ssrcs: readonly number[], reason?: string): Uint8Array {
  if (ssrcs.length > MAX_COUNT) {
    throw new MediaError('MEDIA_BAD_REQUEST', `at most ${MAX_COUNT} SSRCs fit one BYE, got ${ssrcs.length}`);
  }
  const text = reason ? utf8.encode(reason) : null;
  if (text && text.length > 255) throw new MediaError('MEDIA_BAD_REQUEST', 'a BYE reason must be at most 255 bytes');
  const tail = text ? Math.ceil((1 + text.length) / 4) * 4 : 0;
  const b = new Uint8Array(4 + 4 * ssrcs.length + tail);
  header(b, ssrcs.length, RTCP_BYE);
  ssrcs.forEach((s, i) => put32(b, 4 + 4 * i, s));
  if (text) {
    const o = 4 + 4 * ssrcs.length;
    b[o] = text.length;
    b.set(text, o + 1);
  }
  return b;
}

/**
 * Concatenates packets into a compound (§6.1): it must start with an SR or RR and carry an SDES
 * (with the CNAME). Misuse throws: the builders above are the only expected source of parts.
 */
export function buildCompound(parts: readonly Uint8Array[]): Uint8Array {
  const first = parts[0];
  if (!first || (first[1] !== RTCP_SR && first[1] !== RTCP_RR)) {
    throw new MediaError('MEDIA_BAD_REQUEST', 'a compound RTCP packet must start with an SR or an RR');
  }
  if (!parts.some((p) => p[1] === RTCP_SDES)) {
    throw new MediaError('MEDIA_BAD_REQUEST', 'a compound RTCP packet must carry an SDES CNAME');
  }
  let total = 0;
  for (const p of parts) {
    if (p.length < 4 || p.length % 4 !== 0) {
      throw new MediaError('MEDIA_BAD_REQUEST', 'RTCP packets are whole 32-bit words');
    }
    total += p.length;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function readBlocks(b: Uint8Array, o: number, count: number): ReportBlock[] {
  const out: ReportBlock[] = [];
  for (let i = 0; i < count; i++, o += 24) {
    const w = get32(b, o + 4);
    out.push({
      ssrc: get32(b, o),
      fractionLost: w >>> 24,
      cumulativeLost: ((w & 0xffffff) << 8) >> 8, // sign-extend the 24-bit field
      highestSeq: get32(b, o + 8),
      jitter: get32(b, o + 12),
      lsr: get32(b, o + 16),
      dlsr: get32(b, o + 20),
    });
  }
  return out;
}

/** SDES chunks (§6.5): SSRC, items until a null type, then nulls to the next 32-bit boundary. */
function readSdes(b: Uint8Array, count: number): SdesChunk[] | null {
  const chunks: SdesChunk[] = [];
  let o = 4;
  for (let c = 0; c < count; c++) {
    if (o + 4 > b.length) return null;
    const chunk: SdesChunk = { ssrc: get32(b, o), cname: null };
    o += 4;
    for (;;) {
      if (o >= b.length) return null;
      const type = b[o]!;
      if (type === SDES_END) break;
      if (o + 2 > b.length) return null;
      const len = b[o + 1]!;
      if (o + 2 + len > b.length) return null;
      if (type === SDES_CNAME) chunk.cname = utf8Decoder.decode(b.subarray(o + 2, o + 2 + len));
      o += 2 + len;
    }
    o = (o + 4) & ~3; // the null item, then padding to the boundary
    if (o > b.length) return null;
    chunks.push(chunk);
  }
  return chunks;
}

function readPacket(p: Uint8Array): RtcpPacket | null {
  const count = p[0]! & 0x1f;
  const type = p[1]!;
  switch (type) {
    case RTCP_SR:
      if (p.length < 28 + 24 * count) return null;
      return {
        kind: 'sr',
        type: RTCP_SR,
        ssrc: get32(p, 4),
        ntpMsw: get32(p, 8),
        ntpLsw: get32(p, 12),
        rtpTimestamp: get32(p, 16),
        packetCount: get32(p, 20),
        octetCount: get32(p, 24),
        reports: readBlocks(p, 28, count),
      };
    case RTCP_RR:
      if (p.length < 8 + 24 * count) return null;
      return { kind: 'rr', type: RTCP_RR, ssrc: get32(p, 4), reports: readBlocks(p, 8, count) };
    case RTCP_SDES: {
      const chunks = readSdes(p, count);
      return chunks && { kind: 'sdes', type: RTCP_SDES, chunks };
    }
    case RTCP_BYE: {
      const end = 4 + 4 * count;
      if (p.length < end) return null;
      const ssrcs: number[] = [];
      for (let o = 4; o < end; o += 4) ssrcs.push(get32(p, o));
      let reason: string | null = null;
      if (p.length > end) {
        const len = p[end]!;
        if (end + 1 + len > p.length) return null;
        reason = utf8Decoder.decode(p.subarray(end + 1, end + 1 + len));
      }
      return { kind: 'bye', type: RTCP_BYE, ssrcs, reason };
    }
    case RTCP_APP:
      if (p.length < 12) return null;
      return {
        kind: 'app',
        type: RTCP_APP,
        subtype: count,
        ssrc: get32(p, 4),
        name: String.fromCharCode(p[8]!, p[9]!, p[10]!, p[11]!),
        data: p.subarray(12),
      };
    default:
      return { kind: 'other', type, raw: p };
  }
}

/**
 * Parses a compound RTCP datagram, or returns null when A.2's checks fail: every packet version 2,
 * the first an SR or RR without padding, padding only on the last, lengths adding up exactly to the
 * datagram, and each known packet long enough for its count. Views (`raw`, `data`) share `buf`.
 */
export function parseRtcp(buf: Uint8Array): RtcpPacket[] | null {
  const len = buf.length;
  if (len < 8 || len % 4 !== 0) return null;
  const first = buf[1]!;
  if ((buf[0]! & 0x20) !== 0 || (first !== RTCP_SR && first !== RTCP_RR)) return null;
  const out: RtcpPacket[] = [];
  let o = 0;
  while (o < len) {
    if (o + 4 > len) return null;
    const b0 = buf[o]!;
    if (b0 >> 6 !== 2) return null;
    const size = (((buf[o + 2]! << 8) | buf[o + 3]!) + 1) * 4;
    const end = o + size;
    if (end > len) return null;
    let bodyEnd = end;
    if ((b0 & 0x20) !== 0) {
      // Padding only on the last packet; its last octet counts the padding, itself included (§6.4.1).
      if (end !== len) return null;
      const pad = buf[end - 1]!;
      if (pad === 0 || pad > size - 4) return null;
      bodyEnd = end - pad;
    }
    const packet = readPacket(buf.subarray(o, bodyEnd));
    if (!packet) return null;
    out.push(packet);
    o = end;
  }
  return out;
}

/**
 * Round-trip time from a report block about our stream (§6.4.1): A − LSR − DLSR, where A is the
 * middle 32 bits of the NTP time the report arrived. Null without an SR to refer to (LSR 0), or
 * when the result is negative (clocks or a bogus report).
 */
export function roundTripMs(block: ReportBlock, arrivalNtpMiddle32: number): number | null {
  if (block.lsr === 0) return null;
  const units = (arrivalNtpMiddle32 - block.lsr - block.dlsr) | 0;
  return units < 0 ? null : ntpShortToMs(units);
}
