import { AppError } from '../../kit/index.js';
import type { TransportTarget } from '../transaction/common.js';

/** A send that cannot be attempted (closed, not listening, connection limit): §18 transport error. */
export class SipTransportError extends AppError {
  constructor(code: string, message: string) {
    super('unavailable', code, message);
    this.name = 'SipTransportError';
  }
}

/**
 * `tls` is RFC 3261 §26.2 (SIP over TLS on a stream, framed like TCP); `ws` / `wss` are RFC 7118
 * (one SIP message per WebSocket message). The Via and `TransportTarget` spellings are upper-case.
 */
export type SipTransportName = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

export const SIP_TRANSPORT_NAMES: readonly SipTransportName[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];

export function isSipTransportName(name: string): name is SipTransportName {
  return (SIP_TRANSPORT_NAMES as readonly string[]).includes(name);
}

/** Stream transports framed by Content-Length (RFC 3261 §18.3). */
export type StreamTransportName = 'tcp' | 'tls';
/** WebSocket transports: inbound connections only, handed over by the app's HTTP server. */
export type WebSocketTransportName = 'ws' | 'wss';

/** Where a message came from, or where it goes. */
export interface SipEndpoint {
  transport: SipTransportName;
  /** IP address (or, for sends, a hostname resolved by the OS resolver). */
  address: string;
  port: number;
  /** Stream transports: the connection a message arrived on / must go out on (RFC 3261 §18.2.2). */
  connectionId?: string;
}

/** Endpoint → the transaction layer's `TransportTarget` (`host`, `connection`, upper-case name). */
export function toTransportTarget(e: SipEndpoint): TransportTarget {
  const t: { transport: string; host: string; port: number; connection?: string } = {
    transport: e.transport.toUpperCase(),
    host: e.address,
    port: e.port,
  };
  if (e.connectionId !== undefined) t.connection = e.connectionId;
  return t;
}

/** The transaction layer's `TransportTarget` → endpoint. Unknown transports are refused. */
export function fromTransportTarget(t: TransportTarget): SipEndpoint {
  const name = t.transport.toLowerCase();
  if (!isSipTransportName(name)) throw new SipTransportError('SIP_TRANSPORT_UNSUPPORTED', `unsupported transport ${t.transport}`);
  const e: SipEndpoint = { transport: name, address: t.host, port: t.port };
  if (t.connection !== undefined) e.connectionId = t.connection;
  return e;
}
