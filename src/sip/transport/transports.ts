/**
 * SIP transports over UDP and TCP (RFC 3261 §18): listening sockets, outbound TCP connections
 * kept for reuse, framing through the message layer, Via stamping (§18.2.1, RFC 3581 §4),
 * CRLF keep-alives (RFC 5626 §4.4.1) and resource limits. Nothing here throws to the event loop:
 * socket errors and callback exceptions go to `onError`.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { resolveLimits, type SipLimits } from '../limits.js';
import type { SipMessage, SipRequest } from '../message.js';
import { StreamFramer, parseDatagram, type DatagramResult } from '../parser.js';
import { createResponse, serialize } from '../serializer.js';
import type { SendFn } from '../transaction/common.js';
import { SipTransportError, fromTransportTarget, type SipEndpoint } from './types.js';
import { normalizeAddress, responseTarget, stampVia } from './via.js';

export interface SipTransportsOptions {
  /** Every parsed message. Requests already carry `received` / `rport` in their top Via. */
  onMessage: (msg: SipMessage, source: SipEndpoint, reliable: boolean) => void;
  /** Socket errors, send failures that happen after `send` returned, callback exceptions. */
  onError?: (err: unknown, context: string) => void;
  /** Message-layer limits; `maxMessageBytes` (16 KB default) caps every message. */
  limits?: Partial<SipLimits>;
  /** Open TCP connections, inbound plus outbound; extra inbound ones are closed at once. Default 1024. */
  maxConnections?: number;
  /**
   * Bytes held per connection: the framer's unparsed input, and our unsent output (a peer that
   * does not read). Over it the connection is closed. Default 2 × maxMessageBytes.
   */
  maxBufferedBytes?: number;
  /** A TCP connection with no traffic either way for this long is closed. Default 5 minutes. */
  idleTimeoutMs?: number;
  /**
   * Admission hook, asked for every datagram, every TCP connection and every TCP read before
   * parsing (rate limits, bans). Default: always true.
   */
  allow?: (address: string) => boolean;
}

export interface BoundAddress {
  address: string;
  port: number;
}

interface Connection {
  id: string;
  socket: net.Socket;
  framer: StreamFramer;
  /** `address:port` of the peer, for reuse lookups. */
  key: string;
  address: string;
  port: number;
}

const CRLF = Buffer.from('\r\n');

function endpointKey(address: string, port: number): string {
  return `${normalizeAddress(address)}:${port}`;
}

/** Open for writing: not destroyed and not half-closed by us after a framing error. */
const usable = (c: Connection) => !c.socket.destroyed && !c.socket.writableEnded;

export class SipTransports {
  private readonly opts: SipTransportsOptions;
  readonly limits: SipLimits;
  private readonly maxConnections: number;
  private readonly maxBufferedBytes: number;
  private readonly idleTimeoutMs: number;
  private udp: dgram.Socket | undefined;
  private tcpServer: net.Server | undefined;
  private readonly connections = new Map<string, Connection>();
  private readonly byEndpoint = new Map<string, string>();
  private nextId = 1;
  private closing: Promise<void> | undefined;

  constructor(opts: SipTransportsOptions) {
    this.opts = opts;
    this.limits = resolveLimits(opts.limits);
    this.maxConnections = opts.maxConnections ?? 1024;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 2 * this.limits.maxMessageBytes;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 5 * 60_000;
  }

  /** Number of open TCP connections (inbound + outbound). */
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
        const a = sock.address();
        resolve({ address: a.address, port: a.port });
      });
    });
  }

  /** Start the TCP listener (port 0 picks a free one). */
  listenTcp(opts: { host: string; port: number }): Promise<BoundAddress> {
    if (this.closing) return Promise.reject(new SipTransportError('SIP_TRANSPORT_CLOSED', 'transports are closed'));
    if (this.tcpServer) return Promise.reject(new SipTransportError('SIP_TRANSPORT_BOUND', 'TCP is already listening'));
    const server = net.createServer((socket) => this.onAccept(socket));
    this.tcpServer = server;
    return new Promise((resolve, reject) => {
      const onErr = (e: Error) => {
        this.tcpServer = undefined;
        reject(e);
      };
      server.once('error', onErr);
      server.listen(opts.port, opts.host, () => {
        server.off('error', onErr);
        server.on('error', (e) => this.report(e, 'tcp-server'));
        const a = server.address() as net.AddressInfo;
        resolve({ address: a.address, port: a.port });
      });
    });
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
   * port (symmetric signalling, RFC 3581 §4 relies on it). TCP uses, in order: the connection named
   * by `connectionId` if still open (responses, RFC 3261 §18.2.2), an open connection to
   * `address:port`, or a new outbound connection kept for reuse (§18.1.1).
   * Throws `SipTransportError` when the send cannot even be attempted (the transport error of
   * §17.1.4 / §17.2.4); failures after that (connect refused, DNS) go to `onError`.
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
    if (target.transport !== 'tcp') throw new SipTransportError('SIP_TRANSPORT_UNSUPPORTED', `unsupported transport ${String(target.transport)}`);
    const conn = this.connectionFor(target);
    this.write(conn, data);
  }

  /** A `SendFn` for the transaction layer (its `TransportTarget` is converted with `fromTransportTarget`). */
  readonly sendFn: SendFn = (msg, target) => this.send(msg, fromTransportTarget(target));

  /** Close every socket and connection. Safe to call again: later calls return the same promise. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const waits: Promise<void>[] = [];
    for (const c of this.connections.values()) c.socket.destroy();
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
    const server = this.tcpServer;
    if (server) waits.push(new Promise<void>((r) => server.close(() => r())));
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

  private onAccept(socket: net.Socket): void {
    try {
      const address = normalizeAddress(socket.remoteAddress ?? '');
      if (this.closing || this.connections.size >= this.maxConnections || !this.allowed(address)) {
        socket.on('error', () => {});
        socket.destroy();
        return;
      }
      this.adopt(socket, address, socket.remotePort ?? 0);
    } catch (e) {
      this.report(e, 'tcp-accept');
    }
  }

  /** Register a connection (accepted or opened by us) and wire its events. */
  private adopt(socket: net.Socket, address: string, port: number): Connection {
    const conn: Connection = {
      id: `tcp-${this.nextId++}`,
      socket,
      framer: new StreamFramer(this.limits),
      key: endpointKey(address, port),
      address,
      port,
    };
    this.connections.set(conn.id, conn);
    this.byEndpoint.set(conn.key, conn.id);
    socket.setNoDelay(true);
    // Idle connections close (RFC 5923 §8 leaves the policy to us; RFC 5626 keep-alives count as traffic).
    socket.setTimeout(this.idleTimeoutMs, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    socket.on('error', (e) => this.report(e, `tcp ${conn.id}`));
    socket.on('close', () => this.forget(conn));
    return conn;
  }

  /**
   * Half-close after flushing what we wrote (the 400/513); a peer that never closes its side is
   * cut off after a grace period. The connection stays counted until its socket is gone.
   */
  private shutdown(conn: Connection): void {
    if (this.byEndpoint.get(conn.key) === conn.id) this.byEndpoint.delete(conn.key);
    conn.socket.end();
    setTimeout(() => conn.socket.destroy(), 2000).unref();
  }

  private forget(conn: Connection): void {
    this.connections.delete(conn.id);
    if (this.byEndpoint.get(conn.key) === conn.id) this.byEndpoint.delete(conn.key);
  }

  private onData(conn: Connection, chunk: Buffer): void {
    try {
      if (this.closing || conn.socket.destroyed) return;
      if (!this.allowed(conn.address)) return;
      const events = conn.framer.push(chunk);
      const source: SipEndpoint = { transport: 'tcp', address: conn.address, port: conn.port, connectionId: conn.id };
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
        this.report(new SipTransportError('SIP_TRANSPORT_BUFFER', `${conn.id} holds too many unparsed bytes`), 'tcp-limit');
        conn.socket.destroy();
      }
    } catch (e) {
      this.report(e, `tcp-receive ${conn.id}`);
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

  private connectionFor(target: SipEndpoint): Connection {
    if (target.connectionId !== undefined) {
      const c = this.connections.get(target.connectionId);
      if (c && usable(c)) return c;
    }
    const id = this.byEndpoint.get(endpointKey(target.address, target.port));
    const existing = id === undefined ? undefined : this.connections.get(id);
    if (existing && usable(existing)) return existing;
    if (this.connections.size >= this.maxConnections) {
      throw new SipTransportError('SIP_TRANSPORT_TOO_MANY', 'TCP connection limit reached');
    }
    const socket = net.connect({ host: target.address, port: target.port });
    return this.adopt(socket, normalizeAddress(target.address), target.port);
  }

  private write(conn: Connection, data: Buffer): void {
    if (!usable(conn)) throw new SipTransportError('SIP_TRANSPORT_CLOSED', `${conn.id} is closed`);
    // A peer that stops reading must not make us buffer without bound.
    if (conn.socket.writableLength + data.length > this.maxBufferedBytes) {
      conn.socket.destroy();
      throw new SipTransportError('SIP_TRANSPORT_BUFFER', `${conn.id} is not draining its output`);
    }
    conn.socket.write(data);
  }

  private report(err: unknown, context: string): void {
    try {
      this.opts.onError?.(err, context);
    } catch {
      // The error hook itself must not escape to the event loop.
    }
  }
}
