/**
 * Semantic checks on a parsed message, answering what RFC 4475 expects: 400 for malformed or
 * missing mandatory headers, 505 for another SIP version, 416 for an unsupported Request-URI
 * scheme, 420 for an unsupported Require, 483 for Max-Forwards 0 (RFC 3261 §8.2, §16.3).
 * (513 and framing 400s come from the parser.)
 */
import { problem, type SipProblem } from './errors.js';
import { HEADER_PARSERS, canonicalName, isTypedHeader } from './headers.js';
import type { SipMessage, SipRequest, SipResponse } from './message.js';

export type Validation = { ok: true } | ({ ok: false; headers?: Array<[string, string]> } & SipProblem);

export interface ValidateOptions {
  /** Option tags we implement (Require / Proxy-Require are checked against them). */
  supported?: readonly string[];
  /** `uas` (default) checks Require (RFC 3261 §8.2.2.3); `proxy` checks Proxy-Require (§16.3 step 4). */
  role?: 'uas' | 'proxy';
  /** Request-URI schemes we serve (RFC 3261 §8.2.2.1). Default sip, sips, tel. */
  schemes?: readonly string[];
  /**
   * Let an OPTIONS with Max-Forwards 0 through, for a caller that answers it itself
   * (RFC 3261 §16.3 step 3, RFC 4475 §3.3.11). Default false: 483.
   */
  answerOptionsAtZeroMaxForwards?: boolean;
  /** When set, a body whose Content-Type is not listed gets 415 (RFC 3261 §8.2.3). */
  acceptContentTypes?: readonly string[];
}

const MANDATORY = ['to', 'from', 'call-id', 'cseq', 'via'] as const;

function bad(status: number, code: string, detail: string, headers?: Array<[string, string]>): Validation {
  return headers ? { ok: false, ...problem(status, code, detail), headers } : { ok: false, ...problem(status, code, detail) };
}

/** Mandatory headers present and every typed header that is present well formed. */
function checkHeaders(msg: SipMessage): Validation {
  for (const key of MANDATORY) {
    if (!msg.headers.has(key)) return bad(400, 'SIP_MISSING_HEADER', `missing ${canonicalName(key)} header`);
  }
  const seen = new Set<string>();
  for (const f of msg.headers) {
    if (seen.has(f.key) || !isTypedHeader(f.key)) continue;
    seen.add(f.key);
    const p = msg.headers.parsed(f.key);
    if (p && !p.ok) return bad(400, p.error.code, `${canonicalName(f.key)}: ${p.error.detail}`);
  }
  const cl = msg.headers.value('content-length');
  if (cl !== undefined && cl !== msg.body.length) {
    return bad(400, 'SIP_BAD_CONTENT_LENGTH', `Content-Length ${cl} but ${msg.body.length} body octets`);
  }
  if ((msg.via ?? []).length === 0) return bad(400, 'SIP_MISSING_HEADER', 'missing Via header');
  return { ok: true };
}

/** Validate a request a UAS or proxy received. The first failing rule decides the answer. */
export function validateRequest(req: SipRequest, opts: ValidateOptions = {}): Validation {
  // RFC 3261 §8.1.1.1 / RFC 4475 §3.1.2.16: only SIP/2.0
  if (req.version.toUpperCase() !== 'SIP/2.0') return bad(505, 'SIP_BAD_VERSION', `version ${req.version}`);
  const headers = checkHeaders(req);
  if (!headers.ok) return headers;
  const uri = req.requestUri;
  if (!uri.ok) return bad(400, 'SIP_BAD_REQUEST_URI', uri.error.detail); // RFC 4475 §3.1.2.7
  const cseq = req.cseq;
  // RFC 3261 §8.1.1.5: the CSeq method MUST match the request method (RFC 4475 §3.1.2.17, §3.1.2.18)
  if (cseq && cseq.method !== req.method) return bad(400, 'SIP_CSEQ_METHOD_MISMATCH', `CSeq method ${cseq.method} is not ${req.method}`);
  const schemes = opts.schemes ?? ['sip', 'sips', 'tel'];
  // RFC 3261 §8.2.2.1 / RFC 4475 §3.3.2, §3.3.3
  if (!schemes.includes(uri.value.scheme)) {
    return bad(416, 'SIP_UNSUPPORTED_URI_SCHEME', `scheme ${uri.value.scheme}`);
  }
  // RFC 3261 §19.1.1 Table 1: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11)
  if (uri.value.kind === 'sip' && uri.value.headers.length > 0) {
    return bad(400, 'SIP_BAD_REQUEST_URI', 'headers are not allowed in the Request-URI');
  }
  const mf = req.maxForwards;
  if (mf === 0 && !(req.method === 'OPTIONS' && opts.answerOptionsAtZeroMaxForwards)) {
    return bad(483, 'SIP_TOO_MANY_HOPS', 'Max-Forwards is 0'); // RFC 3261 §16.3 step 3
  }
  // RFC 3261 §8.2.2.3: never reject ACK or CANCEL for Require
  if (req.method !== 'ACK' && req.method !== 'CANCEL') {
    const supported = new Set((opts.supported ?? []).map((t) => t.toLowerCase()));
    // A UAS checks Require (§8.2.2.3); a proxy checks Proxy-Require only (§16.3 step 4).
    const required = req.headers.value(opts.role === 'proxy' ? 'proxy-require' : 'require') ?? [];
    const unsupported = required.filter((t) => !supported.has(t.toLowerCase()));
    if (unsupported.length > 0) {
      return bad(420, 'SIP_BAD_EXTENSION', `unsupported: ${unsupported.join(', ')}`, [['Unsupported', unsupported.join(', ')]]);
    }
  }
  if (opts.acceptContentTypes && req.body.length > 0) {
    const ct = req.contentType;
    const accepted = opts.acceptContentTypes.map((t) => t.toLowerCase());
    if (!ct || !accepted.includes(ct.mime)) {
      return bad(415, 'SIP_UNSUPPORTED_MEDIA_TYPE', `Content-Type ${ct?.mime ?? '(none)'}`, [['Accept', accepted.join(', ')]]);
    }
  }
  return { ok: true };
}

/**
 * Validate a received response. A failure means: drop it (never answer a response). The status is
 * only a classification (RFC 4475 §3.1.2.5, §3.1.2.19). Matching it to a transaction is the
 * transaction layer's business.
 */
export function validateResponse(res: SipResponse): Validation {
  if (res.version.toUpperCase() !== 'SIP/2.0') return bad(505, 'SIP_BAD_VERSION', `version ${res.version}`);
  return checkHeaders(res);
}

/** Every typed header this layer knows how to parse. */
export const TYPED_HEADERS = Object.freeze(Object.keys(HEADER_PARSERS));
