/**
 * The typed shape of a session description (RFC 8866 §5, formerly RFC 4566 §5).
 *
 * Values are kept as text where the RFC allows numbers wider than 2^53 (sess-id, sess-version,
 * NTP times), so nothing is rounded on a round trip. Attributes stay in the order received, as
 * name/value pairs, and typed views (rtpmap, fmtp, ptime, direction, rtcp) are derived by helpers
 * in `attributes.ts`: the attribute list is the single source of truth, so editing it is enough.
 */

/** `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 8866 §5.2). */
export interface SdpOrigin {
  username: string;
  /** Digits; kept as text (often an NTP timestamp, wider than 2^53). */
  sessId: string;
  /** Digits; kept as text. Incremented by one for each new offer (RFC 3264 §8). */
  sessVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

/** `c=<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7). */
export interface SdpConnection {
  netType: string;
  /** `IP4` or `IP6` in practice. */
  addrType: string;
  /** The address without the multicast `/ttl/count` suffix. */
  address: string;
  /** IP4 multicast TTL (`/127`). */
  ttl?: number;
  /** Number of multicast addresses (`/3`). */
  count?: number;
}

/** `b=<bwtype>:<bandwidth>` (RFC 8866 §5.8): kbit/s for AS/CT, bit/s for TIAS (RFC 3890). */
export interface SdpBandwidth {
  type: string;
  value: number;
}

/** `t=<start-time> <stop-time>` with its `r=` lines (RFC 8866 §5.9, §5.10). */
export interface SdpTiming {
  start: string;
  stop: string;
  /** Raw `r=` values, in order. */
  repeats: string[];
}

/** `a=<name>` (property, `value` undefined) or `a=<name>:<value>` (RFC 8866 §5.13). */
export interface SdpAttribute {
  name: string;
  value?: string;
}

/** A line whose type letter we do not model (e.g. GB28181's `y=`/`f=`), kept and re-emitted. */
export interface SdpExtraLine {
  type: string;
  value: string;
}

/** `m=<media> <port>[/<number of ports>] <proto> <fmt> ...` and its section (RFC 8866 §5.14). */
export interface SdpMedia {
  /** audio, video, text, application, message, image, ... */
  type: string;
  /** 0 means the stream is rejected or disabled (RFC 3264 §6, §8.2). */
  port: number;
  /** The `/<number of ports>` suffix, when present. */
  numPorts?: number;
  /** RTP/AVP, RTP/SAVP, RTP/SAVPF, UDP/TLS/RTP/SAVPF, udptl, ... */
  proto: string;
  /** Media formats: RTP payload type numbers as text for RTP profiles, anything for others. */
  formats: string[];
  /** `i=` */
  info?: string;
  /** `c=` at media level; overrides the session-level one (RFC 8866 §5.7). */
  connection?: SdpConnection;
  bandwidths: SdpBandwidth[];
  /** `k=` (obsolete, RFC 8866 §5.12), kept raw. */
  key?: string;
  attributes: SdpAttribute[];
  extra: SdpExtraLine[];
}

export interface SessionDescription {
  /** Always 0 (RFC 8866 §5.1). */
  version: 0;
  origin: SdpOrigin;
  /** `s=`; a lone space or `-` when the session has no name (RFC 8866 §5.3). */
  sessionName: string;
  info?: string;
  uri?: string;
  emails: string[];
  phones: string[];
  connection?: SdpConnection;
  bandwidths: SdpBandwidth[];
  /** At least one `t=` is emitted; `t=0 0` when none was received. */
  timings: SdpTiming[];
  /** `z=`, kept raw. */
  zone?: string;
  key?: string;
  attributes: SdpAttribute[];
  extra: SdpExtraLine[];
  media: SdpMedia[];
}

/** Media direction attributes (RFC 3264 §5.1, RFC 8866 §6.7). */
export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
