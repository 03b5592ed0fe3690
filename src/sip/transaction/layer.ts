/**
 * The transaction layer (RFC 3261 §17): owns the client and server transaction tables, matches
 * every inbound message to a transaction (§17.1.3, §17.2.3), and hands new requests to the TU.
 * Transport-agnostic: it sends through an injected `send` and keeps time with an injected Clock.
 */
import { randomToken, type Clock } from '../../kit/index.js';
import type { Via } from '../headers.js';
import type { SipMessage, SipRequest, SipResponse } from '../message.js';
import {
  InviteClientTransaction,
  NonInviteClientTransaction,
  clientKey,
  type ClientTransaction,
  type ClientTransactionHandlers,
} from './client.js';
import {
  DEFAULT_TIMERS,
  MAGIC_COOKIE,
  TransactionError,
  isRfc3261Branch,
  type SendFn,
  type TimerValues,
  type TransactionContext,
  type TransportTarget,
} from './common.js';
import {
  InviteServerState,
  InviteServerTransaction,
  NonInviteServerTransaction,
  type ServerTransaction,
} from './server.js';

export interface TransactionLayerOptions {
  clock: Clock;
  /** The transport. Throwing means a transport error for the transaction that sent. */
  send: SendFn;
  timers?: Partial<TimerValues>;
  /** A new request (not ACK) with its new server transaction: the TU must respond through it. */
  onRequest?: (tx: ServerTransaction) => void;
  /**
   * An ACK for a 2xx (its own transaction, RFC 3261 §17, §13.3.1.4): one that matched no
   * transaction, or one that matched an INVITE server transaction in Accepted (RFC 6026 §7.1).
   * It is the TU's (dialog's) business.
   */
  onAck?: (ack: SipRequest, source: TransportTarget, reliable: boolean) => void;
  /** A TU callback threw. Default: ignore (a TU bug must not break the layer). */
  onError?: (error: unknown) => void;
}

/** What `receive` did with a message (for logs and tests). */
export type ReceiveOutcome =
  /** A response went to its client transaction. */
  | 'response'
  /** A response matched no client transaction and was dropped (RFC 3261 §17.1.3, RFC 6026 §7.2). */
  | 'unmatched-response'
  /** A new request: a server transaction was created and passed to `onRequest`. */
  | 'request'
  /** A request retransmission (or a non-2xx ACK) absorbed by its server transaction. */
  | 'retransmission'
  /** An ACK for a 2xx (or a stray ACK), passed to `onAck`. */
  | 'ack'
  /** A merged request answered 482 Loop Detected (RFC 3261 §8.2.2.2). */
  | 'merged'
  /** Unusable (no Via, CSeq, Call-ID or From), or the layer is closed. */
  | 'dropped';

/** A fresh RFC 3261 branch: the magic cookie and 96 random bits (§8.1.1.7). */
export function newBranch(): string {
  return MAGIC_COOKIE + randomToken(12);
}

function defaultPort(transport: string): number {
  const t = transport.toUpperCase();
  return t === 'TLS' || t === 'WSS' ? 5061 : 5060;
}

const sentBy = (via: Via): string => `${via.host.toLowerCase()}:${via.port ?? defaultPort(via.transport)}`;

/** RFC 3261 §17.2.3 key: branch, sent-by, and the method (ACK files under INVITE). */
function serverKey(branch: string, via: Via, method: string): string {
  const m = method.toUpperCase() === 'ACK' ? 'INVITE' : method.toUpperCase();
  return `${branch}\u0000${sentBy(via)}\u0000${m}`;
}

/** The facts §17.2.3's RFC 2543 rule and §8.2.2.2's merge check look at. */
interface RequestFacts {
  topVia: Via;
  /** The top Via value as received (the RFC 2543 rule compares the whole top Via). */
  topViaRaw: string;
  callId: string;
  seq: number;
  method: string;
  fromTag: string | undefined;
  toTag: string | undefined;
}

function factsOf(req: SipRequest): RequestFacts | undefined {
  const topVia = req.via?.[0];
  const topViaRaw = req.headers.getAll('via')[0];
  const cseq = req.cseq;
  const callId = req.callId;
  const from = req.from;
  const to = req.to;
  if (!topVia || topViaRaw === undefined || !cseq || callId === undefined || !from || !to) return undefined;
  return { topVia, topViaRaw: topViaRaw.trim(), callId, seq: cseq.seq, method: req.method.toUpperCase(), fromTag: from.tag, toTag: to.tag };
}

export class TransactionLayer {
  readonly timers: Readonly<TimerValues>;
  onRequest: ((tx: ServerTransaction) => void) | undefined;
  onAck: ((ack: SipRequest, source: TransportTarget, reliable: boolean) => void) | undefined;
  private readonly onError: (error: unknown) => void;
  private readonly ctx: TransactionContext;
  private readonly clients = new Map<string, ClientTransaction>();
  /** Server transactions with an RFC 3261 branch, by §17.2.3 key. */
  private readonly servers = new Map<string, ServerTransaction>();
  /** Server transactions without one, matched by the RFC 2543 rule (a linear scan: they are rare). */
  private readonly legacyServers = new Set<ServerTransaction>();
  /** §8.2.2.2 merge check: From tag, Call-ID, CSeq of requests that came without a To tag. */
  private readonly mergeIndex = new Map<string, ServerTransaction>();
  private readonly mergeKeys = new Map<ServerTransaction, string>();
  private closed = false;

  constructor(opts: TransactionLayerOptions) {
    this.timers = Object.freeze({ ...DEFAULT_TIMERS, ...opts.timers });
    this.onRequest = opts.onRequest;
    this.onAck = opts.onAck;
    this.onError = opts.onError ?? (() => {});
    this.ctx = {
      clock: opts.clock,
      timers: this.timers,
      send: opts.send,
      removed: (tx) => this.forget(tx as ClientTransaction | ServerTransaction),
    };
  }

  /** Live transactions in the tables. */
  get size(): { client: number; server: number } {
    return { client: this.clients.size, server: this.servers.size + this.legacyServers.size };
  }

  /**
   * Start a client transaction for `req` (RFC 3261 §17.1) and send it. The top Via must carry an
   * RFC 3261 branch (use `newBranch()`); a CANCEL carries its INVITE's branch (§9.1) and still gets
   * its own transaction, because the key includes the method. ACK is not a transaction: send an ACK
   * for a 2xx straight through the transport (§13.2.2.4).
   */
  sendRequest(req: SipRequest, target: TransportTarget, reliable: boolean, handlers: ClientTransactionHandlers = {}): ClientTransaction {
    if (this.closed) throw new TransactionError('SIP_TX_CLOSED', 'the transaction layer is closed');
    if (req.method.toUpperCase() === 'ACK') throw new TransactionError('SIP_TX_ACK', 'ACK does not start a transaction (RFC 3261 §17)');
    const branch = req.via?.[0]?.branch;
    if (!isRfc3261Branch(branch)) {
      throw new TransactionError('SIP_TX_NO_BRANCH', 'the top Via needs a branch starting with z9hG4bK (RFC 3261 §8.1.1.7)');
    }
    if (req.cseq?.method.toUpperCase() !== req.method.toUpperCase()) {
      throw new TransactionError('SIP_TX_BAD_CSEQ', 'the CSeq method must match the request method (RFC 3261 §8.1.1.5)');
    }
    const key = clientKey(branch, req.method);
    if (this.clients.has(key)) throw new TransactionError('SIP_TX_EXISTS', `a client transaction with branch ${branch} exists`);
    const tx =
      req.method.toUpperCase() === 'INVITE'
        ? new InviteClientTransaction(this.ctx, req, target, reliable, branch, handlers)
        : new NonInviteClientTransaction(this.ctx, req, target, reliable, branch, handlers);
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  /** Every parsed inbound message goes through here. Never throws for bad input. */
  receive(msg: SipMessage, source: TransportTarget, reliable: boolean): ReceiveOutcome {
    if (this.closed) return 'dropped';
    return msg.kind === 'response' ? this.receiveResponse(msg) : this.receiveRequest(msg, source, reliable);
  }

  /** RFC 3261 §17.1.3: match by the top Via branch and the CSeq method. */
  findClientTransaction(res: SipResponse): ClientTransaction | undefined {
    const branch = res.via?.[0]?.branch;
    const method = res.cseq?.method;
    if (branch === undefined || method === undefined) return undefined;
    return this.clients.get(clientKey(branch, method));
  }

  /** RFC 3261 §17.2.3: the server transaction `req` belongs to (ACK finds its INVITE's). */
  findServerTransaction(req: SipRequest): ServerTransaction | undefined {
    const facts = factsOf(req);
    return facts ? this.matchServer(req, facts, facts.method) : undefined;
  }

  /**
   * The INVITE server transaction a CANCEL targets (RFC 3261 §9.2: the §17.2.3 match, method
   * aside). The TU answers the CANCEL 481 when there is none, else 200 and then 487 to the INVITE.
   */
  findInviteForCancel(cancel: SipRequest): InviteServerTransaction | undefined {
    const facts = factsOf(cancel);
    if (!facts) return undefined;
    const tx = this.matchServer(cancel, facts, 'INVITE');
    return tx?.kind === 'invite-server' ? tx : undefined;
  }

  /** Terminate every transaction (cancelling all timers) and refuse further work. Safe to repeat. */
  close(): void {
    this.closed = true;
    const all = [...this.clients.values(), ...this.servers.values(), ...this.legacyServers];
    for (const tx of all) tx.close();
    this.clients.clear();
    this.servers.clear();
    this.legacyServers.clear();
    this.mergeIndex.clear();
    this.mergeKeys.clear();
  }

  private receiveResponse(res: SipResponse): ReceiveOutcome {
    const tx = this.findClientTransaction(res);
    // RFC 6026 §7.2 (and §17.1.3): a response matching no client transaction is dropped
    // (no stateless forwarding here: this layer serves user agents and a B2BUA).
    if (!tx) return 'unmatched-response';
    tx.receive(res);
    return 'response';
  }

  private receiveRequest(req: SipRequest, source: TransportTarget, reliable: boolean): ReceiveOutcome {
    const facts = factsOf(req);
    if (!facts) return 'dropped';
    const existing = this.matchServer(req, facts, facts.method);
    if (existing) {
      if (facts.method === 'ACK' && existing.kind === 'invite-server' && existing.state === InviteServerState.Accepted) {
        // RFC 6026 §7.1: an ACK matching an Accepted transaction is the ACK for the 2xx: the TU's.
        this.call(() => this.onAck?.(req, source, reliable));
        return 'ack';
      }
      existing.receive(req);
      return 'retransmission';
    }
    if (facts.method === 'ACK') {
      this.call(() => this.onAck?.(req, source, reliable));
      return 'ack';
    }
    const branch = facts.topVia.branch;
    const key = isRfc3261Branch(branch) ? serverKey(branch, facts.topVia, facts.method) : undefined;
    const tx =
      facts.method === 'INVITE'
        ? new InviteServerTransaction(this.ctx, req, source, reliable, key)
        : new NonInviteServerTransaction(this.ctx, req, source, reliable, key);
    if (key !== undefined) this.servers.set(key, tx);
    else this.legacyServers.add(tx);

    // RFC 3261 §8.2.2.2: no To tag, and From tag + Call-ID + CSeq equal to a live transaction's
    // that this request did not match (it forked and came back by another path): 482.
    if (facts.toTag === undefined) {
      const mk = mergeKey(facts);
      const other = this.mergeIndex.get(mk);
      if (other && !other.terminated) {
        tx.start();
        tx.reply(482);
        return 'merged';
      }
      this.mergeIndex.set(mk, tx);
      this.mergeKeys.set(tx, mk);
    }
    tx.start();
    const onRequest = this.onRequest;
    if (onRequest) this.call(() => onRequest(tx));
    else tx.reply(501); // no TU: say so rather than let the client time out
    return 'request';
  }

  /** §17.2.3 matching, with `method` standing in for the request's (INVITE for ACK and CANCEL lookups). */
  private matchServer(req: SipRequest, f: RequestFacts, method: string): ServerTransaction | undefined {
    const branch = f.topVia.branch;
    if (isRfc3261Branch(branch)) return this.servers.get(serverKey(branch, f.topVia, method));
    // RFC 3261 §17.2.3, the RFC 2543 rule: Request-URI, To tag, From tag, Call-ID, CSeq and top Via;
    // an ACK matches the INVITE whose response carried the ACK's To tag, CSeq number only.
    const isAck = f.method === 'ACK';
    const want = isAck ? 'INVITE' : method;
    for (const tx of this.legacyServers) {
      const o = factsOf(tx.request);
      if (!o || o.method !== want) continue;
      if (tx.request.uri !== req.uri || o.callId !== f.callId || o.seq !== f.seq) continue;
      if (o.fromTag !== f.fromTag || o.topViaRaw !== f.topViaRaw) continue;
      const toTag = isAck ? tx.lastResponse?.to?.tag : o.toTag;
      if (toTag !== f.toTag) continue;
      return tx;
    }
    return undefined;
  }

  private forget(tx: ClientTransaction | ServerTransaction): void {
    if (tx.kind === 'invite-client' || tx.kind === 'non-invite-client') {
      if (this.clients.get(tx.key) === tx) this.clients.delete(tx.key);
      return;
    }
    if (tx.key !== undefined && this.servers.get(tx.key) === tx) this.servers.delete(tx.key);
    this.legacyServers.delete(tx);
    // The merge key was noted when the transaction was created, so ending it parses nothing.
    const mk = this.mergeKeys.get(tx);
    if (mk !== undefined) {
      this.mergeKeys.delete(tx);
      if (this.mergeIndex.get(mk) === tx) this.mergeIndex.delete(mk);
    }
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.onError(e);
    }
  }
}

const mergeKey = (f: RequestFacts): string => `${f.fromTag ?? ''}\u0000${f.callId}\u0000${f.seq}\u0000${f.method}`;

