/**
 * The SIP server: transports, the transaction layer, admission (bans, rate limits), digest
 * authentication, and dispatch of requests to the registrar and the B2BUA.
 *
 * Authentication: REGISTER and the requests that reach users (INVITE, MESSAGE, SUBSCRIBE, REFER,
 * INFO, RFC 3261 §22) are always challenged with 401. The challenge, and the 403 for credentials
 * that do not verify, are the same whether the username exists or not, so they reveal nothing
 * (ARCHITECTURE §5). ACK and CANCEL cannot be challenged (§22.1); in-dialog requests are trusted
 * by their dialog identifiers.
 *
 * A WebSocket opened by the web app with the user's session (`acceptWebSocket` with an owner) is
 * not challenged: its requests speak for the session user's seat only, anything else gets 403.
 */
import type { Clock, EventBus } from '../../kit/index.js';
import {
  DigestAuthenticator,
  SipTransports,
  TransactionLayer,
  digestCredentials,
  fromTransportTarget,
  toTransportTarget,
  type DigestAlgorithm,
  type InviteServerTransaction,
  type ServerTransaction,
  type SipEndpoint,
  type SipMessage,
  type SipRequest,
  type SipWebSocket,
} from '../../sip/index.js';
import type { B2buaDeps } from '../b2bua/b2bua.js';
import { B2bua } from '../b2bua/b2bua.js';
import type { CallMedia, SipCore } from '../b2bua/ports.js';
import type { Flow, LocalIdentity } from '../dialog/dialog.js';
import type { Location } from '../location/location.js';
import { Registrar, type RegistrarPolicy } from '../registrar/registrar.js';
import type { SipGuard } from '../security/guard.js';
import type { SeatsRepo } from '../seats/ports.js';
import type { Seat, SipTransportKind } from '../seats/types.js';
import { WS_SESSION_ENDED, WebSocketOwners, type WebSocketOwner } from './ws-owners.js';

/** Which tenant a request is for, and its digest realm. */
export interface SipTenant {
  tenantId: string;
  realm: string;
  /** The domain in the tenant's SIP URIs (its sip_domain, or our public address). */
  domain: string;
}

export interface SipTenants {
  /** The tenant for a request-URI host: the one with that SIP domain, else the default tenant. */
  resolve(host: string): Promise<SipTenant | null>;
  byId(tenantId: string): Promise<SipTenant | null>;
}

export interface SipServerOptions {
  clock: Clock;
  events: EventBus;
  tenants: SipTenants;
  seats: SeatsRepo;
  location: Location;
  guard: SipGuard;
  media: CallMedia;
  /** HMAC key for stateless nonces; keep it across restarts so issued nonces stay valid. */
  nonceSecret: string | Buffer;
  /** Host or IP put into Via, Contact and the default SIP domain. */
  publicAddress: string;
  registrar: RegistrarPolicy;
  /** Offered in this order (RFC 8760 §2.4: most preferred first). Default MD5 only (see config). */
  digestAlgorithms?: DigestAlgorithm[];
  /** Open TCP, TLS and WebSocket connections at most (each registered stream phone holds one). */
  maxConnections?: number;
  listen: {
    host: string;
    port: number;
    tls?: { port: number; cert: string | Buffer; key: string | Buffer };
  };
  log?: (level: 'info' | 'warn', msg: string, data?: object) => void;
  timers?: { T1?: number; T2?: number };
  ringTimeoutMs?: number;
  /** Media policies of calls: hold music, where recordings go, conference rooms, the call log. */
  calls?: Pick<B2buaDeps, 'holdMusic' | 'ringback' | 'recordingPath' | 'isRoom' | 'onCallEnded' | 'recordingNotice'>;
}

const CHALLENGED = new Set(['REGISTER', 'INVITE', 'MESSAGE', 'SUBSCRIBE', 'REFER', 'INFO']);
const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, UPDATE, INFO';
const ALGORITHMS: DigestAlgorithm[] = ['MD5'];

/** Whether a server transaction has sent its final response (e.g. a 487 after CANCEL). */
function answered(tx: ServerTransaction): boolean {
  return (tx.lastResponse?.status ?? 0) >= 200;
}

export class SipServer {
  readonly transports: SipTransports;
  readonly layer: TransactionLayer;
  readonly b2bua: B2bua;
  private readonly registrar: Registrar;
  private readonly digests = new Map<string, DigestAuthenticator>();
  private readonly ports: Partial<Record<SipTransportKind, number>> = {};
  private readonly core: SipCore;
  private readonly domains = new Map<string, string>();
  /** WebSockets opened with a web app session (the browser phone). */
  readonly webSockets = new WebSocketOwners();

  constructor(private readonly opts: SipServerOptions) {
    this.transports = new SipTransports({
      onMessage: (msg, source, reliable) => this.onMessage(msg, source, reliable),
      onError: (err, context) => opts.log?.('warn', 'sip transport error', { context, err: String(err) }),
      onWebSocketClosed: (connectionId) => void opts.location.dropConnection(connectionId).catch((e: unknown) => opts.log?.('warn', 'bindings of a closed WebSocket not dropped', { err: String(e) })),
      allow: (address) => opts.guard.allow(address),
      ...(opts.maxConnections !== undefined ? { maxConnections: opts.maxConnections } : {}),
    });
    this.layer = new TransactionLayer({
      clock: opts.clock,
      send: this.transports.sendFn,
      timers: opts.timers,
      onRequest: (tx) => void this.onRequest(tx).catch((e) => this.internalError(tx, e)),
      onAck: (ack) => this.b2bua.ack(ack),
      onError: (e) => opts.log?.('warn', 'sip handler error', { err: String(e) }),
    });
    const server = this;
    this.core = {
      clock: opts.clock,
      t1: this.layer.timers.T1,
      t2: this.layer.timers.T2,
      identity: (flow) => server.identity(flow),
      reliable: (flow) => flow.transport !== 'udp',
      request: (req, flow, handlers) => server.layer.sendRequest(req, toTransportTarget(flow), flow.transport !== 'udp', handlers),
      sendStateless: (msg, flow) => {
        try {
          server.transports.send(msg, flow);
        } catch (e) {
          opts.log?.('warn', 'sip send failed', { err: String(e) });
        }
      },
      domain: (tenantId) => server.domains.get(tenantId) ?? opts.publicAddress,
    };
    this.registrar = new Registrar(opts.location, opts.clock, opts.registrar);
    const deps: B2buaDeps = {
      core: this.core,
      media: opts.media,
      events: opts.events,
      findSeat: (tenantId, number) => opts.seats.getByNumber(tenantId, number),
      bindingsOf: (seatId) => opts.location.bindingsOf(seatId),
      log: (msg, data) => opts.log?.('warn', msg, data),
      ...(opts.ringTimeoutMs !== undefined ? { ringTimeoutMs: opts.ringTimeoutMs } : {}),
      ...opts.calls,
    };
    this.b2bua = new B2bua(deps);
  }

  /** Listen on UDP and TCP (and TLS when configured). Returns the bound ports. */
  async start(): Promise<{ udp: number; tcp: number; tls?: number }> {
    const { host, port, tls } = this.opts.listen;
    const udp = await this.transports.listenUdp({ host, port });
    // TCP on the same port as UDP (RFC 3261 §18: both on 5060); with port 0, take UDP's pick.
    const tcp = await this.transports.listenTcp({ host, port: udp.port });
    this.ports.udp = udp.port;
    this.ports.tcp = tcp.port;
    const out: { udp: number; tcp: number; tls?: number } = { udp: udp.port, tcp: tcp.port };
    if (tls) {
      const t = await this.transports.listenTls({ host, port: tls.port, cert: tls.cert, key: tls.key });
      this.ports.tls = t.port;
      out.tls = t.port;
    }
    return out;
  }

  /** The port a transport listens on (ws/wss: the HTTP server's, set by the app). */
  setPort(transport: SipTransportKind, port: number): void {
    this.ports[transport] = port;
  }

  /**
   * Take a WebSocket from the HTTP server's /sip route. With an owner (the upgrade carried a valid
   * session), requests on it are authenticated by that session instead of digest.
   */
  acceptWebSocket(ws: SipWebSocket, remote: { address: string; port: number }, secure: boolean, owner: WebSocketOwner | null = null): void {
    this.webSockets.bind(ws, remote, secure, owner);
    this.transports.acceptWebSocket(ws, remote, secure);
  }

  port(transport: SipTransportKind): number | undefined {
    return this.ports[transport];
  }

  async close(): Promise<void> {
    await this.b2bua.close();
    // Let the BYEs and final responses go out before the sockets close.
    await new Promise((r) => setTimeout(r, 50));
    this.layer.close();
    await this.transports.close();
  }

  identity(flow: Flow): LocalIdentity {
    const port = this.ports[flow.transport] ?? this.ports.udp ?? 5060;
    const host = this.opts.publicAddress.includes(':') ? `[${this.opts.publicAddress}]` : this.opts.publicAddress;
    const param = flow.transport === 'udp' ? '' : `;transport=${flow.transport}`;
    return { sentBy: `${host}:${port}`, contact: `sip:${host}:${port}${param}` };
  }

  private onMessage(msg: SipMessage, source: SipEndpoint, reliable: boolean): void {
    const outcome = this.layer.receive(msg, toTransportTarget(source), reliable);
    if (outcome === 'unmatched-response' && msg.kind === 'response') this.b2bua.strayResponse(msg);
  }

  private async onRequest(tx: ServerTransaction): Promise<void> {
    const req = tx.request;
    // A request's flow: where it came from, on which connection (RFC 3261 §18.2.2).
    const flow = fromTransportTarget(tx.source);
    const method = req.method.toUpperCase();

    if (method === 'CANCEL') {
      const invite = this.layer.findInviteForCancel(req);
      if (!invite) {
        tx.reply(481, { reason: 'Call/Transaction Does Not Exist' });
        return;
      }
      tx.reply(200);
      // An INVITE still being authenticated has no call yet: it is answered 487 here, and its
      // handling stops when it sees the final response (§9.2).
      if (!this.b2bua.cancel(invite) && !answered(invite)) {
        try {
          invite.reply(487, { reason: 'Request Terminated' });
        } catch {
          // answered meanwhile
        }
      }
      return;
    }
    if (req.to?.tag) {
      if (!this.b2bua.inDialog(tx, flow)) tx.reply(481, { reason: 'Call/Transaction Does Not Exist' });
      return;
    }
    // RFC 3261 §17.2.1: a 100 at once stops the caller's INVITE retransmissions while we look up
    // the callee and set up media (instead of the transaction's 200 ms one). An INVITE without
    // credentials gets its 401 straight away, so it needs none.
    if (method === 'INVITE' && (req.headers.has('authorization') || this.webSockets.of(flow))) tx.reply(100);
    if (method === 'OPTIONS') {
      // Keep-alive pings and capability queries (§11): no authentication needed to say what we do.
      tx.reply(200, { headers: [['Allow', ALLOW], ['Accept', 'application/sdp']] });
      return;
    }
    if (!CHALLENGED.has(method)) {
      tx.reply(method === 'BYE' || method === 'UPDATE' || method === 'PRACK' ? 481 : 501, { headers: [['Allow', ALLOW]] });
      return;
    }

    const host = req.requestUri.ok && req.requestUri.value.kind === 'sip' ? req.requestUri.value.host : '';
    const tenant = await this.opts.tenants.resolve(host);
    if (!tenant) {
      tx.reply(404, { reason: 'Not Found' });
      return;
    }
    this.domains.set(tenant.tenantId, tenant.domain);
    if (answered(tx)) return; // cancelled meanwhile
    const seat = await this.authenticate(tx, tenant, flow);
    if (!seat || answered(tx)) return;

    switch (method) {
      case 'REGISTER': {
        const outcome = await this.registrar.register(req, seat, {
          transport: flow.transport,
          address: flow.address,
          port: flow.port,
          ...(flow.connectionId ? { connectionId: flow.connectionId } : {}),
        });
        tx.reply(outcome.status, { ...(outcome.reason ? { reason: outcome.reason } : {}), headers: outcome.headers });
        return;
      }
      case 'INVITE':
        await this.b2bua.invite(tx as InviteServerTransaction, flow, seat);
        return;
      case 'SUBSCRIBE':
        // No event packages yet (message-summary, presence): RFC 6665 §4.2.1.1.
        tx.reply(489, { reason: 'Bad Event', headers: [['Allow-Events', '']] });
        return;
      default:
        tx.reply(501, { headers: [['Allow', ALLOW]] });
    }
  }

  /** The authenticated seat, or null after answering 401 (RFC 3261 §22.2, RFC 8760 §2.4). */
  private async authenticate(tx: ServerTransaction, tenant: SipTenant, flow: Flow): Promise<Seat | null> {
    const req = tx.request;
    const owner = this.webSockets.of(flow);
    if (owner) return this.authenticateSession(tx, tenant, flow, owner);
    const digest = this.digestFor(tenant.realm);
    const creds = (req.authorization ?? [])
      .map((a) => digestCredentials(a))
      .find((c) => c !== null && c.realm === tenant.realm);
    if (!creds) {
      tx.reply(401, { headers: digest.challenge().map((c) => ['WWW-Authenticate', c] as [string, string]) });
      return null;
    }
    let found: { seat: Seat; secrets: { md5: string; sha256: string; sha512_256: string } } | null = null;
    const result = await digest.verify({
      method: req.method,
      credentials: creds,
      lookupHA1: async (username, _realm, algorithm) => {
        found = await this.opts.seats.secrets(tenant.tenantId, username);
        if (!found) return null;
        return algorithm === 'MD5' ? found.secrets.md5 : algorithm === 'SHA-256' ? found.secrets.sha256 : found.secrets.sha512_256;
      },
    });
    if (answered(tx)) return null; // cancelled during the lookup
    if (result.ok && found) {
      this.opts.guard.authSucceeded(flow.address);
      return (found as { seat: Seat }).seat;
    }
    const reason = result.ok ? 'unknown-user' : result.reason;
    // A stale nonce is not a failure: the phone answered a correct challenge, only late (RFC 7616 §3.3).
    // A reused nonce-count gets a fresh nonce too: a replayed message learns nothing from it, and a
    // phone that reuses nonces across requests recovers.
    const retry = reason === 'stale' || reason === 'replay';
    if (!retry) {
      this.opts.guard.authFailed(flow.address, `${req.method} ${creds.username ?? '?'}: ${reason}`);
      if (this.opts.guard.isBanned(flow.address)) return null; // say nothing more to a banned source
    }
    if (retry) {
      tx.reply(401, { headers: digest.challenge({ stale: true }).map((c) => ['WWW-Authenticate', c] as [string, string]) });
    } else {
      // Wrong credentials get a final 403, the same for unknown users and wrong passwords. A fresh
      // 401 would make many phones (baresip/libre among them) retry at once, forever, and one
      // misconfigured phone would get its whole office's NAT address banned within a second.
      tx.reply(403, { reason: 'Forbidden', headers: [['Warning', '399 hotline "wrong username or password"']] });
    }
    return null;
  }

  /**
   * A request on a WebSocket opened with a session: the seat is the session user's, and the
   * address-of-record it speaks for (To of a REGISTER, RFC 3261 §10.2; From otherwise) must be that
   * seat's. No challenge is sent: the browser holds no SIP password. A session that has ended
   * closes the socket.
   */
  private async authenticateSession(tx: ServerTransaction, tenant: SipTenant, flow: Flow, owner: WebSocketOwner): Promise<Seat | null> {
    const req = tx.request;
    const forbid = (why: string) => {
      tx.reply(403, { reason: 'Forbidden', headers: [['Warning', `399 hotline "${why}"`]] });
      return null;
    };
    if (!(await owner.active())) {
      forbid('session ended');
      this.webSockets.close(flow, WS_SESSION_ENDED, 'session ended');
      return null;
    }
    if (owner.tenantId !== tenant.tenantId) return forbid('not this session\'s tenant');
    const seat = (await this.opts.seats.listByUser(owner.tenantId, owner.userId)).find((s) => s.enabled);
    if (answered(tx)) return null; // cancelled during the lookup
    if (!seat) return forbid('no seat for this user');
    const aor = req.method.toUpperCase() === 'REGISTER' ? req.to : req.from;
    if (!aor || aor.uri.kind !== 'sip' || aor.uri.user !== seat.number) return forbid('not this session\'s seat');
    return seat;
  }

  private digestFor(realm: string): DigestAuthenticator {
    let d = this.digests.get(realm);
    if (!d) {
      // Nonce-count state for every nonce answered in the last 5 minutes: ~100 bytes each.
      d = new DigestAuthenticator({ clock: this.opts.clock, realm, secret: this.opts.nonceSecret, algorithms: this.opts.digestAlgorithms ?? ALGORITHMS, maxTrackedNonces: 200_000 });
      this.digests.set(realm, d);
    }
    return d;
  }

  private internalError(tx: ServerTransaction, e: unknown): void {
    this.opts.log?.('warn', 'sip request failed', { method: tx.request.method, err: String(e) });
    try {
      if (!tx.lastResponse || tx.lastResponse.status < 200) tx.reply(500);
    } catch {
      // already answered
    }
  }
}
