/**
 * SIP transports over UDP, TCP, TLS (RFC 3261 §18, §26) and WebSocket (RFC 7118): listening
 * sockets, outbound TCP/TLS connections kept for reuse, framing through the message layer, Via
 * stamping (§18.2.1, RFC 3581 §4), CRLF keep-alives (RFC 5626 §4.4.1) and resource limits.
 * Nothing here throws to the event loop: socket errors and callback exceptions go to `onError`.
 */
import { isUtf8 } from 'node:buffer';
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { resolveLimits, type SipLimits } from '../limits.js';
import type { SipMessage, SipRequest } from '../message.js';
import { StreamFramer, parseDatagram, type DatagramResult } from '../parser.js';
import { createResponse, serialize } from '../serializer.js';
import type { SendFn } from '../transaction/common.js';
import {
  SipTransportError,
  fromTransportTarget,
  type SipEndpoint,
  type StreamTransportName,
  type WebSocketTransportName,
} from './types.js';
import { normalizeAddress, responseTarget, stampVia } from './via.js';
import {
  SIP_WS_PROTOCOL,
  WS_CLOSE,
  WS_OPEN,
  parseWebSocketMessage,
  wsDataToBuffer,
  wsKeepAlive,
  type SipWebSocket,
  type WebSocketData,
} from './websocket.js';

/** PEM text or its bytes, as `node:tls` takes them. */
export type Pem = string | Buffer;

/** How we check the servers we connect to over TLS (RFC 3261 §26.3.1, RFC 5922 §7.2). */
export interface SipTlsClientOptions {
  /** Refuse servers whose certificate does not verify or match the target. Default true. */
  rejectUnauthorized?: boolean;
  /** Trusted CAs instead of Node's bundled roots (tests, private PKI). */
  ca?: Pem | Pem[];
  /** A client certificate for mutual TLS between servers (RFC 5922 §7.3). */
  cert?: Pem;
  key?: Pem;
}

export interface SipTransportsOptions {
  /** Every parsed message. Requests already carry `received` / `rport` in their top Via. */
  onMessage: (msg: SipMessage, source: SipEndpoint, reliable: boolean) => void;
  /** Socket errors, send failures that happen after `send` returned, callback exceptions. */
  onError?: (err: unknown, context: string) => void;
  /** Message-layer limits; `maxMessageBytes` (16 KB default) caps every message. */
  limits?: Partial<SipLimits>;
  /**
   * Open TCP, TLS and WebSocket connections, inbound plus outbound; extra inbound ones are closed
   * at once. Default 1024.
   */
  maxConnections?: number;
  /**
   * Bytes held per connection: the framer's unparsed input, and our unsent output (a peer that
   * does not read). Over it the connection is closed. Default 2 × maxMessageBytes.
   */
  maxBufferedBytes?: number;
  /** A connection (TCP, TLS, WebSocket) with no traffic either way for this long is closed. Default 5 minutes. */
  idleTimeoutMs?: number;
  /** UDP socket receive and send buffer sizes asked of the kernel. Default 4 MB. */
  udpBufferBytes?: number;
  /**
   * Admission hook, asked for every datagram, every connection and every read or WebSocket message
   * before parsing (rate limits, bans). Default: always true.
   */
  allow?: (address: string) => boolean;
  /** Outbound TLS connections (requests sent to a `tls` target). */
  tlsClient?: SipTlsClientOptions;
  /** A WebSocket connection closed: nothing can reach its peer again (RFC 7118 §5; no reverse connect). */
  onWebSocketClosed?: (connectionId: string) => void;
}

export interface ListenTlsOptions {
  host: string;
  port: number;
  /** Our certificate chain and private key, PEM (RFC 3261 §26.3.1: servers must present one). */
  cert: Pem;
  key: Pem;
}

export interface BoundAddress {
  address: string;
  port: number;
}

/**
 * A TCP or TLS connection. `tls.TLSSocket` is a `net.Socket`, so both share every line of the
 * connection code; only accept (wrap in TLS) and connect (`tls.connect`) differ.
 */
interface StreamConnection {
  kind: 'stream';
  id: string;
  transport: StreamTransportName;
  socket: net.Socket;
  framer: StreamFramer;
  /** `transport:address:port` of the peer, for reuse lookups. */
  key: string;
  address: string;
  port: number;
}

/** An inbound WebSocket (RFC 7118). Never reused by address: sends name its id. */
interface WsConnection {
  kind: 'ws';
  id: string;
  transport: WebSocketTransportName;
  ws: SipWebSocket;
  address: string;
  port: number;
  /** We started closing it (too-large message, shutdown): no more writes. */
  ending: boolean;
  idle: NodeJS.Timeout;
}

type Connection = StreamConnection | WsConnection;

const CRLF = Buffer.from('\r\n');

/** The transport is part of the key: a TLS send must never reuse a plain TCP connection. */
function endpointKey(transport: StreamTransportName, address: string, port: number): string {
  return `${transport}:${normalizeAddress(address)}:${port}`;
}

/** Open for writing: not destroyed and not half-closed by us after a framing error. */
function usable(c: Connection): boolean {
  if (c.kind === 'ws') return !c.ending && c.ws.readyState === WS_OPEN;
  return !c.socket.destroyed && !c.socket.writableEnded;
}

function destroy(c: Connection): void {
  if (c.kind === 'ws') {
    clearTimeout(c.idle);
    c.ws.terminate();
  } else c.socket.destroy();
}

export class SipTransports {
  private readonly opts: SipTransportsOptions;
  readonly limits: SipLimits;
  private readonly maxConnections: number;
  private readonly udpBufferBytes: number;
  private readonly maxBufferedBytes: number;
  private readonly idleTimeoutMs: number;
  private udp: dgram.Socket | undefined;
  private readonly servers = new Map<StreamTransportName, net.Server>();
  private tlsContext: tls.SecureContext | undefined;
  private readonly connections = new Map<string, Connection>();
  private readonly byEndpoint = new Map<string, string>();
  private nextId = 1;
  private closing: Promise<void> | undefined;

  constructor(opts: SipTransportsOptions) {
    this.opts = opts;
    this.limits = resolveLimits(opts.limits);
    this.maxConnections = opts.maxConnections ?? 1024;
    this.udpBufferBytes = opts.udpBufferBytes ?? 4 * 1024 * 1024;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 2 * this.limits.maxMessageBytes;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 5 * 60_000;
  }

  /** Number of open TCP, TLS and WebSocket connections (inbound + outbound). */
  get connectionCount(): number {
    return this.connections.size;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Bind the UDP socket (port 0 picks a free one). One UDP socket per instance. */
  listenUdp(opts: { host: string; port: number }): Promise<BoundAddress> {
    if (this.closing) return Promise.reject(new SipTransportError('SIP_TRANSPORT_CLOSED', 'transports are closed'));
    if (this.udp) return Promise.reject(new SipTransportError('SIP_TRANSPORT_BOUND', 'UDP is already listening'));
    const type = net.isIPv6(opts.host) ? 'udp6' : 'udp4';
    const sock = dgram.createSocket({ type });
    this.udp = sock;
    sock.on('message', (buf, rinfo) => this.onDatagram(buf, rinfo));
    return new Promise((resolve, reject) => {
      const onErr = (e: Error) => {
        this.udp = undefined;
        reject(e);
      };
      sock.once('error', onErr);
      sock.bind(opts.port, opts.host, () => {
        sock.off('error', onErr);
        sock.on('error', (e) => this.report(e, 'udp'));
        // One socket carries every UDP phone: the kernel's default ~200 KB receive buffer overflows
        // (datagrams silently dropped, then retransmitted) during a GC pause at a few hundred calls
        // a second. The kernel caps this at net.core.rmem_max / wmem_max.
        for (const set of [(n: number) => sock.setRecvBufferSize(n), (n: number) => sock.setSendBufferSize(n)]) {
          try {
            set(this.udpBufferBytes);
          } catch {
            // not permitted here: keep the default
          }
        }
        const a = sock.address();
        resolve({ address: a.address, port: a.port });
      });
    });
  }

  /** Start the TCP listener (port 0 picks a free one). */
  listenTcp(opts: { host: string; port: number }): Promise<BoundAddress> {
    return this.listenStream('tcp', opts);
  }

  /**
   * Start the TLS listener (RFC 3261 §26.2; port 0 picks a free one). Same framing, limits,
   * keep-alives and idle timeout as TCP. Rejects when the certificate or key cannot be loaded.
   */
  listenTls(opts: ListenTlsOptions): Promise<BoundAddress> {
    if (this.closing) return Promise.reject(new SipTransportError('SIP_TRANSPORT_CLOSED', 'transports are closed'));
    if (this.servers.has('tls')) return Promise.reject(new SipTransportError('SIP_TRANSPORT_BOUND', 'TLS is already listening'));
    try {
      this.tlsContext = tls.createSecureContext({ cert: opts.cert, key: opts.key });
    } catch (e) {
      return Promise.reject(e);
    }
    return this.listenStream('tls', opts);
  }

  /**
   * TCP and TLS share one plain `net.Server`: TLS sockets are wrapped after admission, so a
   * connection is counted, limited and idle-timed from its first byte, handshake included.
   */
  private listenStream(transport: StreamTransportName, opts: { host: string; port: number }): Promise<BoundAddress> {
    const name = transport.toUpperCase();
    if (this.closing) return Promise.reject(new SipTransportError('SIP_TRANSPORT_CLOSED', 'transports are closed'));
    if (this.servers.has(transport)) return Promise.reject(new SipTransportError('SIP_TRANSPORT_BOUND', `${name} is already listening`));
    const server = net.createServer((socket) => this.onAccept(socket, transport));
    this.servers.set(transport, server);
    return new Promise((resolve, reject) => {
      const onErr = (e: Error) => {
        this.servers.delete(transport);
        reject(e);
      };
      server.once('error', onErr);
      server.listen(opts.port, opts.host, () => {
        server.off('error', onErr);
        server.on('error', (e) => this.report(e, `${transport}-server`));
        const a = server.address() as net.AddressInfo;
        resolve({ address: a.address, port: a.port });
      });
    });
  }

  /**
   * Take over a WebSocket the app accepted on its HTTP server (RFC 7118; e.g. a
   * @fastify/websocket route `GET /sip` whose server chose the subprotocol with
   * `selectSipProtocol`). Call it synchronously in the route handler so no message is missed.
   * `remote` is the HTTP peer (`req.socket.remoteAddress/remotePort`); `secure` says whether the
   * HTTP connection was TLS (wss). A socket without the `sip` subprotocol is closed with 1002
   * (RFC 7118 §4.1); one over `maxConnections` with 1013; one refused by `allow` is dropped.
   */
  acceptWebSocket(ws: SipWebSocket, remote: { address: string; port: number }, secure: boolean): void {
    try {
      // A refused socket may still emit 'error' while closing; it must not reach the event loop.
      const refuse = (how: () => void) => {
        ws.on('error', () => {});
        how();
      };
      if (ws.readyState !== WS_OPEN) return;
      const address = normalizeAddress(remote.address);
      if (this.closing) return refuse(() => ws.close(WS_CLOSE.goingAway, 'shutting down'));
      if (ws.protocol !== SIP_WS_PROTOCOL) return refuse(() => ws.close(WS_CLOSE.protocolError, 'subprotocol sip required'));
      if (!this.allowed(address)) return refuse(() => ws.terminate());
      if (this.connections.size >= this.maxConnections) return refuse(() => ws.close(WS_CLOSE.tryAgainLater, 'too many connections'));
      this.adoptWebSocket(ws, secure ? 'wss' : 'ws', address, remote.port);
    } catch (e) {
      this.report(e, 'ws-accept');
    }
  }

  /** The bound UDP address, if listening. */
  get udpAddress(): BoundAddress | undefined {
    if (!this.udp) return undefined;
    try {
      const a = this.udp.address();
      return { address: a.address, port: a.port };
    } catch {
      return undefined;
    }
  }

  /**
   * Send a message. UDP goes out of the listening socket, so the source port is the listening
   * port (symmetric signalling, RFC 3581 §4 relies on it). TCP and TLS use, in order: the
   * connection named by `connectionId` if still open and of the same transport (responses,
   * RFC 3261 §18.2.2), an open connection of that transport to `address:port`, or a new outbound
   * connection kept for reuse (§18.1.1). WebSocket sends go only to the `connectionId`
   * connection: there is no outbound WebSocket (RFC 7118 §5, the server cannot reach a browser).
   * Throws `SipTransportError` when the send cannot even be attempted (the transport error of
   * §17.1.4 / §17.2.4); failures after that (connect refused, DNS, TLS handshake) go to `onError`.
   */
  send(msg: SipMessage, target: SipEndpoint): void {
    if (this.closing) throw new SipTransportError('SIP_TRANSPORT_CLOSED', 'transports are closed');
    const data = serialize(msg);
    if (target.transport === 'udp') {
      const sock = this.udp;
      if (!sock) throw new SipTransportError('SIP_TRANSPORT_NO_UDP', 'UDP is not listening');
      // RFC 3261 §18.1.1 would switch large requests to TCP; we leave that choice to the caller.
      sock.send(data, target.port, target.address, (err) => {
        if (err) this.report(err, 'udp-send');
      });
      return;
    }
    if (target.transport === 'tcp' || target.transport === 'tls') {
      this.write(this.connectionFor(target, target.transport), data);
      return;
    }
    if (target.transport === 'ws' || target.transport === 'wss') {
      const conn = target.connectionId === undefined ? undefined : this.connections.get(target.connectionId);
      if (!conn || conn.transport !== target.transport || !usable(conn)) {
        throw new SipTransportError('SIP_TRANSPORT_NO_CONNECTION', `no open ${target.transport} connection ${target.connectionId ?? '(none named)'}`);
      }
      this.write(conn, data);
      return;
    }
    throw new SipTransportError('SIP_TRANSPORT_UNSUPPORTED', `unsupported transport ${String(target.transport)}`);
  }

  /** A `SendFn` for the transaction layer (its `TransportTarget` is converted with `fromTransportTarget`). */
  readonly sendFn: SendFn = (msg, target) => this.send(msg, fromTransportTarget(target));

  /** Close every socket and connection. Safe to call again: later calls return the same promise. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const waits: Promise<void>[] = [];
    for (const c of this.connections.values()) {
      if (c.kind === 'ws') {
        // A close frame lets a browser client tell a restart from a network failure (RFC 6455 §7.4.1).
        clearTimeout(c.idle);
        c.ending = true;
        try {
          c.ws.close(WS_CLOSE.goingAway, 'shutting down');
        } catch {
          c.ws.terminate();
        }
        setTimeout(() => c.ws.terminate(), 1000).unref();
      } else c.socket.destroy();
    }
    this.connections.clear();
    this.byEndpoint.clear();
    const udp = this.udp;
    if (udp) waits.push(new Promise<void>((r) => {
      try {
        udp.close(() => r());
      } catch {
        r();
      }
    }));
    for (const server of this.servers.values()) waits.push(new Promise<void>((r) => server.close(() => r())));
    this.closing = Promise.all(waits).then(() => undefined);
    return this.closing;
  }

  // ----------------------------------------------------------------------------------- inbound

  private allowed(address: string): boolean {
    try {
      return this.opts.allow ? this.opts.allow(normalizeAddress(address)) : true;
    } catch (e) {
      this.report(e, 'allow');
      return false;
    }
  }

  private onDatagram(buf: Buffer, rinfo: dgram.RemoteInfo): void {
    try {
      if (this.closing) return;
      const source: SipEndpoint = { transport: 'udp', address: normalizeAddress(rinfo.address), port: rinfo.port };
      if (!this.allowed(source.address)) return;
      let result = parseDatagram(buf, this.limits);
      if (result.kind === 'keepalive') return; // RFC 5626 §4.4.1 style CRLFs on UDP: nothing to answer
      if (result.kind === 'error' && result.error.status === 513 && !result.message) result = this.readOversizedHead(buf, result);
      this.handle(result, source, false);
    } catch (e) {
      this.report(e, 'udp-receive');
    }
  }

  /**
   * A datagram over `maxMessageBytes` is refused by the parser before reading the head. A UDP
   * datagram is at most 64 KB, so reading its head once more (header count and line limits
   * still apply) is bounded and lets us answer 513 (RFC 3261 §21.5.14) instead of dropping it.
   */
  private readOversizedHead(buf: Buffer, original: DatagramResult & { kind: 'error' }): DatagramResult {
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0 || buf.length > 65_535) return original;
    const head = parseDatagram(buf.subarray(0, end + 4), { ...this.limits, maxMessageBytes: end + 4 });
    const message = head.kind === 'message' || head.kind === 'error' ? head.message : undefined;
    return message ? { kind: 'error', error: original.error, message } : original;
  }

  private onAccept(socket: net.Socket, transport: StreamTransportName): void {
    try {
      socket.on('error', () => {}); // errors before adopt(), and on the raw socket under TLS
      const address = normalizeAddress(socket.remoteAddress ?? '');
      const port = socket.remotePort ?? 0;
      if (this.closing || this.connections.size >= this.maxConnections || !this.allowed(address)) {
        socket.destroy();
        return;
      }
      if (transport === 'tls') {
        // Server side of RFC 3261 §26.3.1. We do not ask for client certificates: digest
        // authenticates users over server-authenticated TLS (RFC 3261 §26.3.2.1). A failed
        // handshake is an 'error' on this socket.
        const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: this.tlsContext, requestCert: false });
        this.adopt(secure, 'tls', address, port);
      } else this.adopt(socket, 'tcp', address, port);
    } catch (e) {
      this.report(e, `${transport}-accept`);
    }
  }

  /** Register a TCP/TLS connection (accepted or opened by us) and wire its events. */
  private adopt(socket: net.Socket, transport: StreamTransportName, address: string, port: number): StreamConnection {
    const conn: StreamConnection = {
      kind: 'stream',
      id: `${transport}-${this.nextId++}`,
      transport,
      socket,
      framer: new StreamFramer(this.limits),
      key: endpointKey(transport, address, port),
      address,
      port,
    };
    this.connections.set(conn.id, conn);
    this.byEndpoint.set(conn.key, conn.id);
    socket.setNoDelay(true);
    // Idle connections close (RFC 5923 §8 leaves the policy to us; RFC 5626 keep-alives count as traffic).
    socket.setTimeout(this.idleTimeoutMs, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    socket.on('error', (e) => this.report(e, conn.id));
    socket.on('close', () => this.forget(conn));
    return conn;
  }

  private adoptWebSocket(ws: SipWebSocket, transport: WebSocketTransportName, address: string, port: number): void {
    // Same idle policy as streams; any frame either way (SIP, CRLF keep-alive, WebSocket ping or
    // pong) counts as traffic. The timer is refreshed, not re-created, on each frame.
    const idle = setTimeout(() => ws.terminate(), this.idleTimeoutMs);
    idle.unref();
    const conn: WsConnection = { kind: 'ws', id: `${transport}-${this.nextId++}`, transport, ws, address, port, ending: false, idle };
    this.connections.set(conn.id, conn);
    ws.on('message', (data) => this.onWsMessage(conn, data));
    ws.on('ping', () => idle.refresh());
    ws.on('pong', () => idle.refresh());
    ws.on('error', (e) => this.report(e, conn.id));
    ws.on('close', () => {
      clearTimeout(idle);
      this.forget(conn);
      try {
        this.opts.onWebSocketClosed?.(conn.id);
      } catch (e) {
        this.report(e, conn.id);
      }
    });
  }

  /**
   * Half-close after flushing what we wrote (the 400/513); a peer that never closes its side is
   * cut off after a grace period. The connection stays counted until its socket is gone.
   */
  private shutdown(conn: StreamConnection): void {
    if (this.byEndpoint.get(conn.key) === conn.id) this.byEndpoint.delete(conn.key);
    conn.socket.end();
    setTimeout(() => conn.socket.destroy(), 2000).unref();
  }

  private forget(conn: Connection): void {
    // A connection of a closed instance may close later; the maps were already cleared.
    if (this.connections.get(conn.id) === conn) this.connections.delete(conn.id);
    if (conn.kind === 'stream' && this.byEndpoint.get(conn.key) === conn.id) this.byEndpoint.delete(conn.key);
  }

  private onData(conn: StreamConnection, chunk: Buffer): void {
    try {
      if (this.closing || conn.socket.destroyed) return;
      if (!this.allowed(conn.address)) return;
      const events = conn.framer.push(chunk);
      const source: SipEndpoint = { transport: conn.transport, address: conn.address, port: conn.port, connectionId: conn.id };
      for (const ev of events) {
        if (ev.kind === 'ping') this.write(conn, CRLF); // RFC 5626 §4.4.1: CRLFCRLF ping → CRLF pong
        else if (ev.kind === 'pong') continue;
        else if (ev.kind === 'message') this.handle(ev, source, true);
        else {
          // Framing is lost (RFC 3261 §18.3): answer if we can, then close the connection.
          this.handle(ev, source, true);
          this.shutdown(conn);
          return;
        }
      }
      if (conn.framer.buffered > this.maxBufferedBytes) {
        this.report(new SipTransportError('SIP_TRANSPORT_BUFFER', `${conn.id} holds too many unparsed bytes`), `${conn.transport}-limit`);
        conn.socket.destroy();
      }
    } catch (e) {
      this.report(e, `${conn.transport}-receive ${conn.id}`);
    }
  }

  /**
   * One WebSocket message is one SIP message (RFC 7118 §5), so no framer: it is parsed like a
   * datagram, and a bad message costs only itself (the connection stays open) unless nothing of
   * it could be read because it was too large.
   */
  private onWsMessage(conn: WsConnection, data: WebSocketData): void {
    try {
      if (this.closing || !usable(conn)) return;
      conn.idle.refresh();
      if (!this.allowed(conn.address)) return;
      const buf = wsDataToBuffer(data);
      const source: SipEndpoint = { transport: conn.transport, address: conn.address, port: conn.port, connectionId: conn.id };
      // RFC 5626 §4.4.1 keep-alives carried as WebSocket messages (SIP.js sends them): answer a
      // CRLFCRLF ping with a CRLF pong in its own message, ignore a lone CRLF.
      const keepAlive = wsKeepAlive(buf);
      if (keepAlive === 'ping') return this.write(conn, CRLF);
      if (keepAlive === 'pong') return;
      let result = parseWebSocketMessage(buf, this.limits);
      if (result.kind === 'error' && result.error.status === 513 && !result.message) {
        const withHead = this.readOversizedHead(buf, result);
        if (withHead.kind !== 'error' || !withHead.message) {
          // Nothing to answer 513 to: refuse the message the WebSocket way (RFC 6455 §7.4.1).
          conn.ending = true;
          conn.ws.close(WS_CLOSE.tooBig, 'SIP message too large');
          setTimeout(() => conn.ws.terminate(), 2000).unref();
          return;
        }
        result = withHead;
      }
      this.handle(result, source, true);
    } catch (e) {
      this.report(e, `${conn.transport}-receive ${conn.id}`);
    }
  }

  /** Deliver a parsed message, or answer a malformed request whose head was readable. */
  private handle(result: DatagramResult, source: SipEndpoint, reliable: boolean): void {
    if (result.kind === 'keepalive') return;
    if (result.kind === 'message') {
      const msg = result.message;
      // RFC 3261 §18.2.1 / RFC 3581 §4: received and rport on every request we receive.
      if (msg.kind === 'request') stampVia(msg, source);
      try {
        this.opts.onMessage(msg, source, reliable);
      } catch (e) {
        this.report(e, 'onMessage');
      }
      return;
    }
    const msg = result.message;
    // Malformed responses are dropped (§18.1.2); a request is answered unless it is an ACK (§17.2.1).
    if (!msg || msg.kind !== 'request' || msg.method.toUpperCase() === 'ACK') return;
    this.reject(msg, result.error.status, source);
  }

  private reject(req: SipRequest, status: number, source: SipEndpoint): void {
    try {
      const stamped = stampVia(req, source);
      const res = createResponse(req, status >= 400 && status <= 699 ? status : 400);
      // With no readable Via the only safe path back is the one the request came on.
      this.send(res, stamped ? responseTarget(req, source) : source);
    } catch (e) {
      this.report(e, 'reject');
    }
  }

  // ---------------------------------------------------------------------------------- outbound

  private connectionFor(target: SipEndpoint, transport: StreamTransportName): StreamConnection {
    if (target.connectionId !== undefined) {
      const c = this.connections.get(target.connectionId);
      if (c && c.kind === 'stream' && c.transport === transport && usable(c)) return c;
    }
    const id = this.byEndpoint.get(endpointKey(transport, target.address, target.port));
    const existing = id === undefined ? undefined : this.connections.get(id);
    if (existing && existing.kind === 'stream' && usable(existing)) return existing;
    if (this.connections.size >= this.maxConnections) {
      throw new SipTransportError('SIP_TRANSPORT_TOO_MANY', 'connection limit reached');
    }
    const socket = transport === 'tls' ? this.connectTls(target) : net.connect({ host: target.address, port: target.port });
    return this.adopt(socket, transport, normalizeAddress(target.address), target.port);
  }

  /**
   * RFC 3261 §26.3.1 / RFC 5922 §7.2: the server's certificate must verify and match the host
   * we meant to reach. Node checks it against `host` (a DNS name or an IP SAN) and sends SNI for
   * names. Writes made during the handshake are queued by the TLS socket.
   */
  private connectTls(target: SipEndpoint): tls.TLSSocket {
    const c = this.opts.tlsClient ?? {};
    const options: tls.ConnectionOptions = { host: target.address, port: target.port, rejectUnauthorized: c.rejectUnauthorized ?? true };
    if (!net.isIP(target.address)) options.servername = target.address;
    if (c.ca !== undefined) options.ca = c.ca;
    if (c.cert !== undefined) options.cert = c.cert;
    if (c.key !== undefined) options.key = c.key;
    return tls.connect(options);
  }

  private write(conn: Connection, data: Buffer): void {
    if (!usable(conn)) throw new SipTransportError('SIP_TRANSPORT_CLOSED', `${conn.id} is closed`);
    // A peer that stops reading must not make us buffer without bound.
    const queued = conn.kind === 'ws' ? conn.ws.bufferedAmount : conn.socket.writableLength;
    if (queued + data.length > this.maxBufferedBytes) {
      destroy(conn);
      throw new SipTransportError('SIP_TRANSPORT_BUFFER', `${conn.id} is not draining its output`);
    }
    if (conn.kind === 'stream') {
      conn.socket.write(data);
      return;
    }
    conn.idle.refresh();
    // RFC 7118 §5: text frames must be UTF-8; a body that is not goes in a binary frame.
    conn.ws.send(data, { binary: !isUtf8(data) }, (err) => {
      if (err) this.report(err, `${conn.transport}-send ${conn.id}`);
    });
  }

  private report(err: unknown, context: string): void {
    try {
      this.opts.onError?.(err, context);
    } catch {
      // The error hook itself must not escape to the event loop.
    }
  }
}
