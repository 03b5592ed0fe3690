/**
 * SIP over WebSocket (RFC 7118): the pieces that do not need the `SipTransports` instance.
 * The transport never owns an HTTP server; the app upgrades the request (Fastify +
 * @fastify/websocket) and hands the socket to `SipTransports.acceptWebSocket`.
 */
import { problem } from '../errors.js';
import type { SipLimits } from '../limits.js';
import { parseDatagram, type DatagramResult } from '../parser.js';

/** The WebSocket subprotocol registered for SIP (RFC 7118 §4.1, IANA "sip"). */
export const SIP_WS_PROTOCOL = 'sip';

/**
 * For `ws`'s `handleProtocols` option (also reachable through @fastify/websocket's `options`):
 * choose `sip` when the client offered it, else `false` (no subprotocol). RFC 7118 §4.1 requires
 * the client to offer `sip` and to close when the server does not echo it, so a server answering
 * another route can still return its own choice when this returns false.
 */
export function selectSipProtocol(protocols: Iterable<string>): string | false {
  for (const p of protocols) if (p === SIP_WS_PROTOCOL) return SIP_WS_PROTOCOL;
  return false;
}

/** `ws`'s `RawData`: one Buffer normally, fragments or an ArrayBuffer with other `binaryType`s. */
export type WebSocketData = Buffer | ArrayBuffer | Buffer[];

/**
 * The part of a `ws` WebSocket (`import('ws').WebSocket`, which is what @fastify/websocket hands
 * a route) that the transport uses. Declared structurally so this module keeps importing nothing
 * but Node built-ins and `src/kit` at runtime or compile time.
 */
export interface SipWebSocket {
  /** 1 is OPEN (the WebSocket API constants). */
  readonly readyState: number;
  /** The negotiated subprotocol; must be `sip` (RFC 7118 §4.1). */
  readonly protocol: string;
  /** Bytes queued by `send` and not yet written. */
  readonly bufferedAmount: number;
  send(data: Buffer, options: { binary?: boolean }, cb?: (err?: Error) => void): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: 'message', listener: (data: WebSocketData, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'ping' | 'pong', listener: (data: Buffer) => void): unknown;
}

export const WS_OPEN = 1;
/** RFC 6455 §7.4.1 close codes used here. */
export const WS_CLOSE = {
  goingAway: 1001,
  protocolError: 1002,
  tooBig: 1009,
  tryAgainLater: 1013,
} as const;

/** One WebSocket message as one Buffer. */
export function wsDataToBuffer(data: WebSocketData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** What a WebSocket message is before parsing: only CRLFs means an RFC 5626 §4.4.1 keep-alive. */
export function wsKeepAlive(buf: Buffer): 'ping' | 'pong' | undefined {
  if (buf.length === 0 || buf.length % 2 !== 0) return undefined;
  for (let i = 0; i < buf.length; i += 2) if (buf[i] !== 13 || buf[i + 1] !== 10) return undefined;
  // A double CRLF is a ping to answer with one CRLF; a lone CRLF is the pong to ours.
  return buf.length >= 4 ? 'ping' : 'pong';
}

/**
 * Parse one WebSocket message (RFC 7118 §5: exactly one SIP message per WebSocket message, so no
 * stream framing). Content-Length may be absent (the body is the rest of the message, as on UDP,
 * RFC 3261 §18.3); when present it must match the octets that follow the head. A smaller value
 * would make the parser silently drop octets, which on a message-framed transport can only mean a
 * broken or smuggled message, so it is answered 400 like a larger one.
 */
export function parseWebSocketMessage(buf: Buffer, limits: SipLimits): DatagramResult {
  const result = parseDatagram(buf, limits);
  if (result.kind !== 'message' || !result.message.headers.has('content-length')) return result;
  let start = 0;
  while (start + 1 < buf.length && buf[start] === 13 && buf[start + 1] === 10) start += 2;
  const headEnd = buf.indexOf('\r\n\r\n', start);
  const available = headEnd < 0 ? 0 : buf.length - (headEnd + 4);
  if (result.message.body.length === available) return result;
  return {
    kind: 'error',
    error: problem(400, 'SIP_BAD_CONTENT_LENGTH', `Content-Length ${result.message.body.length} but ${available} octets follow the head`),
    message: result.message,
  };
}
