/**
 * URIs in SIP: sip/sips (RFC 3261 §19.1), tel (RFC 3966), and any other absoluteURI kept opaque
 * (RFC 3261 §25.1 `absoluteURI`) so that a Request-URI with an unknown scheme still parses and can
 * be answered 416 (RFC 3261 §8.2.2.1, RFC 4475 §3.3.2).
 */
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { attempt, syntax, type Parsed } from './errors.js';
import { DEFAULT_LIMITS, type SipLimits } from './limits.js';
import {
  escapeHeader,
  escapeParam,
  escapePassword,
  escapeUser,
  isDigits,
  isHeaderChars,
  isHostnameChars,
  isParamChars,
  isPasswordChars,
  isUserChars,
  parseUint,
  pctDecode,
} from './scan.js';

/** Parameters keyed by lower-case name; a flag parameter (`;lr`) has the value `null`. */
export type Params = Map<string, string | null>;

export type HostType = 'ipv4' | 'ipv6' | 'hostname';

export interface SipUri {
  kind: 'sip';
  scheme: 'sip' | 'sips';
  /** Percent-decoded user part (RFC 3261 §19.1.4 compares it decoded). */
  user?: string;
  password?: string;
  /** Host as written; IPv6 references without the brackets. */
  host: string;
  hostType: HostType;
  port?: number;
  params: Params;
  /** `?name=value&...` headers, decoded, in order. */
  headers: Array<[string, string]>;
  /** The URI exactly as received. */
  raw: string;
}

export interface TelUri {
  kind: 'tel';
  scheme: 'tel';
  /** The subscriber number as written, visual separators included. */
  number: string;
  global: boolean;
  params: Params;
  raw: string;
}

export interface OtherUri {
  kind: 'other';
  /** Lower-cased scheme. */
  scheme: string;
  /** Everything after the first colon. */
  opaque: string;
  raw: string;
}

export type Uri = SipUri | TelUri | OtherUri;

const CODE = 'SIP_BAD_URI';
const fail = (detail: string): never => syntax(CODE, detail);

function isSchemeChar(c: number, first: boolean): boolean {
  const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  if (first) return alpha;
  return alpha || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
}

/** Parse a host (RFC 3261 §25.1 host = hostname / IPv4address / IPv6reference). */
export function parseHost(s: string): { host: string; hostType: HostType } {
  if (s.length === 0) fail('empty host');
  if (s.charCodeAt(0) === 91 /* [ */) {
    if (s.charCodeAt(s.length - 1) !== 93) fail('unterminated IPv6 reference');
    const inner = s.slice(1, -1);
    if (!isIPv6(inner)) fail('bad IPv6 address');
    return { host: inner, hostType: 'ipv6' };
  }
  let dotsAndDigits = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(c === 46 || (c >= 48 && c <= 57))) {
      dotsAndDigits = false;
      break;
    }
  }
  if (dotsAndDigits) {
    if (!isIPv4(s)) fail('bad IPv4 address');
    return { host: s, hostType: 'ipv4' };
  }
  if (!isHostnameChars(s) || s.charCodeAt(0) === 46 || s.charCodeAt(0) === 45) fail('bad hostname');
  return { host: s, hostType: 'hostname' };
}

/** host[:port] as in a URI or a Via sent-by. */
export function parseHostPort(s: string): { host: string; hostType: HostType; port?: number } {
  let hostPart = s;
  let portPart: string | undefined;
  if (s.charCodeAt(0) === 91) {
    const close = s.indexOf(']');
    if (close < 0) fail('unterminated IPv6 reference');
    hostPart = s.slice(0, close + 1);
    const after = s.slice(close + 1);
    if (after.length > 0) {
      if (after[0] !== ':') fail('junk after IPv6 reference');
      portPart = after.slice(1);
    }
  } else {
    const colon = s.indexOf(':');
    if (colon >= 0) {
      hostPart = s.slice(0, colon);
      portPart = s.slice(colon + 1);
    }
  }
  const h = parseHost(hostPart);
  if (portPart === undefined) return h;
  if (!isDigits(portPart) || portPart.length > 5) fail('bad port');
  return { ...h, port: parseUint(portPart, 65535, 'port', CODE) };
}

function parseUriParams(s: string, limits: SipLimits): Params {
  const params: Params = new Map();
  if (s.length === 0) return params;
  const parts = s.split(';');
  if (parts.length > limits.maxParams) syntax(CODE, 'too many URI parameters', 513);
  for (const p of parts) {
    const eq = p.indexOf('=');
    const name = eq < 0 ? p : p.slice(0, eq);
    const value = eq < 0 ? null : p.slice(eq + 1);
    if (!isParamChars(name)) fail(`bad URI parameter name ${JSON.stringify(name)}`);
    if (value !== null && !isParamChars(value)) fail(`bad URI parameter value for ${name}`);
    params.set(pctDecode(name).toLowerCase(), value === null ? null : pctDecode(value));
  }
  return params;
}

function parseUriHeaders(s: string, limits: SipLimits): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const parts = s.split('&');
  if (parts.length > limits.maxParams) syntax(CODE, 'too many URI headers', 513);
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq <= 0) fail('bad URI header');
    const name = p.slice(0, eq);
    const value = p.slice(eq + 1);
    if (!isHeaderChars(name) || !isHeaderChars(value)) fail('bad URI header characters');
    out.push([pctDecode(name), pctDecode(value)]);
  }
  return out;
}

function parseSip(scheme: 'sip' | 'sips', rest: string, raw: string, limits: SipLimits): SipUri {
  // RFC 3261 §25.1: '@' cannot appear unescaped in params or headers, so the first '@' ends the
  // userinfo, even though the user part may contain ';', '?', ',' and '/' (RFC 4475 §3.1.1.2, §3.1.1.9).
  const at = rest.indexOf('@');
  let user: string | undefined;
  let password: string | undefined;
  let hostEtc = rest;
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    hostEtc = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    const u = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (!isUserChars(u)) fail('bad user part');
    user = pctDecode(u);
    if (colon >= 0) {
      const pw = userinfo.slice(colon + 1);
      if (!isPasswordChars(pw)) fail('bad password');
      password = pctDecode(pw);
    }
  }
  const q = hostEtc.indexOf('?');
  const beforeHeaders = q < 0 ? hostEtc : hostEtc.slice(0, q);
  const semi = beforeHeaders.indexOf(';');
  const hostport = semi < 0 ? beforeHeaders : beforeHeaders.slice(0, semi);
  const hp = parseHostPort(hostport);
  const params = semi < 0 ? new Map<string, string | null>() : parseUriParams(beforeHeaders.slice(semi + 1), limits);
  const headers = q < 0 ? [] : parseUriHeaders(hostEtc.slice(q + 1), limits);
  const uri: SipUri = { kind: 'sip', scheme, host: hp.host, hostType: hp.hostType, params, headers, raw };
  if (user !== undefined) uri.user = user;
  if (password !== undefined) uri.password = password;
  if (hp.port !== undefined) uri.port = hp.port;
  return uri;
}

function parseTel(rest: string, raw: string, limits: SipLimits): TelUri {
  const semi = rest.indexOf(';');
  const number = semi < 0 ? rest : rest.slice(0, semi);
  if (number.length === 0) fail('empty tel number');
  const global = number.charCodeAt(0) === 43;
  for (let i = global ? 1 : 0; i < number.length; i++) {
    const c = number[i] as string;
    // RFC 3966 §3: phonedigit(-hex) and visual separators - . ( ), plus * # for local numbers
    if (!/[0-9A-Fa-f*#\-.()]/.test(c)) fail('bad tel number');
  }
  const params = semi < 0 ? new Map<string, string | null>() : parseUriParams(rest.slice(semi + 1), limits);
  return { kind: 'tel', scheme: 'tel', number, global, params, raw };
}

/** Parse a URI; throws SipError (internal). Use `parseUri` for the non-throwing form. */
export function parseUriOrThrow(raw: string, limits: SipLimits = DEFAULT_LIMITS): Uri {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    // No whitespace, controls, quotes or angle brackets inside any URI (RFC 4475 §3.1.2.7, §3.1.2.14).
    if (c <= 32 || c === 127 || c === 34 || c === 60 || c === 62) fail('illegal character in URI');
  }
  const colon = raw.indexOf(':');
  if (colon <= 0) fail('missing scheme');
  for (let i = 0; i < colon; i++) if (!isSchemeChar(raw.charCodeAt(i), i === 0)) fail('bad scheme');
  const scheme = raw.slice(0, colon).toLowerCase();
  const rest = raw.slice(colon + 1);
  if (scheme === 'sip' || scheme === 'sips') return parseSip(scheme, rest, raw, limits);
  if (scheme === 'tel') return parseTel(rest, raw, limits);
  if (rest.length === 0) fail('empty URI');
  return { kind: 'other', scheme, opaque: rest, raw };
}

/** Parse a URI without throwing. */
export function parseUri(raw: string, limits: SipLimits = DEFAULT_LIMITS): Parsed<Uri> {
  return attempt(() => parseUriOrThrow(raw, limits), CODE);
}

function formatParams(params: Params): string {
  let out = '';
  for (const [k, v] of params) out += ';' + escapeParam(k) + (v === null ? '' : '=' + escapeParam(v));
  return out;
}

/** Canonical serialization (strict: escapes whatever the grammar does not allow bare). */
export function formatUri(uri: Uri): string {
  if (uri.kind === 'other') return `${uri.scheme}:${uri.opaque}`;
  if (uri.kind === 'tel') return `tel:${uri.number}${formatParams(uri.params)}`;
  let out = uri.scheme + ':';
  if (uri.user !== undefined) {
    out += escapeUser(uri.user);
    if (uri.password !== undefined) out += ':' + escapePassword(uri.password);
    out += '@';
  }
  out += uri.hostType === 'ipv6' ? `[${uri.host}]` : uri.host;
  if (uri.port !== undefined) out += ':' + uri.port;
  out += formatParams(uri.params);
  if (uri.headers.length > 0) {
    out += '?' + uri.headers.map(([k, v]) => escapeHeader(k) + '=' + escapeHeader(v)).join('&');
  }
  return out;
}

/** Whether `s` is a literal IP address (Via received=, maddr). */
export const isIpAddress = (s: string) => isIP(s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s) !== 0;
