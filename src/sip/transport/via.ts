/**
 * Via handling done by the transport: stamping `received` / `rport` on inbound requests
 * (RFC 3261 §18.2.1, RFC 3581 §4) and choosing where a response goes (RFC 3261 §18.2.2, RFC 3581 §4).
 */
import type { SipRequest } from '../message.js';
import { splitList } from '../scan.js';
import type { SipEndpoint } from './types.js';

/** Strip IPv6 brackets and the IPv4-mapped prefix, lower-case: for comparing addresses. */
export function normalizeAddress(addr: string): string {
  let a = addr.startsWith('[') && addr.endsWith(']') ? addr.slice(1, -1) : addr;
  a = a.toLowerCase();
  if (a.startsWith('::ffff:') && a.includes('.')) a = a.slice(7);
  return a;
}

/** Split a Via item on `;` outside quoted strings (gen-value may be a quoted-string, §25.1). */
function splitParams(item: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < item.length; i++) {
    const c = item[i] as string;
    if (quoted && c === '\\' && i + 1 < item.length) {
      cur += c + (item[i + 1] as string);
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * Fill in the top Via of an inbound request:
 * - `received=<source address>` when the sent-by host differs from it (RFC 3261 §18.2.1; any
 *   received the sender put there is replaced);
 * - `rport=<source port>` when the Via carries an empty `rport` (RFC 3581 §4). RFC 3581 also
 *   requires `received` whenever rport is filled in, even when the host matches.
 * Returns false (and leaves the message alone) when the top Via cannot be parsed: validation
 * answers such a request with 400 later.
 */
export function stampVia(req: SipRequest, source: SipEndpoint): boolean {
  const via = req.via?.[0];
  if (!via) return false;
  const src = normalizeAddress(source.address);
  const fillRport = via.hasRport && via.rport === undefined;
  const needReceived = fillRport || normalizeAddress(via.host) !== src;
  if (!needReceived && !fillRport) return true;
  const lines = req.headers.lines('via');
  const first = lines[0];
  if (first === undefined) return false;
  const items = splitList(first);
  const top = items[0];
  if (top === undefined) return false;
  const parts = splitParams(top);
  const head = parts[0] ?? '';
  const params = parts.slice(1).map((p) => p.trim());
  const name = (p: string) => (p.split('=')[0] ?? '').trim().toLowerCase();
  let haveReceived = false;
  const out = params.map((p) => {
    const n = name(p);
    if (n === 'received' && needReceived) {
      haveReceived = true;
      return `received=${src}`;
    }
    if (n === 'rport' && fillRport) return `rport=${source.port}`;
    return p;
  });
  if (needReceived && !haveReceived) {
    // Insert right after sent-by, as in the RFC 3581 §4 example.
    out.unshift(`received=${src}`);
  }
  const newTop = [head.trimEnd(), ...out].join(';');
  req.headers.set('via', [[newTop, ...items.slice(1)].join(', '), ...lines.slice(1)]);
  return true;
}

/**
 * Where to send a response to `req` (already stamped by `stampVia`) that came from `source`
 * (RFC 3261 §18.2.2 with RFC 3581 §4):
 * - WebSocket (ws / wss): only the connection the request arrived on (RFC 7118 §5);
 * - TCP / TLS: the connection the request arrived on (`connectionId`); if it has closed, the
 *   transport opens a new one to the `received` address and the sent-by port (5060 for TCP, 5061
 *   for TLS, RFC 3261 §18.2.2 and §19.1.2);
 * - `maddr` in the top Via: that address, sent-by port (multicast TTL is not handled);
 * - `rport` in the top Via (UDP): the source address and port of the request;
 * - otherwise `received` (or the sent-by host) and the sent-by port, 5060 by default.
 * With no readable Via, the request's source.
 */
export function responseTarget(req: SipRequest, source: SipEndpoint): SipEndpoint {
  const via = req.via?.[0];
  if (source.transport === 'ws' || source.transport === 'wss') {
    // RFC 7118 §5: the response goes back over the WebSocket the request came on. The sent-by host
    // is often a random `.invalid` name and a browser cannot accept connections, so there is no
    // address to fall back to: the peer's own address is kept only for logs.
    const t: SipEndpoint = { transport: source.transport, address: source.address, port: source.port };
    if (source.connectionId !== undefined) t.connectionId = source.connectionId;
    return t;
  }
  if (source.transport !== 'udp') {
    const t: SipEndpoint = {
      transport: source.transport,
      address: via?.received ?? source.address,
      port: via?.port ?? (source.transport === 'tls' ? 5061 : 5060),
    };
    if (source.connectionId !== undefined) t.connectionId = source.connectionId;
    // No Via at all: fall back to the exact source so the connection lookup still matches.
    return via ? t : { ...t, address: source.address, port: source.port };
  }
  if (!via) return { transport: 'udp', address: source.address, port: source.port };
  if (via.maddr !== undefined) return { transport: 'udp', address: normalizeAddress(via.maddr), port: via.port ?? 5060 };
  if (via.hasRport) {
    return { transport: 'udp', address: via.received ?? source.address, port: via.rport ?? source.port };
  }
  return { transport: 'udp', address: via.received ?? via.host, port: via.port ?? 5060 };
}
