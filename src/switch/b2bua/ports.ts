import type { Clock } from '../../kit/index.js';
import type { ClientTransaction, ClientTransactionHandlers, SipMessage, SipRequest } from '../../sip/index.js';
import type { Flow, LocalIdentity } from '../dialog/dialog.js';
import type { CallQuality, CallRecordingFile } from './call.js';

/** What the B2BUA needs of the SIP server: our identity on a flow, and ways to send. */
export interface SipCore {
  readonly clock: Clock;
  /** RFC 3261 T1 and T2 (ms), for 2xx retransmission (§13.3.1.4). */
  readonly t1: number;
  readonly t2: number;
  identity(flow: Flow): LocalIdentity;
  /** Whether a flow's transport is reliable (no retransmissions). */
  reliable(flow: Flow): boolean;
  /** Start a client transaction. */
  request(req: SipRequest, flow: Flow, handlers: ClientTransactionHandlers): ClientTransaction;
  /** Send without a transaction: ACK for 2xx, 2xx retransmissions. Errors are swallowed and logged. */
  sendStateless(msg: SipMessage, flow: Flow): void;
  /** The domain a tenant's SIP URIs use (for From/To of calls we place). */
  domain(tenantId: string): string;
}

export interface RelaySide {
  address: string;
  port: number;
}

export type Side = 'a' | 'b';

/** What the media engine tells of a call: DTMF received, a prompt that finished. */
export type RelayNotice =
  | { type: 'dtmf'; side: string; digit: string; durationMs: number }
  | { type: 'play-done'; side: string; playId: string }
  | { type: 'recording-failed'; error: string }
  | { type: 'leg-state'; side: string; state: string; reason?: string };

export type PlaySource =
  | { kind: 'file'; path: string; loop?: boolean }
  | { kind: 'tone'; tone: 'ringback' | 'busy' | 'congestion' | 'callWaiting'; region: 'us' | 'uk' | 'eu' | 'cn' | 'hk' | 'tw' | 'jp'; durationMs?: number }
  | { kind: 'silence' };

/** A finished recording, as the call log keeps it. */
export type RecordingResult = CallRecordingFile;
/** Media quality of one side, as the call log keeps it. */
export type SideQuality = CallQuality;

/** The media relay the call anchors its audio on (src/media). */
export interface CallRelay {
  readonly a: RelaySide;
  readonly b: RelaySide;
  setPeer(side: Side, peer: RelayPeer): Promise<void>;
  /** The party on `side` hears `source` instead of the other party (needs G.711 on that side). */
  play(side: Side, source: PlaySource, playId?: string): Promise<string>;
  stopPlay(side: Side): Promise<void>;
  sendDtmf(side: Side, digits: string): Promise<void>;
  mute(side: Side, muted: boolean): Promise<void>;
  startRecording(path: string, customer: Side): Promise<void>;
  pauseRecording(): Promise<void>;
  resumeRecording(): Promise<void>;
  stopRecording(): Promise<RecordingResult | null>;
  stats(): Promise<{ a: { quality: SideQuality | null }; b: { quality: SideQuality | null } }>;
  onNotice(listener: (n: RelayNotice) => void): () => void;
  /** A browser leg offered to one fork (`key`): the SDP to send it. */
  webrtcOffer(key: string): Promise<string>;
  /** That fork answered: its browser leg becomes `side`. */
  webrtcAnswer(side: Side, key: string, sdp: string): Promise<void>;
  /** A browser's own offer (it placed the call): its leg becomes `side`; our answer is returned. */
  webrtcAccept(side: Side, key: string, sdp: string): Promise<string>;
  webrtcDrop(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface RelayPeer {
  address: string;
  rtpPort: number;
  rtcpPort?: number;
  payload?: { codec: 'pcmu' | 'pcma' | 'opaque'; pt: number; dtmfPt: number | null };
}

export interface MemberMode {
  muted?: boolean;
  held?: boolean;
  role?: 'normal' | 'listen' | 'whisper';
  whisperTo?: string | null;
}

/** One caller's place in a conference room's mix. */
export interface RoomMember {
  readonly id: string;
  /** A browser member's SDP answer to its WebRTC offer. */
  readonly answer: string | null;
  readonly local: RelaySide;
  setPeer(peer: RelayPeer): Promise<void>;
  setMode(mode: MemberMode): Promise<void>;
  play(source: PlaySource | null, playId?: string): Promise<string | null>;
  stats(): Promise<{ quality: SideQuality | null }>;
  remove(): Promise<void>;
}

export interface RoomConference {
  addMember(opts?: { peer?: RelayPeer; mode?: MemberMode; webrtcOffer?: string }): Promise<RoomMember>;
  /** `side` of a notice is the member id. */
  onNotice(listener: (n: RelayNotice) => void): () => void;
  close(): Promise<void>;
}

export interface CallMedia {
  /** A relay, with peers already set for the sides given. */
  createRelay(peers?: { a?: RelayPeer; b?: RelayPeer }): Promise<CallRelay>;
  /** A conference mix (rooms callers dial into). */
  createConference?(): Promise<RoomConference>;
  /** The IP written into SDP c= lines. */
  readonly address: string;
}
