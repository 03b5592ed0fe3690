/**
 * The typed request/response channel between the main thread (control plane) and a media worker.
 * Every request carries an id; the worker answers once with `ok: true` and a value, or `ok: false`
 * and a coded error. The worker posts `ready` once its module has loaded. Nothing per packet ever
 * crosses this channel.
 */
import type { MediaErrorCode } from './errors.js';

export type Side = 'a' | 'b';

export interface Endpoint {
  address: string;
  port: number;
}

export interface PeerSpec {
  address: string;
  rtpPort: number;
  /** Default: rtpPort + 1 (RFC 3550 §11). */
  rtcpPort?: number;
  /**
   * What was negotiated for this side. G.711 anchors the side (own SSRC and RTCP, playable,
   * recordable, mixable); absent or `opaque` relays its packets untouched.
   */
  payload?: PayloadSpec;
}

/** The audio format of a side, from its SDP: the G.711 law and payload types (RFC 3551 §6). */
export interface PayloadSpec {
  codec: 'pcmu' | 'pcma' | 'opaque';
  /** RTP payload type of the audio (0 for PCMU, 8 for PCMA, as negotiated). */
  pt: number;
  /** RTP payload type of telephone-event/8000 (RFC 4733), or null when not negotiated. */
  dtmfPt: number | null;
}

/** Per-leg quality, from our receiver statistics and the peer's RTCP reports (RFC 3550 §6.4). */
export interface LegQuality {
  packetsIn: number;
  packetsOut: number;
  /** Packets lost on the way to us (expected − received, RFC 3550 A.3). */
  lost: number;
  lossPercent: number;
  /** Interarrival jitter (RFC 3550 A.8), ms. */
  jitterMs: number;
  /** Round trip from the peer's report blocks (RFC 3550 §6.4.1), ms; null until one arrives. */
  rttMs: number | null;
  /** Loss the peer reports on what we send it, percent; null until it reports. */
  remoteLossPercent: number | null;
  /** Estimated MOS (ITU-T G.107 E-model); null without audio. */
  mos: number | null;
  /** Packets of a payload type that was not negotiated. */
  unknownPayload: number;
  /** RTCP datagrams that failed validation (RFC 3550 A.2). */
  rtcpInvalid: number;
}

export type ToneKind = 'ringback' | 'busy' | 'congestion' | 'callWaiting';
export type Region = 'us' | 'uk' | 'eu' | 'cn' | 'hk' | 'tw' | 'jp';

/** What a leg plays instead of the other party. */
export type PlaySpec =
  | { kind: 'file'; path: string; loop?: boolean }
  | { kind: 'tone'; tone: ToneKind; region: Region; durationMs?: number }
  | { kind: 'silence' };

export interface RecordingResult {
  path: string;
  bytes: number;
  durationMs: number;
  sha256: string;
}

/** A conference member's role in the mix. */
export interface MemberMode {
  /** Not heard by anyone. */
  muted?: boolean;
  /** Not heard, and hears hold music (or silence) instead of the room. */
  held?: boolean;
  /** `listen`: hears the room, is never heard; `whisper`: hears the room, heard only by `whisperTo`. */
  role?: 'normal' | 'listen' | 'whisper';
  whisperTo?: string | null;
}

/** Where a browser leg binds its ICE socket, and the STUN/TURN servers it may use. */
export interface WebRtcBindSpec {
  host: string;
  ports: [number, number];
  iceServers: { urls: string; username?: string; credential?: string }[];
}

/** What a worker tells the main thread without being asked. */
export type MediaNotice =
  | { type: 'dtmf'; owner: string; side: string; digit: string; durationMs: number }
  | { type: 'play-done'; owner: string; side: string; playId: string }
  | { type: 'recording-failed'; owner: string; error: string }
  /** A browser leg's transport: connected, failed (ICE/DTLS/media timeout), closed by the browser, released by us. */
  | { type: 'leg-state'; owner: string; side: string; state: string; reason?: string };

/** Counters of one socket (RTP or RTCP) of one side. */
export interface FlowStats {
  /** Accepted from this side's peer. */
  packetsIn: number;
  bytesIn: number;
  /** Sent from this side's socket to this side's peer. */
  packetsOut: number;
  bytesOut: number;
  /** From a wrong source: another IP, or another port while the latched one is still live. */
  dropped: number;
  /** From the peer but not RTP/RTCP version 2 or too short (RFC 3550 §5.1, §6.4). */
  invalid: number;
  /** Should have gone out of this side but could not: no peer yet, a hold address, or a send error. */
  unsent: number;
  /** The source the peer's packets come from, once one arrived (symmetric RTP, RFC 4961). */
  latched: Endpoint | null;
}

export interface SideStats extends FlowStats {
  rtcp: FlowStats;
  /** Anchored (G.711) sides only. */
  quality: LegQuality | null;
}

export interface RelayStats {
  a: SideStats;
  b: SideStats;
}

/** Operation name → argument and result types. */
export interface MediaOps {
  createRelay: { args: { id: string; host: string; ports: { a: number; b: number }; peers?: { a?: PeerSpec; b?: PeerSpec } }; result: null };
  setPeer: { args: { id: string; side: Side; peer: PeerSpec }; result: null };
  relayStats: { args: { id: string }; result: RelayStats };
  closeRelay: { args: { id: string }; result: null };
  play: { args: { id: string; side: Side; playId: string; spec: PlaySpec }; result: null };
  stopPlay: { args: { id: string; side: Side }; result: null };
  sendDtmf: { args: { id: string; side: Side; digits: string }; result: null };
  /** Mute one side: its audio is no longer passed to the other. */
  mute: { args: { id: string; side: Side; muted: boolean }; result: null };
  startRecording: { args: { id: string; path: string; customer: Side }; result: null };
  recordingControl: { args: { id: string; action: 'pause' | 'resume' }; result: null };
  stopRecording: { args: { id: string }; result: RecordingResult | null };
  webrtcOffer: { args: { id: string; key: string; bind: WebRtcBindSpec }; result: string };
  webrtcAnswer: { args: { id: string; side: Side; key: string; sdp: string; host: string }; result: null };
  webrtcAccept: { args: { id: string; side: Side; key: string; sdp: string; bind: WebRtcBindSpec }; result: string };
  webrtcDrop: { args: { id: string; key: string }; result: null };
  createConference: { args: { id: string }; result: null };
  /** A phone's member (RTP on `port`), or a browser's (its WebRTC offer answered; the answer is returned). */
  addMember: { args: { conference: string; member: string; host: string; port: number; peer?: PeerSpec; mode?: MemberMode; webrtcOffer?: string; bind?: WebRtcBindSpec }; result: string | null };
  setMember: { args: { conference: string; member: string; peer?: PeerSpec; mode?: MemberMode }; result: null };
  memberPlay: { args: { conference: string; member: string; playId: string; spec: PlaySpec | null }; result: null };
  memberStats: { args: { conference: string; member: string }; result: SideStats };
  removeMember: { args: { conference: string; member: string }; result: null };
  closeConference: { args: { id: string }; result: null };
  /** The 20 ms scheduler's lateness (p50/p99/max, ms) since the last reset, and resets it. */
  tickStats: { args: { reset: boolean }; result: { ticks: number; skipped: number; p50: number; p99: number; max: number; targets: number } };
  stats: { args: Record<string, never>; result: { relays: number; conferences: number; members: number } };
  /** Close every relay before the worker is terminated. */
  shutdown: { args: Record<string, never>; result: null };
  /** Test hook, refused unless the worker was started with `testHooks`: never answers, throws an uncaught error. */
  crash: { args: Record<string, never>; result: null };
}

export type OpName = keyof MediaOps;

export type RequestMessage = { [K in OpName]: { kind: 'request'; id: number; op: K; args: MediaOps[K]['args'] } }[OpName];

export interface WireError {
  code: MediaErrorCode;
  message: string;
}

export type WorkerMessage =
  | { kind: 'ready' }
  | { kind: 'notice'; notice: MediaNotice }
  | { kind: 'response'; id: number; ok: true; value: unknown }
  | { kind: 'response'; id: number; ok: false; error: WireError };

export interface WorkerInit {
  /** Enables the `crash` op (tests only). */
  testHooks: boolean;
}
