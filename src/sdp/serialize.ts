import { SdpError } from './errors.js';
import type { SdpAttribute, SdpBandwidth, SdpConnection, SdpExtraLine, SdpMedia, SessionDescription } from './types.js';

/**
 * Write a session description strictly: CRLF after every line (RFC 8866 §5), lines in the order
 * the RFC fixes (v o s i u e p c b t r z k a, then per media m i c b k a), `t=0 0` when there is
 * no timing, `s=-` when the name is empty. Lines of unknown type close their section.
 *
 * Throws `SdpError('SDP_BAD_ARGUMENT')` when a value would break the framing (CR, LF or NUL inside
 * a field): that is a programmer error, and emitting it would let a value inject lines.
 */
export function serializeSdp(sdp: SessionDescription): string {
  const out: string[] = [];
  const line = (type: string, value: string) => {
    if (/[\r\n\0]/.test(value)) throw new SdpError('SDP_BAD_ARGUMENT', `${type}= value contains CR, LF or NUL`);
    out.push(`${type}=${value}\r\n`);
  };
  const o = sdp.origin;
  line('v', '0');
  line('o', [o.username, o.sessId, o.sessVersion, o.netType, o.addrType, o.address].join(' '));
  line('s', sdp.sessionName === '' ? '-' : sdp.sessionName);
  if (sdp.info !== undefined) line('i', sdp.info);
  if (sdp.uri !== undefined) line('u', sdp.uri);
  for (const e of sdp.emails) line('e', e);
  for (const p of sdp.phones) line('p', p);
  if (sdp.connection) line('c', formatConnection(sdp.connection));
  for (const b of sdp.bandwidths) line('b', formatBandwidth(b));
  const timings = sdp.timings.length ? sdp.timings : [{ start: '0', stop: '0', repeats: [] }];
  for (const t of timings) {
    line('t', `${t.start} ${t.stop}`);
    for (const r of t.repeats) line('r', r);
  }
  if (sdp.zone !== undefined) line('z', sdp.zone);
  if (sdp.key !== undefined) line('k', sdp.key);
  for (const a of sdp.attributes) line('a', formatAttribute(a));
  writeExtra(sdp.extra, line);
  for (const m of sdp.media) writeMedia(m, line);
  return out.join('');
}

function writeMedia(m: SdpMedia, line: (type: string, value: string) => void): void {
  const port = m.numPorts === undefined ? String(m.port) : `${m.port}/${m.numPorts}`;
  line('m', [m.type, port, m.proto, ...m.formats].join(' '));
  if (m.info !== undefined) line('i', m.info);
  if (m.connection) line('c', formatConnection(m.connection));
  for (const b of m.bandwidths) line('b', formatBandwidth(b));
  if (m.key !== undefined) line('k', m.key);
  for (const a of m.attributes) line('a', formatAttribute(a));
  writeExtra(m.extra, line);
}

function writeExtra(extra: readonly SdpExtraLine[], line: (type: string, value: string) => void): void {
  for (const x of extra) {
    if (!/^[A-Za-z]$/.test(x.type)) throw new SdpError('SDP_BAD_ARGUMENT', `bad line type ${JSON.stringify(x.type)}`);
    line(x.type, x.value);
  }
}

export function formatConnection(c: SdpConnection): string {
  let addr = c.address;
  if (c.ttl !== undefined) addr += `/${c.ttl}`;
  if (c.count !== undefined) addr += `/${c.count}`;
  return `${c.netType} ${c.addrType} ${addr}`;
}

const formatBandwidth = (b: SdpBandwidth) => `${b.type}:${b.value}`;
const formatAttribute = (a: SdpAttribute) => (a.value === undefined ? a.name : `${a.name}:${a.value}`);
