/**
 * SIP digest authentication for the registrar: RFC 3261 §22 (SIP's use of HTTP digest),
 * RFC 2617 §3 / RFC 7616 §3 (computation, qop=auth), RFC 8760 (SHA-256 and SHA-512/256 for SIP).
 *
 * Pure and clock-driven: nonces are stateless (HMAC-signed with the server secret and stamped with
 * their issue time), so any registrar instance sharing the secret can verify them. The only state
 * is the bounded nonce-count table used for replay protection (RFC 7616 §3.4, §5.3).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { fillRandom, invalid, type Clock } from '../../kit/index.js';
import type { AuthValue } from '../headers.js';

/** Hash algorithms we implement (RFC 7616 §3.2 registry; RFC 8760 §2.1 for SIP). No `-sess`. */
export type DigestAlgorithm = 'MD5' | 'SHA-256' | 'SHA-512-256';

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['MD5', 'SHA-256', 'SHA-512-256'];

const NODE_HASH: Record<DigestAlgorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };
const HEX_LEN: Record<DigestAlgorithm, number> = { MD5: 32, 'SHA-256': 64, 'SHA-512-256': 64 };

/** The Authorization auth-params a UAC sends back (RFC 7616 §3.4, RFC 3261 §25.1 `dig-resp`). */
export interface DigestCredentials {
  username?: string;
  realm?: string;
  nonce?: string;
  uri?: string;
  response?: string;
  algorithm?: string;
  cnonce?: string;
  nc?: string;
  qop?: string;
  opaque?: string;
}

export type DigestFailure = 'unknown-user' | 'bad-response' | 'stale' | 'replay' | 'malformed' | 'realm' | 'algorithm';

export type DigestResult = { ok: true; username: string } | { ok: false; reason: DigestFailure };

export type LookupHA1 = (
  username: string,
  realm: string,
  algorithm: DigestAlgorithm,
) => string | null | Promise<string | null>;

export interface VerifyInput {
  method: string;
  /** Parsed Authorization params: a `DigestCredentials` record or `AuthValue.params`. */
  credentials: DigestCredentials | ReadonlyMap<string, string>;
  lookupHA1: LookupHA1;
  /**
   * Optional Request-URI as received. When given, the digest `uri` must equal it
   * (RFC 3261 §22.4 item 2 / RFC 7616 §3.4.6); mismatch → 'malformed'. Plain string comparison.
   */
  requestUri?: string;
}

export interface DigestOptions {
  clock: Clock;
  realm: string;
  /** Server key for stateless nonces and opaque values; at least 16 bytes. Share it across instances. */
  secret: string | Buffer;
  /** Nonce lifetime; older (but correctly signed and answered) nonces give 'stale'. */
  nonceTtlMs?: number;
  /** Offered algorithms in order of preference (RFC 8760 §2.4: most preferred first). */
  algorithms?: DigestAlgorithm[];
  /** Cap on the nonce-count table (replay protection). */
  maxTrackedNonces?: number;
}

/** H(data) as lower-case hex (RFC 7616 §3.4.1 "H"). */
function hash(algorithm: DigestAlgorithm, data: string): string {
  return createHash(NODE_HASH[algorithm]).update(data, 'utf8').digest('hex');
}

/** HA1 = H(username ":" realm ":" password) (RFC 7616 §3.4.2, RFC 2617 §3.2.2.2). Store this, not the password. */
export function ha1(username: string, realm: string, password: string, algorithm: DigestAlgorithm): string {
  return hash(algorithm, `${username}:${realm}:${password}`);
}

export interface ResponseInput {
  algorithm: DigestAlgorithm;
  ha1: string;
  method: string;
  uri: string;
  nonce: string;
  /** 'auth' or absent (RFC 2069 compatibility, RFC 2617 §3.2.2.1). auth-int is not supported. */
  qop?: 'auth';
  nc?: string;
  cnonce?: string;
}

/**
 * request-digest (RFC 2617 §3.2.2.1, RFC 7616 §3.4.1):
 *   qop=auth: H(HA1:nonce:nc:cnonce:qop:HA2)   no qop (RFC 2069): H(HA1:nonce:HA2)
 * with HA2 = H(method:digest-uri) (RFC 7616 §3.4.3). Returns lower-case hex.
 */
export function computeResponse(input: ResponseInput): string {
  const { algorithm } = input;
  const a1 = input.ha1.toLowerCase();
  const ha2 = hash(algorithm, `${input.method}:${input.uri}`);
  if (input.qop === 'auth') {
    return hash(algorithm, `${a1}:${input.nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:auth:${ha2}`);
  }
  return hash(algorithm, `${a1}:${input.nonce}:${ha2}`);
}

/** Reads the Digest params out of a parsed Authorization / Proxy-Authorization value; null if not Digest. */
export function digestCredentials(auth: AuthValue): DigestCredentials | null {
  if (auth.scheme.toLowerCase() !== 'digest') return null;
  return fromMap(auth.params);
}

function fromMap(m: ReadonlyMap<string, string>): DigestCredentials {
  const out: DigestCredentials = {};
  for (const k of ['username', 'realm', 'nonce', 'uri', 'response', 'algorithm', 'cnonce', 'nc', 'qop', 'opaque'] as const) {
    const v = m.get(k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function parseAlgorithm(s: string | undefined): DigestAlgorithm | null {
  // Absent means MD5 (RFC 2617 §3.2.1, RFC 7616 §3.3). Tokens are case-insensitive.
  if (s === undefined) return 'MD5';
  const u = s.toUpperCase();
  return (DIGEST_ALGORITHMS as readonly string[]).includes(u) ? (u as DigestAlgorithm) : null;
}

/** quoted-string (RFC 3261 §25.1): escape backslash and DQUOTE. */
function quote(s: string): string {
  return '"' + s.replace(/[\\"]/g, (c) => '\\' + c) + '"';
}

const TS_BYTES = 8;
const RAND_BYTES = 12;
const MAC_BYTES = 16;
const NONCE_BYTES = TS_BYTES + RAND_BYTES + MAC_BYTES;
/** Tolerated clock skew between instances for nonces "from the future". */
const FUTURE_SKEW_MS = 60_000;
const NC_RE = /^[0-9a-fA-F]{8}$/;
const HEX_RE = /^[0-9a-fA-F]+$/;

interface NcEntry {
  nc: number;
  expiresAt: number;
  issuedAt: number;
}

export class DigestAuthenticator {
  readonly realm: string;
  readonly algorithms: readonly DigestAlgorithm[];
  readonly nonceTtlMs: number;
  private readonly clock: Clock;
  private readonly secret: Buffer;
  private readonly maxTracked: number;
  /** nonce → highest nc seen. Map order is first-use order. */
  private readonly seen = new Map<string, NcEntry>();
  /**
   * When a live entry has to be evicted for the cap, nonces issued at or before this time that are
   * not in the table are refused as 'stale' (forcing a fresh challenge) instead of being trusted
   * as first use, so eviction can never reopen a replay window.
   */
  private evictedIssuedUpTo = -Infinity;

  constructor(opts: DigestOptions) {
    this.clock = opts.clock;
    this.realm = opts.realm;
    this.secret = typeof opts.secret === 'string' ? Buffer.from(opts.secret, 'utf8') : Buffer.from(opts.secret);
    this.nonceTtlMs = opts.nonceTtlMs ?? 300_000;
    this.algorithms = [...(opts.algorithms ?? ['SHA-256', 'MD5'])];
    this.maxTracked = opts.maxTrackedNonces ?? 10_000;
    if (this.secret.length < 16) throw invalid('DIGEST_BAD_SECRET', 'digest secret must be at least 16 bytes');
    if (opts.realm === '' || /[\r\n]/.test(opts.realm)) throw invalid('DIGEST_BAD_REALM', 'bad digest realm');
    if (!(this.nonceTtlMs > 0)) throw invalid('DIGEST_BAD_TTL', 'nonceTtlMs must be positive');
    if (!(this.maxTracked >= 1)) throw invalid('DIGEST_BAD_CAP', 'maxTrackedNonces must be at least 1');
    if (this.algorithms.length === 0) throw invalid('DIGEST_NO_ALGORITHM', 'at least one digest algorithm is required');
    for (const a of this.algorithms) {
      if (!DIGEST_ALGORITHMS.includes(a)) throw invalid('DIGEST_BAD_ALGORITHM', `unsupported digest algorithm ${String(a)}`);
    }
  }

  /** Number of nonces currently tracked for nonce-count replay protection. */
  get trackedNonces(): number {
    return this.seen.size;
  }

  /**
   * WWW-Authenticate (or Proxy-Authenticate) values for a 401/407: one per algorithm in order of
   * preference (RFC 8760 §2.4; SHA-256 first by default), sharing one fresh nonce and opaque.
   * `stale: true` tells the UAC to retry with the new nonce without re-prompting (RFC 7616 §3.3).
   */
  challenge(opts: { stale?: boolean } = {}): string[] {
    const nonce = this.issueNonce();
    const opaque = this.opaqueFor(nonce);
    return this.algorithms.map(
      (alg) =>
        `Digest realm=${quote(this.realm)}, nonce=${quote(nonce)}, opaque=${quote(opaque)}, algorithm=${alg}, qop="auth"` +
        (opts.stale ? ', stale=true' : ''),
    );
  }

  /**
   * Checks an Authorization header against RFC 7616 §3.4 / RFC 3261 §22.
   * Order: syntax → algorithm → realm → nonce signature and opaque → response (constant time)
   * → user existence → expiry ('stale' only for an otherwise correct response, RFC 7616 §3.3)
   * → nonce count. The caller answers 401 with a fresh challenge for every failure
   * (with stale=true for 'stale'), so 'unknown-user' and 'bad-response' look the same on the wire.
   */
  async verify(input: VerifyInput): Promise<DigestResult> {
    const c = input.credentials instanceof Map ? fromMap(input.credentials) : (input.credentials as DigestCredentials);
    const fail = (reason: DigestFailure): DigestResult => ({ ok: false, reason });
    const { username, realm, nonce, uri, response } = c;
    if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) {
      return fail('malformed');
    }
    if (input.requestUri !== undefined && input.requestUri !== uri) return fail('malformed');

    // qop: absent (RFC 2069 style) or "auth"; with qop, cnonce and nc are required (RFC 7616 §3.4).
    let qop: 'auth' | undefined;
    let nc = 0;
    if (c.qop !== undefined) {
      if (c.qop.toLowerCase() !== 'auth') return fail('malformed'); // auth-int not offered
      if (c.cnonce === undefined || c.cnonce === '' || c.nc === undefined || !NC_RE.test(c.nc)) return fail('malformed');
      nc = parseInt(c.nc, 16);
      if (nc === 0) return fail('malformed');
      qop = 'auth';
    } else if (c.cnonce !== undefined || c.nc !== undefined) {
      return fail('malformed');
    }

    const algorithm = parseAlgorithm(c.algorithm);
    if (algorithm === null || !this.algorithms.includes(algorithm)) return fail('algorithm');
    if (response.length !== HEX_LEN[algorithm] || !HEX_RE.test(response)) return fail('malformed');
    if (realm !== this.realm) return fail('realm');

    const issuedAt = this.checkNonce(nonce);
    if (issuedAt === null) return fail('malformed'); // forged, modified or foreign nonce
    // We always send opaque, so the UAC must echo it unchanged (RFC 7616 §3.3, §3.4).
    if (c.opaque === undefined || !safeEqualStr(c.opaque, this.opaqueFor(nonce))) return fail('malformed');

    // Unknown users get a deterministic dummy HA1 of the right length and go through the same hash
    // and comparison, so response timing does not reveal which usernames exist. The caller sends
    // the same 401 for 'unknown-user' and 'bad-response'.
    const stored = await input.lookupHA1(username, realm, algorithm);
    const known = stored !== null && stored.length === HEX_LEN[algorithm] && HEX_RE.test(stored);
    const usedHa1 = known ? stored : this.dummyHa1(algorithm, username);
    const expected = computeResponse({
      algorithm,
      ha1: usedHa1,
      method: input.method,
      uri,
      nonce,
      ...(qop ? { qop, nc: c.nc, cnonce: c.cnonce } : {}),
    });
    const match = timingSafeEqual(Buffer.from(expected, 'utf8'), Buffer.from(response.toLowerCase(), 'utf8'));
    if (!known) return fail('unknown-user');
    if (!match) return fail('bad-response');

    const now = this.clock.now();
    const expiresAt = issuedAt + this.nonceTtlMs;
    this.sweep(now);
    if (now >= expiresAt) return fail('stale');

    // Nonce-count replay protection (RFC 7616 §3.4, §5.3): nc must strictly increase per nonce.
    // Without qop (RFC 2069) there is no nc; such responses are only bounded by the nonce TTL.
    if (qop) {
      const entry = this.seen.get(nonce);
      if (entry) {
        if (nc <= entry.nc) return fail('replay');
        entry.nc = nc;
      } else {
        if (issuedAt <= this.evictedIssuedUpTo) return fail('stale');
        this.track(nonce, { nc, expiresAt, issuedAt });
      }
    }
    return { ok: true, username };
  }

  // -------------------------------------------------------------------------------------------
  // Stateless nonces: base64url(issuedAt u64 BE ‖ 12 random bytes ‖ HMAC-SHA256(secret, realm ‖ first 20 bytes)[0..16]).
  // RFC 7616 §3.3 and §5.4 suggest a timestamp plus a private-key hash, exactly this shape.

  private issueNonce(): string {
    const body = Buffer.alloc(TS_BYTES + RAND_BYTES);
    body.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(this.clock.now()))), 0);
    fillRandom(body, TS_BYTES, RAND_BYTES);
    return Buffer.concat([body, this.mac(body)]).toString('base64url');
  }

  /** Issue time of a nonce this server signed, or null if it is not one. */
  private checkNonce(nonce: string): number | null {
    if (!/^[A-Za-z0-9_-]+$/.test(nonce)) return null;
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== NONCE_BYTES || raw.toString('base64url') !== nonce) return null;
    const body = raw.subarray(0, TS_BYTES + RAND_BYTES);
    if (!timingSafeEqual(raw.subarray(TS_BYTES + RAND_BYTES), this.mac(body))) return null;
    const issuedAt = Number(body.readBigUInt64BE(0));
    if (issuedAt > this.clock.now() + FUTURE_SKEW_MS) return null;
    return issuedAt;
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.secret).update('nonce\0' + this.realm + '\0').update(body).digest().subarray(0, MAC_BYTES);
  }

  /** opaque is bound to the nonce, so it needs no state either. */
  private opaqueFor(nonce: string): string {
    return createHmac('sha256', this.secret).update('opaque\0' + nonce).digest().subarray(0, 16).toString('base64url');
  }

  private dummyHa1(algorithm: DigestAlgorithm, username: string): string {
    return hash(algorithm, createHmac('sha256', this.secret).update('dummy\0' + username).digest('hex'));
  }

  // -------------------------------------------------------------------------------------------
  // Nonce-count table

  /** Drops expired entries from the front (first-use order ≈ issue order); amortised O(1). */
  private sweep(now: number): void {
    for (const [k, e] of this.seen) {
      if (e.expiresAt > now) break;
      this.seen.delete(k);
    }
  }

  private track(nonce: string, entry: NcEntry): void {
    if (this.seen.size >= this.maxTracked) {
      // `verify` has just swept the expired head (insertion order is close to expiry order), so
      // only live entries remain: evict the oldest. Scanning the whole table here cost O(n) per
      // request once the table was full.
      while (this.seen.size >= this.maxTracked) {
        const first = this.seen.entries().next();
        if (first.done) break;
        const [k, e] = first.value;
        this.seen.delete(k);
        this.evictedIssuedUpTo = Math.max(this.evictedIssuedUpTo, e.issuedAt);
      }
    }
    this.seen.set(nonce, entry);
  }
}

function safeEqualStr(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
