import type { Clock } from '../../kit/index.js';
import type { ClientTransaction, ClientTransactionHandlers, SipMessage, SipRequest } from '../../sip/index.js';
import type { Flow, LocalIdentity } from '../dialog/dialog.js';

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

/** The media relay the call anchors its audio on (src/media). */
export interface CallRelay {
  readonly a: RelaySide;
  readonly b: RelaySide;
  setPeer(side: 'a' | 'b', peer: RelayPeer): Promise<void>;
  close(): Promise<void>;
}

export interface RelayPeer {
  address: string;
  rtpPort: number;
  rtcpPort?: number;
}

export interface CallMedia {
  /** A relay, with peers already set for the sides given. */
  createRelay(peers?: { a?: RelayPeer; b?: RelayPeer }): Promise<CallRelay>;
  /** The IP written into SDP c= lines. */
  readonly address: string;
}
