/** SIP transports (RFC 3261 §18, RFC 3581, RFC 5626 keep-alives): UDP and TCP. */
export { SipTransports, type BoundAddress, type SipTransportsOptions } from './transports.js';
export { SipTransportError, fromTransportTarget, toTransportTarget, type SipEndpoint, type SipTransportName } from './types.js';
export { normalizeAddress, responseTarget, stampVia } from './via.js';
