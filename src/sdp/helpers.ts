import { isIP } from 'node:net';
import { SdpError } from './errors.js';
import type { SdpAttribute, SdpConnection, SdpDirection, SdpMedia, SessionDescription } from './types.js';

const DIRECTIONS: readonly SdpDirection[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];
const isDirection = (name: string): name is SdpDirection => (DIRECTIONS as readonly string[]).includes(name);

function mediaAt(sdp: SessionDescription, index: number): SdpMedia {
  const m = Number.isInteger(index) ? sdp.media[index] : undefined;
  if (!m) throw new SdpError('SDP_NO_SUCH_MEDIA', `no media section at index ${index} (there are ${sdp.media.length})`);
  return m;
}

/** The value of the first `a=<name>` in a section; `''` for a property attribute; undefined when absent. */
export function attributeValue(section: { attributes: readonly SdpAttribute[] }, name: string): string | undefined {
  const a = section.attributes.find((x) => x.name === name);
  return a === undefined ? undefined : (a.value ?? '');
}

/** `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>]` (RFC 8866 §6.6). */
export interface SdpRtpMap {
  payloadType: number;
  encoding: string;
  clockRate: number;
  channels?: number;
}

/** Every readable rtpmap of a media section, in order. Unreadable ones are skipped, not fatal. */
export function rtpmaps(media: SdpMedia): SdpRtpMap[] {
  const out: SdpRtpMap[] = [];
  for (const a of media.attributes) {
    if (a.name !== 'rtpmap' || a.value === undefined) continue;
    const m = /^(\d{1,3})[ \t]+([^/ \t]+)\/(\d+)(?:\/(\d+))?[ \t]*$/.exec(a.value);
    if (!m) continue;
    const r: SdpRtpMap = { payloadType: Number(m[1]), encoding: m[2]!, clockRate: Number(m[3]) };
    if (m[4] !== undefined) r.channels = Number(m[4]);
    out.push(r);
  }
  return out;
}

/** The format parameters of one payload type (`a=fmtp:<pt> <params>`, RFC 8866 §6.15). */
export function fmtp(media: SdpMedia, payloadType: number | string): string | undefined {
  const pt = String(payloadType);
  for (const a of media.attributes) {
    if (a.name !== 'fmtp' || a.value === undefined) continue;
    const sp = a.value.search(/[ \t]/);
    const head = sp < 0 ? a.value : a.value.slice(0, sp);
    if (head === pt) return sp < 0 ? '' : a.value.slice(sp).trim();
  }
  return undefined;
}

/** `a=ptime` in milliseconds (RFC 8866 §6.4), media level first, then session level. */
export function ptime(media: SdpMedia, sdp?: SessionDescription): number | undefined {
  const v = attributeValue(media, 'ptime') ?? (sdp ? attributeValue(sdp, 'ptime') : undefined);
  if (v === undefined) return undefined;
  const n = Number(v.trim());
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** `a=rtcp:<port> [<nettype> <addrtype> <address>]` (RFC 3605 §2.1). */
export interface SdpRtcpAttribute {
  port: number;
  connection?: SdpConnection;
}

export function rtcpAttribute(media: SdpMedia): SdpRtcpAttribute | undefined {
  const v = attributeValue(media, 'rtcp');
  if (v === undefined) return undefined;
  const f = v.trim().split(/[ \t]+/);
  const port = Number(f[0]);
  if (!/^\d+$/.test(f[0] ?? '') || port > 65535) return undefined;
  if (f.length === 4) return { port, connection: { netType: f[1]!, addrType: f[2]!, address: f[3]! } };
  return f.length === 1 ? { port } : undefined;
}

/**
 * The direction of a media stream: its own direction attribute, else the session-level one, else
 * `sendrecv` (RFC 3264 §5.1; RFC 8866 §6.7 lets a session-level attribute set the default).
 */
export function direction(sdp: SessionDescription, mediaIndex: number): SdpDirection {
  const m = mediaAt(sdp, mediaIndex);
  const own = m.attributes.find((a) => isDirection(a.name));
  if (own) return own.name as SdpDirection;
  const session = sdp.attributes.find((a) => isDirection(a.name));
  return session ? (session.name as SdpDirection) : 'sendrecv';
}

/**
 * A copy with the media stream's direction set at media level (replacing any direction attribute
 * it had, in place, so the order of the others is kept).
 */
export function setDirection(sdp: SessionDescription, mediaIndex: number, dir: SdpDirection): SessionDescription {
  mediaAt(sdp, mediaIndex);
  if (!isDirection(dir)) throw new SdpError('SDP_BAD_ARGUMENT', `not a direction: ${String(dir)}`);
  const copy = structuredClone(sdp);
  const m = copy.media[mediaIndex]!;
  const at = m.attributes.findIndex((a) => isDirection(a.name));
  const rest = m.attributes.filter((a) => !isDirection(a.name));
  if (at < 0) rest.push({ name: dir });
  else rest.splice(at, 0, { name: dir });
  m.attributes = rest;
  return copy;
}

/** The direction an answer takes for an offered one (RFC 3264 §6.1). */
export function answerDirection(offered: SdpDirection): SdpDirection {
  return offered === 'sendonly' ? 'recvonly' : offered === 'recvonly' ? 'sendonly' : offered;
}

/** Old-style hold addresses: RFC 3264 §8.4 (and RFC 2543) use 0.0.0.0; some IPv6 stacks send `::`. */
const isHoldAddress = (addr: string) => addr === '0.0.0.0' || addr === '::';

/** Where to send RTP and RTCP for a media stream, as its SDP says. */
export interface SdpRtpEndpoint {
  /** Media-level c= when present, else session-level (RFC 8866 §5.7). */
  address: string;
  port: number;
  /** From `a=rtcp` (RFC 3605) when present, else the RTP address. */
  rtcpAddress: string;
  /** From `a=rtcp`, else the RTP port + 1 (RFC 3550 §11); the RTP port when `a=rtcp-mux` is offered. */
  rtcpPort: number;
  /** `a=rtcp-mux` was offered (RFC 5761 §5.1.1); whether it is used depends on the answer. */
  rtcpMux: boolean;
  /** Port 0: the stream was rejected or disabled (RFC 3264 §6, §8.2). Send nothing. */
  rejected: boolean;
  /** c=0.0.0.0: old-style hold (RFC 3264 §8.4). Send nothing. */
  hold: boolean;
  direction: SdpDirection;
}

/**
 * The remote RTP endpoint of media section `mediaIndex`. Throws `SDP_NO_SUCH_MEDIA` for a bad
 * index and `SDP_NO_CONNECTION` when a live stream has no c= at either level (RFC 8866 §5.7 requires
 * one). A rejected stream without c= gives an empty address.
 */
export function remoteRtpEndpoint(sdp: SessionDescription, mediaIndex: number): SdpRtpEndpoint {
  const m = mediaAt(sdp, mediaIndex);
  const c = m.connection ?? sdp.connection;
  const rejected = m.port === 0;
  if (!c && !rejected) throw new SdpError('SDP_NO_CONNECTION', `media ${mediaIndex} has no connection address`);
  const address = c?.address ?? '';
  const rtcpMux = m.attributes.some((a) => a.name === 'rtcp-mux');
  const rtcp = rtcpAttribute(m);
  return {
    address,
    port: m.port,
    rtcpAddress: rtcp?.connection?.address ?? address,
    rtcpPort: rtcp ? rtcp.port : rtcpMux ? m.port : m.port + 1,
    rtcpMux,
    rejected,
    hold: isHoldAddress(address),
    direction: direction(sdp, mediaIndex),
  };
}

/** ICE attributes (RFC 8839 §5) that name the endpoint's own transport addresses. */
const ICE_ATTRIBUTES = new Set(['candidate', 'remote-candidates', 'end-of-candidates', 'ice-ufrag', 'ice-pwd', 'ice-options', 'ice-lite', 'ice-mismatch', 'ice-pacing']);

export interface RewriteConnectionOptions {
  /** Our relay's IP address (IPv4 or IPv6). */
  address: string;
  /** The relay's RTP port for each media index. Required for every stream whose port is not 0. */
  ports: ReadonlyArray<number | undefined>;
  /**
   * Remove ICE attributes (default true). They name the endpoint's own addresses behind the relay;
   * a far-end ICE agent would otherwise try to reach them directly and bypass the anchor
   * (RFC 8839 §4.2.2 would at best make it answer `a=ice-mismatch`).
   */
  stripIce?: boolean;
}

/**
 * Anchor media on our relay: a new description (sharing the unchanged parts of `sdp`, so treat both
 * as read-only) whose c= lines name `address` and whose m= ports are
 * `ports[i]`, everything else kept. Rules:
 * - a port-0 (rejected) stream stays 0 (RFC 3264 §6, §8.2);
 * - a c=0.0.0.0 (old-style hold, RFC 3264 §8.4) stays as it is, so the far end still sees a hold;
 * - a live stream with no c= at either level gets a media-level one;
 * - `a=rtcp` (RFC 3605) is rewritten to the relay's RTCP port (RTP port + 1) and address;
 * - o= is untouched: bump its version with `bumpSessionVersion` for each new offer (RFC 3264 §8).
 * Throws `SDP_BAD_ARGUMENT` for a bad address or a missing/invalid port.
 */
export function rewriteConnection(sdp: SessionDescription, opts: RewriteConnectionOptions): SessionDescription {
  const family = isIP(opts.address);
  if (family === 0) throw new SdpError('SDP_BAD_ARGUMENT', `not an IP address: ${JSON.stringify(opts.address)}`);
  const addrType = family === 6 ? 'IP6' : 'IP4';
  const ours = (c: SdpConnection): SdpConnection => (isHoldAddress(c.address) ? c : { netType: 'IN', addrType, address: opts.address });

  // A copy deep enough for what changes below (connections, ports, attribute lists); the rest is
  // shared with the input, which nothing here mutates. structuredClone of the whole description
  // showed in call-setup profiles.
  const copy: SessionDescription = { ...sdp, media: sdp.media.map((m) => ({ ...m })), attributes: sdp.attributes };
  if (copy.connection) copy.connection = ours(copy.connection);
  const stripIce = opts.stripIce ?? true;
  if (stripIce) copy.attributes = copy.attributes.filter((a) => !ICE_ATTRIBUTES.has(a.name));
  copy.media.forEach((m, i) => {
    if (stripIce) m.attributes = m.attributes.filter((a) => !ICE_ATTRIBUTES.has(a.name));
    if (m.port === 0) return;
    const port = opts.ports[i];
    if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new SdpError('SDP_BAD_ARGUMENT', `no valid relay port for media ${i}`);
    }
    m.port = port;
    if (m.connection) m.connection = ours(m.connection);
    else if (!copy.connection) m.connection = { netType: 'IN', addrType, address: opts.address };
    const held = isHoldAddress((m.connection ?? copy.connection)!.address);
    m.attributes = m.attributes.map((a) => {
      if (a.name !== 'rtcp' || held) return a;
      // RFC 3605 §2.1: keep the form received (port alone, or port and address).
      const hadAddress = (a.value ?? '').trim().split(/[ \t]+/).length > 1;
      return { name: 'rtcp', value: hadAddress ? `${port + 1} IN ${addrType} ${opts.address}` : String(port + 1) };
    });
  });
  return copy;
}

/** The sess-version that follows `previous` (RFC 3264 §8: "incremented by one"). Any width. */
export function nextSessionVersion(previous: string | bigint | number): string {
  let prev: bigint;
  try {
    prev = BigInt(previous);
  } catch {
    throw new SdpError('SDP_BAD_ARGUMENT', `not a session version: ${String(previous)}`);
  }
  if (prev < 0n) throw new SdpError('SDP_BAD_ARGUMENT', 'a session version is not negative');
  return (prev + 1n).toString();
}

/**
 * A copy of `sdp` whose o= sess-version is `previousVersion + 1`: the version the B2BUA last sent
 * on this leg, so each new offer it makes carries the next one (RFC 3264 §8). The sess-id and the
 * rest of o= stay, since RFC 3264 §8 requires them unchanged within a session.
 */
export function bumpSessionVersion(sdp: SessionDescription, previousVersion: string | bigint | number): SessionDescription {
  const copy = structuredClone(sdp);
  copy.origin.sessVersion = nextSessionVersion(previousVersion);
  return copy;
}
