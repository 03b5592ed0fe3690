/**
 * Header names (canonical full forms, compact forms RFC 3261 §7.3.3) and the typed header parsers.
 * The parsers run lazily, on first access, from `SipHeaders.parsed()`; each receives every field
 * value of its header (one string per header line, already unfolded) and throws a SipError that
 * the caller turns into a `Parsed` failure.
 */
import { attempt, syntax, type Parsed } from './errors.js';
import { DEFAULT_LIMITS, type SipLimits } from './limits.js';
import {
  Scanner,
  UINT31_MAX,
  UINT32_MAX,
  isDigits,
  isGenValue,
  isToken,
  isWord,
  parseUint,
  quote,
  splitList,
  trimWs,
} from './scan.js';
import { formatUri, isIpAddress, parseHostPort, parseUriOrThrow, type HostType, type Params, type Uri } from './uri.js';

// ---------------------------------------------------------------------------------------------
// Names

/** RFC 3261 §7.3.3 compact forms, plus RFC 3265/6665 (o, u), 3515 (r), 3892 (b), 4028 (x),
 * 8224 (y), 3841 (a, j, d), 4474 (n). */
export const COMPACT_FORMS: Readonly<Record<string, string>> = Object.freeze({
  i: 'call-id',
  m: 'contact',
  f: 'from',
  t: 'to',
  v: 'via',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
  o: 'event',
  r: 'refer-to',
  b: 'referred-by',
  u: 'allow-events',
  x: 'session-expires',
  y: 'identity',
  a: 'accept-contact',
  j: 'reject-contact',
  d: 'request-disposition',
  n: 'identity-info',
});

const SPECIAL_CASE: Readonly<Record<string, string>> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'min-se': 'Min-SE',
  rack: 'RAck',
  rseq: 'RSeq',
  'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match',
  'p-asserted-identity': 'P-Asserted-Identity',
  'p-preferred-identity': 'P-Preferred-Identity',
};

const KNOWN = new Set<string>([
  ...Object.values(COMPACT_FORMS),
  ...Object.keys(SPECIAL_CASE),
  'accept', 'accept-encoding', 'accept-language', 'alert-info', 'allow', 'authentication-info',
  'authorization', 'call-info', 'content-disposition', 'content-language', 'date', 'error-info',
  'expires', 'in-reply-to', 'max-forwards', 'min-expires', 'organization', 'path', 'priority',
  'privacy', 'proxy-authenticate', 'proxy-authorization', 'proxy-require', 'reason', 'record-route',
  'replaces', 'reply-to', 'require', 'retry-after', 'route', 'security-client', 'security-server',
  'security-verify', 'server', 'service-route', 'subscription-state', 'target-dialog', 'timestamp',
  'unsupported', 'user-agent', 'warning', 'history-info',
]);

/** Lower-case key for a header name, compact forms expanded (names are case-insensitive, §7.3.1). */
export function headerKey(name: string): string {
  const hit = KEY_CACHE.get(name);
  if (hit !== undefined) return hit;
  const lower = name.toLowerCase();
  const key = COMPACT_FORMS[lower] ?? lower;
  remember(KEY_CACHE, name, key);
  return key;
}

/** The name we emit: the canonical full form for known headers, the received spelling otherwise. */
export function canonicalName(name: string): string {
  const hit = CANONICAL_CACHE.get(name);
  if (hit !== undefined) return hit;
  const key = headerKey(name);
  const out = !KNOWN.has(key) ? name : (SPECIAL_CASE[key] ?? key.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase()));
  remember(CANONICAL_CACHE, name, out);
  return out;
}

// Every message looks up and emits the same few dozen names; these caches make that a Map hit.
// They stop growing at a bound so a peer inventing header names cannot fill memory.
const KEY_CACHE = new Map<string, string>();
const CANONICAL_CACHE = new Map<string, string>();
const NAME_CACHE_MAX = 2048;
function remember(cache: Map<string, string>, name: string, value: string): void {
  if (cache.size < NAME_CACHE_MAX) cache.set(name, value);
}

/**
 * Headers whose values may be combined as comma-separated lists (RFC 3261 §7.3.1). Anything not
 * listed, and notably WWW-Authenticate, Authorization, Proxy-Authenticate, Proxy-Authorization
 * and Date whose single values contain commas, is never split.
 */
const LIST_HEADERS = new Set<string>([
  'via', 'contact', 'route', 'record-route', 'path', 'service-route', 'supported', 'require',
  'proxy-require', 'unsupported', 'allow', 'allow-events', 'accept', 'accept-encoding',
  'accept-language', 'alert-info', 'call-info', 'error-info', 'content-encoding', 'content-language',
  'in-reply-to', 'warning', 'reason', 'security-client', 'security-server', 'security-verify',
  'p-asserted-identity', 'p-preferred-identity', 'accept-contact', 'reject-contact', 'history-info',
  'request-disposition',
]);
export const isListHeader = (key: string) => LIST_HEADERS.has(key);

// ---------------------------------------------------------------------------------------------
// Types

export interface NameAddr {
  displayName?: string;
  uri: Uri;
  /** Header parameters (after the URI), lower-case names. */
  params: Params;
  /** Whether the URI was written inside < >. */
  bracketed: boolean;
}

/** From / To (RFC 3261 §20.20, §20.39). */
export interface FromTo extends NameAddr {
  tag?: string;
}

/** Via (RFC 3261 §20.42, RFC 3581 rport). */
export interface Via {
  protocol: string;
  version: string;
  /** Upper-cased: UDP, TCP, TLS, SCTP, WS, WSS, or any extension token. */
  transport: string;
  host: string;
  hostType: HostType;
  port?: number;
  params: Params;
  branch?: string;
  received?: string;
  maddr?: string;
  ttl?: number;
  /** `rport` present (with or without a value). */
  hasRport: boolean;
  /** `rport=N` value when present with one. */
  rport?: number;
}

export interface CSeq {
  seq: number;
  method: string;
}

export interface ContactValue extends NameAddr {
  expires?: number;
  q?: number;
}

export type ContactHeader = { star: true } | { star: false; contacts: ContactValue[] };

/** Authorization / Proxy-Authorization credentials or a WWW-/Proxy-Authenticate challenge. */
export interface AuthValue {
  scheme: string;
  /** auth-params by lower-case name, quoted strings unescaped. */
  params: Map<string, string>;
  /** For non-parameter schemes (e.g. `Bearer xyz`). */
  token68?: string;
}

export interface MediaType {
  type: string;
  subtype: string;
  /** `type/subtype`, lower case. */
  mime: string;
  params: Params;
}

/** Replaces (RFC 3891 §6.1). */
export interface Replaces {
  callId: string;
  toTag: string;
  fromTag: string;
  earlyOnly: boolean;
  params: Params;
}

/** Event (RFC 6665 §8.2.1). */
export interface EventHeader {
  /** Full event type, e.g. `presence.winfo`. */
  event: string;
  /** The package (before the first dot). */
  package: string;
  id?: string;
  params: Params;
}

export interface RetryAfter {
  seconds: number;
  comment?: string;
  duration?: number;
  params: Params;
}

export interface Warning {
  code: number;
  agent: string;
  text: string;
}

/** Every typed header, by lower-case key. */
export interface HeaderTypes {
  via: Via[];
  from: FromTo;
  to: FromTo;
  'call-id': string;
  cseq: CSeq;
  'max-forwards': number;
  contact: ContactHeader;
  route: NameAddr[];
  'record-route': NameAddr[];
  path: NameAddr[];
  'service-route': NameAddr[];
  authorization: AuthValue[];
  'proxy-authorization': AuthValue[];
  'www-authenticate': AuthValue[];
  'proxy-authenticate': AuthValue[];
  'content-type': MediaType;
  'content-length': number;
  supported: string[];
  require: string[];
  'proxy-require': string[];
  unsupported: string[];
  allow: string[];
  expires: number;
  'min-expires': number;
  replaces: Replaces;
  'refer-to': NameAddr;
  event: EventHeader;
  date: Date;
  'retry-after': RetryAfter;
  warning: Warning[];
}

export type TypedHeaderKey = keyof HeaderTypes;

// ---------------------------------------------------------------------------------------------
// Shared pieces

function codeFor(key: string): string {
  return 'SIP_BAD_' + key.toUpperCase().replace(/-/g, '_');
}

function single(lines: string[], key: string): string {
  if (lines.length !== 1) syntax(codeFor(key), `${canonicalName(key)} must appear once (found ${lines.length})`);
  return lines[0] as string;
}

function items(lines: string[], key: string, limits: SipLimits, allowEmptyHeader = false): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (allowEmptyHeader && trimWs(line) === '') continue;
    for (const item of splitList(line)) {
      if (item === '') syntax(codeFor(key), `empty element in ${canonicalName(key)}`);
      out.push(item);
      if (out.length > limits.maxListItems) syntax(codeFor(key), `too many ${canonicalName(key)} values`, 513);
    }
  }
  return out;
}

/** `*( SEMI generic-param )` at the cursor (RFC 3261 §25.1). Stops at anything but `;`. */
export function parseParams(sc: Scanner, limits: SipLimits): Params {
  const params: Params = new Map();
  for (;;) {
    const save = sc.i;
    sc.ws();
    if (!sc.eat(';')) {
      sc.i = save;
      return params;
    }
    sc.ws();
    const name = sc.token();
    if (name === '') sc.fail('empty parameter'); // RFC 4475 §3.1.2.1 (";;")
    sc.ws();
    let value: string | null = null;
    if (sc.eat('=')) {
      sc.ws();
      if (sc.peek() === 34) value = sc.quoted();
      else {
        value = sc.until(' \t;,<>"');
        if (value === '') sc.fail(`parameter ${name} has an empty value`);
        if (!isGenValue(value)) sc.fail(`parameter ${name} has an illegal value`);
      }
    }
    if (params.size >= limits.maxParams) syntax(sc.code, 'too many parameters', 513);
    params.set(name.toLowerCase(), value);
  }
}

function expectEnd(sc: Scanner, what: string): void {
  sc.ws();
  if (!sc.eof()) sc.fail(`unexpected ${JSON.stringify(sc.s.slice(sc.i, sc.i + 16))} in ${what}`);
}

/** Format header parameters, quoting values that are not token/host. */
export function formatParams(params: Params): string {
  let out = '';
  for (const [k, v] of params) out += ';' + k + (v === null ? '' : '=' + (isGenValue(v) ? v : quote(v)));
  return out;
}

/** `name-addr / addr-spec` followed by header parameters (RFC 3261 §20.10, §20.20). */
export function parseNameAddr(value: string, limits: SipLimits, code = 'SIP_BAD_NAME_ADDR'): NameAddr {
  const sc: Scanner = new Scanner(value, code);
  sc.ws();
  let displayName: string | undefined;
  if (sc.peek() === 34) {
    displayName = sc.quoted(); // unterminated → RFC 4475 §3.1.2.6
    sc.ws();
    if (sc.peek() !== 60) sc.fail('expected <URI> after the display name');
  } else if (sc.peek() !== 60) {
    // A token display name runs up to '<'; an addr-spec has no '<' before its parameters.
    const from = sc.i;
    let j = from;
    while (j < value.length && value[j] !== '<' && value[j] !== ';' && value[j] !== '"') j++;
    if (value[j] === '<') {
      const words = trimWs(value.slice(from, j));
      // display-name = *(token LWS): RFC 4475 §3.1.2.15
      for (const w of words.split(/[ \t]+/)) if (w !== '' && !isToken(w)) sc.fail('display name must be a token list or quoted');
      if (words !== '') displayName = words.replace(/[ \t]+/g, ' ');
      sc.i = j;
    }
  }
  let uriText: string;
  let bracketed = false;
  if (sc.eat('<')) {
    uriText = sc.until('>');
    sc.expect('>', 'to close the URI');
    bracketed = true;
  } else {
    uriText = trimWs(sc.until(';'));
    // RFC 3261 §20: a URI with ',' '?' or ';' must be in angle brackets (RFC 4475 §3.1.2.13)
    if (uriText.indexOf('?') >= 0) sc.fail('a URI with headers must be enclosed in <>');
  }
  // No spaces inside <> (RFC 4475 §3.1.2.14): parseUri refuses whitespace.
  const uri = parseUriOrThrow(uriText, limits);
  const params = parseParams(sc, limits);
  expectEnd(sc, 'name-addr');
  const na: NameAddr = { uri, params, bracketed };
  if (displayName !== undefined) na.displayName = displayName;
  return na;
}

/** Serialize a name-addr; always uses < > (strict in what we emit). */
export function formatNameAddr(na: NameAddr): string {
  let out = '';
  if (na.displayName !== undefined && na.displayName !== '') out += quote(na.displayName) + ' ';
  out += '<' + formatUri(na.uri) + '>';
  return out + formatParams(na.params);
}

// ---------------------------------------------------------------------------------------------
// Individual parsers

function parseFromTo(lines: string[], key: 'from' | 'to', limits: SipLimits): FromTo {
  const code = codeFor(key);
  const line = single(lines, key);
  const parts = splitList(line);
  if (parts.length !== 1) syntax(code, `${canonicalName(key)} has more than one value`); // RFC 4475 §3.1.2.15
  const na: FromTo = parseNameAddr(line, limits, code);
  const tag = na.params.get('tag');
  if (tag !== undefined) {
    if (tag === null || !isToken(tag)) syntax(code, 'bad tag');
    na.tag = tag;
  }
  return na;
}

function parseViaItem(value: string, limits: SipLimits): Via {
  const sc: Scanner = new Scanner(value, 'SIP_BAD_VIA');
  sc.ws();
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport; SLASH = SWS "/" SWS
  const protocol = sc.token();
  if (protocol === '') sc.fail('missing protocol name');
  sc.ws();
  sc.expect('/', 'after the protocol name');
  sc.ws();
  const version = sc.token();
  if (version === '') sc.fail('missing protocol version');
  sc.ws();
  sc.expect('/', 'after the protocol version');
  sc.ws();
  const transport = sc.token();
  if (transport === '') sc.fail('missing transport');
  if (sc.ws() === 0) sc.fail('expected whitespace before sent-by');
  // sent-by = host [ COLON port ]
  let hostText = sc.until(' \t;:');
  if (hostText.startsWith('[') && !hostText.endsWith(']')) hostText += sc.until(']') + (sc.eat(']') ? ']' : '');
  sc.ws();
  let portText = '';
  if (sc.eat(':')) {
    sc.ws();
    portText = sc.until(' \t;');
    if (portText === '') sc.fail('empty port');
  }
  const hp = parseHostPort(portText === '' ? hostText : `${hostText}:${portText}`);
  const params = parseParams(sc, limits);
  expectEnd(sc, 'Via');
  const via: Via = {
    protocol: protocol.toUpperCase(),
    version,
    transport: transport.toUpperCase(),
    host: hp.host,
    hostType: hp.hostType,
    params,
    hasRport: params.has('rport'),
  };
  if (hp.port !== undefined) via.port = hp.port;
  const branch = params.get('branch');
  if (branch !== undefined) {
    if (branch === null || !isToken(branch)) sc.fail('bad branch');
    via.branch = branch;
  }
  const received = params.get('received');
  if (received !== undefined) {
    if (received === null || !isIpAddress(received)) sc.fail('received must be an IP address');
    via.received = received;
  }
  const maddr = params.get('maddr');
  if (maddr !== undefined) {
    if (maddr === null) sc.fail('empty maddr');
    parseHostPort(maddr);
    via.maddr = maddr;
  }
  const ttl = params.get('ttl');
  if (ttl !== undefined) {
    if (ttl === null) sc.fail('empty ttl');
    via.ttl = parseUint(ttl, 255, 'ttl', 'SIP_BAD_VIA');
  }
  const rport = params.get('rport');
  if (rport !== undefined && rport !== null) {
    const n = parseUint(rport, 65535, 'rport', 'SIP_BAD_VIA');
    if (n === 0) sc.fail('rport out of range');
    via.rport = n;
  }
  return via;
}

function parseCSeq(lines: string[]): CSeq {
  const sc: Scanner = new Scanner(single(lines, 'cseq'), 'SIP_BAD_CSEQ');
  sc.ws();
  const digits = sc.until(' \t');
  // RFC 3261 §8.1.1.5: the sequence number MUST be less than 2**31 (RFC 4475 §3.1.2.4)
  const seq = parseUint(digits, UINT31_MAX, 'CSeq number', 'SIP_BAD_CSEQ');
  if (sc.ws() === 0) sc.fail('expected whitespace before the method');
  const method = sc.token();
  if (method === '') sc.fail('missing method');
  expectEnd(sc, 'CSeq');
  return { seq, method };
}

function numberHeader(key: string, max: number) {
  return (lines: string[]): number => parseUint(trimWs(single(lines, key)), max, canonicalName(key), codeFor(key));
}

function parseCallId(lines: string[]): string {
  const v = trimWs(single(lines, 'call-id'));
  // callid = word [ "@" word ] (RFC 3261 §25.1)
  const at = v.indexOf('@');
  const ok = at < 0 ? isWord(v) : isWord(v.slice(0, at)) && isWord(v.slice(at + 1));
  if (!ok) syntax('SIP_BAD_CALL_ID', 'bad Call-ID');
  return v;
}

function parseContact(lines: string[], limits: SipLimits): ContactHeader {
  const all = items(lines, 'contact', limits);
  if (all.some((v) => v === '*')) {
    if (all.length !== 1) syntax('SIP_BAD_CONTACT', '"*" must be the only Contact value'); // §10.2.2
    return { star: true };
  }
  const contacts = all.map((v): ContactValue => {
    const c: ContactValue = parseNameAddr(v, limits, 'SIP_BAD_CONTACT');
    const expires = c.params.get('expires');
    if (expires !== undefined) {
      if (expires === null) syntax('SIP_BAD_CONTACT', 'empty expires');
      c.expires = parseUint(expires, UINT32_MAX, 'Contact expires', 'SIP_BAD_CONTACT'); // RFC 4475 §3.1.2.4
    }
    const q = c.params.get('q');
    if (q !== undefined) {
      // qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
      if (q === null || !/^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/.test(q)) syntax('SIP_BAD_CONTACT', 'bad q value');
      c.q = Number(q);
    }
    return c;
  });
  return { star: false, contacts };
}

function nameAddrList(key: string) {
  return (lines: string[], limits: SipLimits): NameAddr[] =>
    items(lines, key, limits).map((v) => parseNameAddr(v, limits, codeFor(key)));
}

function parseAuth(value: string, code: string, limits: SipLimits): AuthValue {
  const sc: Scanner = new Scanner(value, code);
  sc.ws();
  const scheme = sc.token();
  if (scheme === '') sc.fail('missing auth scheme');
  const params = new Map<string, string>();
  if (sc.ws() === 0 && !sc.eof()) sc.fail('expected whitespace after the auth scheme');
  if (sc.eof()) return { scheme, params };
  const rest = trimWs(sc.s.slice(sc.i));
  // token68 (RFC 7235 §2.1) for schemes like Bearer; Digest always uses auth-params (RFC 7616 §3.4).
  if (scheme.toLowerCase() !== 'digest' && /^[A-Za-z0-9\-._~+/]+=*$/.test(rest)) {
    return { scheme, params, token68: rest };
  }
  for (;;) {
    sc.ws();
    const name = sc.token();
    if (name === '') sc.fail('empty auth-param');
    sc.ws();
    sc.expect('=', `after ${name}`);
    sc.ws();
    const isQuoted = sc.peek() === 34;
    const v = isQuoted ? sc.quoted() : trimWs(sc.until(','));
    if (v === '' && !isQuoted) sc.fail(`empty value for ${name}`);
    const lower = name.toLowerCase();
    if (params.has(lower)) sc.fail(`duplicate auth-param ${name}`);
    if (params.size >= limits.maxParams) syntax(code, 'too many auth-params', 513);
    params.set(lower, v);
    sc.ws();
    if (sc.eof()) break;
    sc.expect(',', 'between auth-params');
  }
  return { scheme, params };
}

function authList(key: string) {
  return (lines: string[], limits: SipLimits): AuthValue[] => lines.map((l) => parseAuth(l, codeFor(key), limits));
}

function parseContentType(lines: string[], limits: SipLimits): MediaType {
  const sc: Scanner = new Scanner(single(lines, 'content-type'), 'SIP_BAD_CONTENT_TYPE');
  sc.ws();
  const type = sc.token().toLowerCase();
  sc.ws();
  sc.expect('/', 'in media type');
  sc.ws();
  const subtype = sc.token().toLowerCase();
  if (type === '' || subtype === '') sc.fail('bad media type');
  const params = parseParams(sc, limits);
  expectEnd(sc, 'Content-Type');
  return { type, subtype, mime: `${type}/${subtype}`, params };
}

function tokenList(key: string) {
  return (lines: string[], limits: SipLimits): string[] => {
    const out = items(lines, key, limits, true);
    for (const t of out) if (!isToken(t)) syntax(codeFor(key), `bad ${canonicalName(key)} token ${JSON.stringify(t)}`);
    return out;
  };
}

function parseReplaces(lines: string[], limits: SipLimits): Replaces {
  const sc: Scanner = new Scanner(single(lines, 'replaces'), 'SIP_BAD_REPLACES');
  sc.ws();
  const callId = trimWs(sc.until(';'));
  const at = callId.indexOf('@');
  if (!(at < 0 ? isWord(callId) : isWord(callId.slice(0, at)) && isWord(callId.slice(at + 1)))) sc.fail('bad call-id');
  const params = parseParams(sc, limits);
  expectEnd(sc, 'Replaces');
  const toTag = params.get('to-tag');
  const fromTag = params.get('from-tag');
  // RFC 3891 §6.1: exactly one to-tag and one from-tag
  if (typeof toTag !== 'string' || typeof fromTag !== 'string') sc.fail('Replaces needs to-tag and from-tag');
  return { callId, toTag, fromTag, earlyOnly: params.has('early-only'), params };
}

function parseReferTo(lines: string[], limits: SipLimits): NameAddr {
  const line = single(lines, 'refer-to');
  if (splitList(line).length !== 1) syntax('SIP_BAD_REFER_TO', 'Refer-To has more than one value'); // RFC 3515 §2.1
  return parseNameAddr(line, limits, 'SIP_BAD_REFER_TO');
}

function parseEvent(lines: string[], limits: SipLimits): EventHeader {
  const sc: Scanner = new Scanner(single(lines, 'event'), 'SIP_BAD_EVENT');
  sc.ws();
  const event = sc.token();
  if (event === '') sc.fail('missing event type');
  const params = parseParams(sc, limits);
  expectEnd(sc, 'Event');
  const dot = event.indexOf('.');
  const ev: EventHeader = { event, package: dot < 0 ? event : event.slice(0, dot), params };
  const id = params.get('id');
  if (typeof id === 'string') ev.id = id;
  return ev;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function parseDate(lines: string[]): Date {
  // SIP-date = rfc1123-date, always in GMT (RFC 3261 §20.17; RFC 4475 §3.1.2.12)
  const m = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{2}) ([A-Z][a-z]{2}) ([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT$/.exec(
    trimWs(single(lines, 'date')),
  );
  const month = m ? MONTHS.indexOf(m[2] as string) : -1;
  if (!m || month < 0) return syntax('SIP_BAD_DATE', 'Date must be an RFC 1123 date in GMT');
  const [d, y, hh, mm, ss] = [m[1], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  if (d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60) syntax('SIP_BAD_DATE', 'Date out of range');
  return new Date(Date.UTC(y, month, d, hh, mm, ss));
}

function parseRetryAfter(lines: string[], limits: SipLimits): RetryAfter {
  const sc: Scanner = new Scanner(single(lines, 'retry-after'), 'SIP_BAD_RETRY_AFTER');
  sc.ws();
  const seconds = parseUint(sc.until(' \t(;'), UINT32_MAX, 'Retry-After', 'SIP_BAD_RETRY_AFTER'); // RFC 4475 §3.1.2.5
  sc.ws();
  const ra: RetryAfter = { seconds, params: new Map() };
  if (sc.eat('(')) {
    ra.comment = sc.until(')');
    sc.expect(')', 'to close the comment');
  }
  ra.params = parseParams(sc, limits);
  expectEnd(sc, 'Retry-After');
  const duration = ra.params.get('duration');
  if (duration !== undefined) {
    if (duration === null) sc.fail('empty duration');
    ra.duration = parseUint(duration, UINT32_MAX, 'duration', 'SIP_BAD_RETRY_AFTER');
  }
  return ra;
}

function parseWarnings(lines: string[], limits: SipLimits): Warning[] {
  return items(lines, 'warning', limits).map((v) => {
    const sc: Scanner = new Scanner(v, 'SIP_BAD_WARNING');
    const code = sc.until(' ');
    // warn-code = 3DIGIT (RFC 3261 §20.43; RFC 4475 §3.1.2.5 "1812")
    if (code.length !== 3 || !isDigits(code)) sc.fail('warn-code must be 3 digits');
    if (sc.ws() === 0) sc.fail('expected whitespace');
    const agent = sc.until(' \t');
    if (agent === '') sc.fail('missing warn-agent');
    if (sc.ws() === 0) sc.fail('expected whitespace');
    const text = sc.quoted();
    expectEnd(sc, 'Warning');
    return { code: Number(code), agent, text };
  });
}

type HeaderParser<T> = (lines: string[], limits: SipLimits) => T;

export const HEADER_PARSERS: { readonly [K in TypedHeaderKey]: HeaderParser<HeaderTypes[K]> } = {
  via: (lines, limits) => items(lines, 'via', limits).map((v) => parseViaItem(v, limits)),
  from: (lines, limits) => parseFromTo(lines, 'from', limits),
  to: (lines, limits) => parseFromTo(lines, 'to', limits),
  'call-id': parseCallId,
  cseq: parseCSeq,
  // RFC 3261 §20.22: Max-Forwards is 0-255 (RFC 4475 §3.1.2.4 "300")
  'max-forwards': numberHeader('max-forwards', 255),
  contact: parseContact,
  route: nameAddrList('route'),
  'record-route': nameAddrList('record-route'),
  path: nameAddrList('path'),
  'service-route': nameAddrList('service-route'),
  authorization: authList('authorization'),
  'proxy-authorization': authList('proxy-authorization'),
  'www-authenticate': authList('www-authenticate'),
  'proxy-authenticate': authList('proxy-authenticate'),
  'content-type': parseContentType,
  'content-length': numberHeader('content-length', UINT32_MAX),
  supported: tokenList('supported'),
  require: tokenList('require'),
  'proxy-require': tokenList('proxy-require'),
  unsupported: tokenList('unsupported'),
  allow: tokenList('allow'),
  expires: numberHeader('expires', UINT32_MAX),
  'min-expires': numberHeader('min-expires', UINT32_MAX),
  replaces: parseReplaces,
  'refer-to': parseReferTo,
  event: parseEvent,
  date: parseDate,
  'retry-after': parseRetryAfter,
  warning: parseWarnings,
};

export const isTypedHeader = (key: string): key is TypedHeaderKey => Object.prototype.hasOwnProperty.call(HEADER_PARSERS, key);

/** Parse one name-addr / addr-spec header value (with its parameters) without throwing. */
export function parseNameAddrValue(value: string, limits: SipLimits = DEFAULT_LIMITS): Parsed<NameAddr> {
  return attempt(() => parseNameAddr(value, limits));
}
