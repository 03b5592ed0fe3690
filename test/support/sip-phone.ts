/**
 * A small SIP phone for protocol tests: raw UDP with our own parser and serializer, digest
 * answers with computeResponse/ha1, dialogs kept by hand, and an RTP socket.
 *
 * Everything received is queued; tests take what they expect with waitRequest/waitResponse.
 * Retransmissions of a message already received are dropped (by branch + method/status).
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import {
  StreamFramer,
  SipHeaders,
  SipRequest,
  computeResponse,
  createResponse,
  ha1,
  parseDatagram,
  serialize,
  type DigestAlgorithm,
  type SipMessage,
  type SipResponse,
} from '../../src/sip/index.js';

export interface PhoneOptions {
  server: { host: string; port: number };
  user: string;
  password: string;
  /** The domain in From/To and the REGISTER Request-URI (default the server host). */
  domain?: string;
  /** SIP over one TCP connection to the server instead of UDP. */
  transport?: 'udp' | 'tcp';
}

export interface CallLeg {
  callId: string;
  localTag: string;
  remoteTag: string;
  localUri: string;
  remoteUri: string;
  remoteTarget: string;
  cseq: number;
  /** The INVITE that created the dialog (ours or theirs). */
  invite: SipRequest;
}

const rand = (n = 6) => randomBytes(n).toString('hex');

export class SipPhone {
  readonly port: number;
  readonly rtpPort: number;
  private readonly inbox: SipMessage[] = [];
  private readonly seen = new Set<string>();
  private readonly waiters: Array<() => void> = [];
  readonly rtpInbox: Buffer[] = [];
  private readonly rtpWaiters: Array<() => void> = [];
  private cseq = 1;
  readonly registerCallId = `${rand(8)}@test`;
  readonly tag = rand();
  /** Every datagram sent, in order (for tests that compare bytes). */
  readonly raw: Buffer[] = [];
  private challenge: { nonce: string; opaque: string; realm: string; algorithm: DigestAlgorithm } | null = null;
  private nc = 0;

  private constructor(
    readonly opts: PhoneOptions,
    private readonly sip: dgram.Socket | net.Socket,
    private readonly rtp: dgram.Socket,
  ) {
    this.rtpPort = rtp.address().port;
    if (sip instanceof net.Socket) {
      this.port = sip.localPort!;
      const framer = new StreamFramer();
      sip.on('data', (chunk: Buffer) => {
        for (const ev of framer.push(chunk)) if (ev.kind === 'message') this.onMessage(ev.message);
      });
      sip.on('error', () => {});
    } else {
      this.port = sip.address().port;
      sip.on('message', (buf) => this.onDatagram(buf));
    }
    rtp.on('message', (buf) => {
      this.rtpInbox.push(buf);
      for (const w of this.rtpWaiters.splice(0)) w();
    });
  }

  static async create(opts: PhoneOptions): Promise<SipPhone> {
    const bind = async () => {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((res, rej) => {
        s.once('error', rej);
        s.bind(0, '127.0.0.1', () => res());
      });
      return s;
    };
    if (opts.transport === 'tcp') {
      const s = net.connect(opts.server.port, opts.server.host);
      await new Promise<void>((res, rej) => {
        s.once('error', rej);
        s.once('connect', () => res());
      });
      return new SipPhone(opts, s, await bind());
    }
    return new SipPhone(opts, await bind(), await bind());
  }

  get transport(): 'udp' | 'tcp' {
    return this.opts.transport ?? 'udp';
  }

  get domain(): string {
    return this.opts.domain ?? this.opts.server.host;
  }
  get contact(): string {
    return `sip:${this.opts.user}@127.0.0.1:${this.port}${this.transport === 'tcp' ? ';transport=tcp' : ''}`;
  }
  get aor(): string {
    return `sip:${this.opts.user}@${this.domain}`;
  }

  async close(): Promise<void> {
    const sip = this.sip;
    const closeSip = sip instanceof net.Socket ? new Promise<void>((r) => (sip.destroyed ? r() : (sip.once('close', () => r()), sip.destroy()))) : new Promise<void>((r) => sip.close(() => r()));
    await Promise.all([closeSip, new Promise<void>((r) => this.rtp.close(() => r()))]);
  }

  // ---- wire ----

  private onDatagram(buf: Buffer): void {
    const r = parseDatagram(buf);
    if (r.kind === 'message') this.onMessage(r.message);
  }

  private onMessage(m: SipMessage): void {
    const branch = m.via?.[0]?.params.get('branch') ?? '';
    const key = m.kind === 'request' ? `q:${branch}:${m.method}` : `s:${branch}:${m.cseq?.method}:${m.status}:${m.to?.tag ?? ''}`;
    if (this.seen.has(key)) return; // a retransmission
    this.seen.add(key);
    this.inbox.push(m);
    for (const w of this.waiters.splice(0)) w();
  }

  sendRaw(buf: Buffer | string, to = this.opts.server): void {
    const b = typeof buf === 'string' ? Buffer.from(buf) : buf;
    this.raw.push(b);
    if (this.sip instanceof net.Socket) this.sip.write(b);
    else this.sip.send(b, to.port, to.host);
  }

  send(msg: SipMessage): void {
    this.sendRaw(serialize(msg));
  }

  /** The first queued message that satisfies `pred`, removed from the queue; waits for one. */
  async waitFor<T extends SipMessage>(pred: (m: SipMessage) => boolean, what: string, timeoutMs = 5_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex(pred);
      if (i >= 0) return this.inbox.splice(i, 1)[0] as T;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.opts.user}: timed out waiting for ${what}; inbox: ${this.inbox.map(describe).join(' | ') || 'empty'}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  waitRequest(method: string, pred: (r: SipRequest) => boolean = () => true, timeoutMs?: number): Promise<SipRequest> {
    return this.waitFor((m) => m.kind === 'request' && m.method === method && pred(m), `a ${method}`, timeoutMs);
  }

  /** The next response to the request with this branch (optionally: final only, or a status). */
  waitResponse(req: SipRequest, opts: { final?: boolean; status?: number } = {}, timeoutMs?: number): Promise<SipResponse> {
    const branch = req.via?.[0]?.params.get('branch');
    return this.waitFor(
      (m) =>
        m.kind === 'response' &&
        m.via?.[0]?.params.get('branch') === branch &&
        m.cseq?.method === req.method &&
        (opts.status === undefined || m.status === opts.status) &&
        (!opts.final || m.status >= 200),
      `a response to ${req.method}${opts.status ? ` (${opts.status})` : ''}`,
      timeoutMs,
    );
  }

  /** Whether nothing arrives for `ms` (a banned source hears nothing). */
  async silentFor(ms: number): Promise<boolean> {
    const before = this.inbox.length;
    await new Promise((r) => setTimeout(r, ms));
    return this.inbox.length === before;
  }

  /** Discards whatever is queued. */
  drain(): SipMessage[] {
    return this.inbox.splice(0);
  }

  // ---- building ----

  request(method: string, uri: string, headers: Array<[string, string]>, body?: string | Buffer): SipRequest {
    const h = new SipHeaders([]);
    h.append('Via', `SIP/2.0/${this.transport.toUpperCase()} 127.0.0.1:${this.port};branch=z9hG4bK${rand(8)};rport`);
    h.append('Max-Forwards', '70');
    for (const [n, v] of headers) h.append(n, v);
    if (body !== undefined && body.length > 0 && !h.has('content-type')) h.append('Content-Type', 'application/sdp');
    return new SipRequest({ method, uri, headers: h, body: body ?? Buffer.alloc(0) });
  }

  /** Adds Authorization answering `challenge` (a 401) with `password` and the algorithm asked for (or the first offered). */
  authorize(req: SipRequest, challenge: SipResponse, opts: { password?: string; algorithm?: DigestAlgorithm; user?: string; nc?: number } = {}): void {
    const offers = (challenge.headers.value('www-authenticate') ?? []).map((a) => a.params);
    const want = opts.algorithm;
    const offer = offers.find((p) => !want || (p.get('algorithm') ?? 'MD5').toUpperCase() === want) ?? offers[0];
    if (!offer) throw new Error('no challenge offered');
    const algorithm = (offer.get('algorithm') ?? 'MD5').toUpperCase() as DigestAlgorithm;
    const realm = offer.get('realm')!;
    const nonce = offer.get('nonce')!;
    const opaque = offer.get('opaque')!;
    if (this.challenge?.nonce !== nonce) this.nc = 0;
    this.challenge = { nonce, opaque, realm, algorithm };
    this.nc = opts.nc ?? this.nc + 1;
    this.setAuthorization(req, opts.user ?? this.opts.user, opts.password ?? this.opts.password);
  }

  /** Authorization from the last challenge with the current nonce count (replays keep `nc`). */
  setAuthorization(req: SipRequest, user = this.opts.user, password = this.opts.password): void {
    const c = this.challenge;
    if (!c) throw new Error('no challenge yet');
    const nc = this.nc.toString(16).padStart(8, '0');
    const cnonce = rand(8);
    const uri = req.uri;
    const response = computeResponse({ algorithm: c.algorithm, ha1: ha1(user, c.realm, password, c.algorithm), method: req.method, uri, nonce: c.nonce, qop: 'auth', nc, cnonce });
    req.headers.set(
      'Authorization',
      `Digest username="${user}", realm="${c.realm}", nonce="${c.nonce}", uri="${uri}", response="${response}", algorithm=${c.algorithm}, cnonce="${cnonce}", opaque="${c.opaque}", qop=auth, nc=${nc}`,
    );
  }

  registerRequest(opts: { expires?: number; contact?: string; user?: string } = {}): SipRequest {
    const user = opts.user ?? this.opts.user;
    return this.request('REGISTER', `sip:${this.domain}`, [
      ['From', `<sip:${user}@${this.domain}>;tag=${this.tag}`],
      ['To', `<sip:${user}@${this.domain}>`],
      ['Call-ID', this.registerCallId],
      ['CSeq', `${this.cseq++} REGISTER`],
      ['Contact', opts.contact ?? `<${this.contact}>`],
      ['Expires', String(opts.expires ?? 600)],
      ['User-Agent', 'hotline-test-phone'],
    ]);
  }

  /** REGISTER, answering the 401 once; the final response. */
  async register(opts: { expires?: number; password?: string; algorithm?: DigestAlgorithm; user?: string; contact?: string } = {}): Promise<{ res: SipResponse; challenge: SipResponse }> {
    const first = this.registerRequest(opts);
    this.send(first);
    const challenge = await this.waitResponse(first, { final: true });
    if (challenge.status !== 401) return { res: challenge, challenge };
    const second = this.registerRequest(opts);
    this.authorize(second, challenge, { ...(opts.password ? { password: opts.password } : {}), ...(opts.algorithm ? { algorithm: opts.algorithm } : {}), ...(opts.user ? { user: opts.user } : {}) });
    this.send(second);
    return { res: await this.waitResponse(second, { final: true }), challenge };
  }

  // ---- calls ----

  sdp(opts: { direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'; port?: number } = {}): string {
    return [
      'v=0',
      `o=${this.opts.user} ${Date.now()} ${this.sdpVersion++} IN IP4 127.0.0.1`,
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${opts.port ?? this.rtpPort} RTP/AVP 0 101`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      `a=${opts.direction ?? 'sendrecv'}`,
      '',
    ].join('\r\n');
  }
  private sdpVersion = 1;

  inviteRequest(number: string, sdp: string | null, callId = `${rand(8)}@test`, fromTag = rand(), cseq = 1): SipRequest {
    return this.request(
      'INVITE',
      `sip:${number}@${this.domain}`,
      [
        ['From', `"Test ${this.opts.user}" <${this.aor}>;tag=${fromTag}`],
        ['To', `<sip:${number}@${this.domain}>`],
        ['Call-ID', callId],
        ['CSeq', `${cseq} INVITE`],
        ['Contact', `<${this.contact}>`],
        ['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE'],
      ],
      sdp ?? undefined,
    );
  }

  /** ACK for a non-2xx final (§17.1.1.3): same branch, the response's To. */
  ackNon2xx(invite: SipRequest, res: SipResponse): void {
    const h = new SipHeaders([]);
    h.append('Via', invite.headers.getAll('via')[0]!);
    h.append('Max-Forwards', '70');
    h.append('From', invite.headers.get('from')!);
    h.append('To', res.headers.get('to')!);
    h.append('Call-ID', invite.callId!);
    h.append('CSeq', `${invite.cseq!.seq} ACK`);
    this.send(new SipRequest({ method: 'ACK', uri: invite.uri, headers: h }));
  }

  /**
   * Places a call: INVITE, 401, ACK, INVITE with credentials. Returns the authenticated INVITE
   * (responses are then awaited by the test), or the 401 when `auth: false`.
   */
  async call(number: string, opts: { sdp?: string | null; auth?: boolean } = {}): Promise<{ invite: SipRequest; challenge: SipResponse }> {
    const callId = `${rand(8)}@test`;
    const fromTag = rand();
    const sdp = opts.sdp === undefined ? this.sdp() : opts.sdp;
    const first = this.inviteRequest(number, sdp, callId, fromTag, 1);
    this.send(first);
    const challenge = await this.waitResponse(first, { final: true });
    if (challenge.status !== 401) throw new Error(`expected 401 to the first INVITE, got ${challenge.status}`);
    this.ackNon2xx(first, challenge);
    if (opts.auth === false) return { invite: first, challenge };
    const invite = this.inviteRequest(number, sdp, callId, fromTag, 2);
    this.authorize(invite, challenge);
    this.send(invite);
    return { invite, challenge };
  }

  /** The dialog of a call we placed, from its 2xx, with the ACK sent. */
  ack2xx(invite: SipRequest, ok: SipResponse): CallLeg {
    const leg: CallLeg = {
      callId: invite.callId!,
      localTag: invite.from!.tag!,
      remoteTag: ok.to!.tag!,
      localUri: invite.headers.get('from')!,
      remoteUri: ok.headers.get('to')!,
      remoteTarget: ok.contact && !ok.contact.star ? ok.contact.contacts[0]!.uri.raw : invite.uri,
      cseq: invite.cseq!.seq,
      invite,
    };
    this.sendAck(leg, invite.cseq!.seq);
    return leg;
  }

  sendAck(leg: CallLeg, seq: number): void {
    this.send(this.request('ACK', leg.remoteTarget, [['From', leg.localUri], ['To', leg.remoteUri], ['Call-ID', leg.callId], ['CSeq', `${seq} ACK`]]));
  }

  /** A request inside a dialog (BYE, re-INVITE, UPDATE…), sent. */
  inDialog(leg: CallLeg, method: string, body?: string): SipRequest {
    const seq = ++leg.cseq;
    const headers: Array<[string, string]> = [
      ['From', leg.localUri],
      ['To', leg.remoteUri],
      ['Call-ID', leg.callId],
      ['CSeq', `${seq} ${method}`],
    ];
    if (method !== 'BYE') headers.push(['Contact', `<${this.contact}>`]);
    const req = this.request(method, leg.remoteTarget, headers, body);
    this.send(req);
    return req;
  }

  /** CANCEL for our INVITE (§9.1). */
  cancel(invite: SipRequest): SipRequest {
    const h = new SipHeaders([]);
    h.append('Via', invite.headers.getAll('via')[0]!);
    h.append('Max-Forwards', '70');
    h.append('From', invite.headers.get('from')!);
    h.append('To', invite.headers.get('to')!);
    h.append('Call-ID', invite.callId!);
    h.append('CSeq', `${invite.cseq!.seq} CANCEL`);
    const c = new SipRequest({ method: 'CANCEL', uri: invite.uri, headers: h });
    this.send(c);
    return c;
  }

  /** Answers a request (any status), with our tag and Contact on dialog-creating responses. */
  reply(req: SipRequest, status: number, opts: { body?: string; tag?: string; headers?: Array<[string, string]> } = {}): SipResponse {
    const headers: Array<[string, string]> = [...(opts.headers ?? [])];
    if (req.method === 'INVITE' && status > 100 && status < 300) headers.push(['Contact', `<${this.contact}>`]);
    const res = createResponse(req, status, {
      ...(opts.tag ? { toTag: opts.tag } : {}),
      headers,
      ...(opts.body ? { body: opts.body, contentType: 'application/sdp' } : {}),
    });
    this.send(res);
    return res;
  }

  /** Callee side: 180 then 200 with our SDP; returns the dialog (the test awaits the ACK). */
  answer(invite: SipRequest, opts: { sdp?: string; ring?: boolean } = {}): CallLeg {
    const tag = rand();
    if (opts.ring !== false) this.reply(invite, 180, { tag });
    const ok = this.reply(invite, 200, { tag, body: opts.sdp ?? this.sdp() });
    return {
      callId: invite.callId!,
      localTag: tag,
      remoteTag: invite.from!.tag!,
      localUri: ok.headers.get('to')!,
      remoteUri: invite.headers.get('from')!,
      remoteTarget: invite.contact && !invite.contact.star ? invite.contact.contacts[0]!.uri.raw : invite.uri,
      cseq: 0,
      invite,
    };
  }

  // ---- RTP ----

  sendRtp(to: { address: string; port: number }, payload: Buffer, seq = 1): void {
    const h = Buffer.alloc(12);
    h[0] = 0x80;
    h[1] = 0; // PCMU
    h.writeUInt16BE(seq & 0xffff, 2);
    h.writeUInt32BE(seq * 160, 4);
    h.writeUInt32BE(0x1234abcd, 8);
    this.rtp.send(Buffer.concat([h, payload]), to.port, to.address);
  }

  /** Waits for an RTP packet whose payload (after the 12-byte header) equals `payload`, sending `resend` meanwhile. */
  async waitRtp(payload: Buffer, resend?: () => void, timeoutMs = 5_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.rtpInbox.findIndex((p) => p.length >= 12 && p.subarray(12).equals(payload));
      if (i >= 0) return this.rtpInbox.splice(i, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`${this.opts.user}: no RTP with the expected payload (${this.rtpInbox.length} other packets)`);
      resend?.();
      await new Promise<void>((res) => {
        const t = setTimeout(res, 50);
        this.rtpWaiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }
}

function describe(m: SipMessage): string {
  return m.kind === 'request' ? `${m.method} ${m.cseq?.seq ?? ''}` : `${m.status} ${m.cseq?.method ?? ''}`;
}

/** The audio endpoint an SDP body names (c= and the first m=audio). */
export function sdpAudio(body: Buffer | string): { address: string; port: number; direction: string } {
  const text = body.toString();
  const c = /^c=IN IP[46] (\S+)/m.exec(text);
  const m = /^m=audio (\d+)/m.exec(text);
  const d = /^a=(sendrecv|sendonly|recvonly|inactive)/m.exec(text);
  if (!c || !m) throw new Error(`no audio in SDP:\n${text}`);
  return { address: c[1]!, port: Number(m[1]), direction: d?.[1] ?? 'sendrecv' };
}
