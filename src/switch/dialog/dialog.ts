/**
 * A SIP dialog (RFC 3261 §12): the state two user agents share after an INVITE is answered, and
 * the rules for building requests inside it. The B2BUA holds one per leg.
 *
 * Requests go to the `flow` (where the peer's messages come from) rather than to a DNS lookup of
 * the remote target: phones behind NAT are reachable only there (the idea of RFC 5626 §5.3, and
 * what symmetric response routing, RFC 3581, does for responses).
 */
import { randomToken } from '../../kit/index.js';
import { SipHeaders, SipRequest, newBranch, type SipEndpoint, type SipResponse } from '../../sip/index.js';

/** Where a peer is reached: a transport, an address, and for streams the connection. */
export type Flow = SipEndpoint;

/** Who we are on a flow: what goes into Via sent-by and Contact. */
export interface LocalIdentity {
  /** `host:port` for Via sent-by. */
  sentBy: string;
  /** Our Contact URI on this flow (with ;transport=). */
  contact: string;
}

export function newTag(): string {
  return randomToken(6, 'hex');
}

export function newCallId(host: string): string {
  return `${randomToken(12)}@${host}`;
}

export class Dialog {
  /** The next CSeq number we send (§12.2.1.1: one more than the last). */
  localSeq: number;
  /** The highest CSeq seen from the peer (§12.2.2); null before any request from it. */
  remoteSeq: number | null;
  remoteTarget: string;

  constructor(
    readonly callId: string,
    readonly localTag: string,
    readonly remoteTag: string,
    /** Our From/To value, tag included. */
    readonly localUri: string,
    readonly remoteUri: string,
    remoteTarget: string,
    /** Route set (§12.1.1/§12.1.2): Record-Route values, in the order requests must carry them. */
    readonly routeSet: readonly string[],
    localSeq: number,
    remoteSeq: number | null,
    public flow: Flow,
    public local: LocalIdentity,
  ) {
    this.remoteTarget = remoteTarget;
    this.localSeq = localSeq;
    this.remoteSeq = remoteSeq;
  }

  /** UAS side (§12.1.1): from the INVITE we answer 2xx with our To tag. */
  static asUas(invite: SipRequest, localTag: string, flow: Flow, local: LocalIdentity): Dialog {
    const from = invite.headers.get('from') ?? '';
    const to = invite.headers.get('to') ?? '';
    const remoteTag = invite.from?.tag ?? '';
    const target = firstContactUri(invite) ?? invite.uri;
    const rr = invite.headers.lines('record-route');
    return new Dialog(
      invite.callId ?? '',
      localTag,
      remoteTag,
      invite.to?.tag ? to : `${to};tag=${localTag}`,
      from,
      target,
      rr,
      1,
      invite.cseq?.seq ?? 0,
      flow,
      local,
    );
  }

  /** UAC side (§12.1.2): from our INVITE and the 2xx (or 1xx with a To tag) that created it. */
  static asUac(invite: SipRequest, res: SipResponse, flow: Flow, local: LocalIdentity): Dialog {
    const rr = res.headers.lines('record-route').reverse();
    return new Dialog(
      invite.callId ?? '',
      invite.from?.tag ?? '',
      res.to?.tag ?? '',
      invite.headers.get('from') ?? '',
      res.headers.get('to') ?? '',
      firstContactUri(res) ?? invite.uri,
      rr,
      (invite.cseq?.seq ?? 0) + 1,
      null,
      flow,
      local,
    );
  }

  /** The identity of this dialog as seen in a request from the peer: Call-ID, their tag, our tag. */
  matches(req: SipRequest): boolean {
    return req.callId === this.callId && req.from?.tag === this.remoteTag && req.to?.tag === this.localTag;
  }

  /**
   * §12.2.2: a request from the peer with a CSeq lower than (or equal to) the last one is out of
   * order; the UAS answers 500. ACK and CANCEL reuse their INVITE's number and are exempt.
   */
  acceptRemoteSeq(req: SipRequest): boolean {
    const seq = req.cseq?.seq;
    if (seq === undefined) return false;
    if (req.method === 'ACK' || req.method === 'CANCEL') return true;
    if (this.remoteSeq !== null && seq <= this.remoteSeq) return false;
    this.remoteSeq = seq;
    return true;
  }

  /** A new request in the dialog (§12.2.1.1), with a fresh branch and the next CSeq. */
  request(method: string, opts: { body?: Buffer | string; contentType?: string; headers?: Array<[string, string]> } = {}): SipRequest {
    const seq = this.localSeq++;
    return this.build(method, seq, newBranch(), opts);
  }

  /** The ACK for a 2xx to our INVITE with CSeq `seq` (§13.2.2.4): its own branch, the INVITE's number. */
  ack(seq: number, opts: { body?: Buffer | string; contentType?: string } = {}): SipRequest {
    return this.build('ACK', seq, newBranch(), opts);
  }

  private build(method: string, seq: number, branch: string, opts: { body?: Buffer | string; contentType?: string; headers?: Array<[string, string]> }): SipRequest {
    const h = new SipHeaders([]);
    h.append('Via', `SIP/2.0/${this.flow.transport.toUpperCase()} ${this.local.sentBy};branch=${branch};rport`);
    h.append('Max-Forwards', '70');
    h.append('From', this.localUri);
    h.append('To', this.remoteUri);
    h.append('Call-ID', this.callId);
    h.append('CSeq', `${seq} ${method}`);
    // §12.2.1.1: a strict-routing first hop (no ;lr) would need the request-URI rewrite; phones
    // and the proxies in front of them are loose routers (RFC 3261 §16.12), which we assume.
    for (const r of this.routeSet) h.append('Route', r);
    if (method !== 'ACK' && method !== 'BYE' && method !== 'CANCEL') h.append('Contact', `<${this.local.contact}>`);
    for (const [n, v] of opts.headers ?? []) h.append(n, v);
    if (opts.body !== undefined && opts.body.length > 0) h.append('Content-Type', opts.contentType ?? 'application/sdp');
    return new SipRequest({ method, uri: this.remoteTarget, headers: h, body: opts.body ?? Buffer.alloc(0) });
  }
}

/** The URI of the first Contact of a message, as written. */
export function firstContactUri(msg: SipRequest | SipResponse): string | undefined {
  const c = msg.contact;
  if (!c || c.star) return undefined;
  const first = c.contacts[0];
  return first ? first.uri.raw : undefined;
}
