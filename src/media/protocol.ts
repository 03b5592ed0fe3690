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
}

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
  stats: { args: Record<string, never>; result: { relays: number } };
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
  | { kind: 'response'; id: number; ok: true; value: unknown }
  | { kind: 'response'; id: number; ok: false; error: WireError };

export interface WorkerInit {
  /** Enables the `crash` op (tests only). */
  testHooks: boolean;
}
