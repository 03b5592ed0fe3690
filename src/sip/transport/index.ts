/** SIP transports (RFC 3261 §18, §26, RFC 3581, RFC 5626 keep-alives, RFC 7118): UDP, TCP, TLS, WS, WSS. */
export {
  SipTransports,
  type BoundAddress,
  type ListenTlsOptions,
  type Pem,
  type SipTlsClientOptions,
  type SipTransportsOptions,
} from './transports.js';
export {
  SIP_TRANSPORT_NAMES,
  SipTransportError,
  fromTransportTarget,
  isSipTransportName,
  toTransportTarget,
  type SipEndpoint,
  type SipTransportName,
  type StreamTransportName,
  type WebSocketTransportName,
} from './types.js';
export { normalizeAddress, responseTarget, stampVia } from './via.js';
export {
  SIP_WS_PROTOCOL,
  parseWebSocketMessage,
  selectSipProtocol,
  type SipWebSocket,
  type WebSocketData,
} from './websocket.js';
