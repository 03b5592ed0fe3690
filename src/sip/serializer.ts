/**
 * The strict serializer: canonical full header names, CRLF line endings, one Content-Length always
 * computed from the body (RFC 3261 §7.3.3 "strict in what you emit"; §20.14), and the builders
 * that derive a response from a request (RFC 3261 §8.2.6).
 */
import { SipError, reasonPhrase } from './errors.js';
import { canonicalName } from './headers.js';
import { SipHeaders, SipRequest, SipResponse, type SipMessage } from './message.js';
import { isToken } from './scan.js';

function startLine(msg: SipMessage): string {
  const version = msg.version.toUpperCase();
  return msg.kind === 'request' ? `${msg.method} ${msg.uri} ${version}` : `${version} ${msg.status} ${msg.reason}`;
}

/** The message head (start line and headers, ending with the blank line) as a string. */
export function serializeHead(msg: SipMessage): string {
  let out = startLine(msg) + '\r\n';
  for (const f of msg.headers) {
    if (f.key === 'content-length') continue;
    out += `${canonicalName(f.name)}: ${f.value}\r\n`;
  }
  out += `Content-Length: ${msg.body.length}\r\n\r\n`;
  return out;
}

/** Serialize for the wire. */
export function serialize(msg: SipMessage): Buffer {
  if (msg.wire) return msg.wire;
  const head = Buffer.from(serializeHead(msg), 'utf8');
  return msg.body.length === 0 ? head : Buffer.concat([head, msg.body]);
}

/**
 * The message reduced to its bytes and its first line (method and URI, or status and reason): what
 * a transaction keeps while it only re-sends its answer for up to 32 s. One Buffer instead of a
 * header list, so far fewer objects live on and are copied by the garbage collector.
 */
export function bytesOnly<M extends SipMessage>(msg: M): M {
  if (msg.wire) return msg;
  const wire = serialize(msg);
  const limits = msg.headers.limits;
  const out = (
    msg.kind === 'request'
      ? new SipRequest({ method: msg.method, uri: msg.uri, version: msg.version, limits })
      : new SipResponse({ status: msg.status, reason: msg.reason, version: msg.version, limits })
  ) as M;
  out.wire = wire;
  return out;
}

export interface ResponseOptions {
  /** Defaults to the RFC 3261 §21 phrase. */
  reason?: string;
  /** Added to To when the request's To has none, except for 100 (RFC 3261 §8.2.6.2). */
  toTag?: string;
  /** Copy Record-Route (dialog-creating responses, RFC 3261 §12.1.1). */
  copyRecordRoute?: boolean;
  headers?: Array<[string, string]>;
  body?: Buffer | string;
  contentType?: string;
}

/**
 * Build a response to `req` (RFC 3261 §8.2.6.2): Via (all, in order), From, To, Call-ID and CSeq
 * are copied; a To tag is added when given and the response is not a 100 Trying; a 100 copies
 * Timestamp (§8.2.6.1). Throws SipError only for programmer errors (a status out of range, a bad tag).
 */
export function createResponse(req: SipRequest, status: number, opts: ResponseOptions = {}): SipResponse {
  if (!Number.isInteger(status) || status < 100 || status > 699) {
    throw new SipError(500, 'SIP_BAD_STATUS', `status ${status} out of range`);
  }
  const h = new SipHeaders([], req.headers.limits);
  for (const v of req.headers.lines('via')) h.append('Via', v);
  for (const name of ['from', 'to', 'call-id', 'cseq']) {
    const v = req.headers.get(name);
    if (v !== undefined) h.append(name, v);
  }
  if (opts.toTag !== undefined && status !== 100) {
    if (!isToken(opts.toTag)) throw new SipError(500, 'SIP_BAD_TAG', 'To tag must be a token');
    const to = req.headers.parsed('to');
    if (to?.ok && to.value.tag === undefined) h.set('To', `${req.headers.get('to') as string};tag=${opts.toTag}`);
  }
  if (status === 100) {
    const ts = req.headers.get('timestamp');
    if (ts !== undefined) h.append('Timestamp', ts);
  }
  if (opts.copyRecordRoute) for (const v of req.headers.lines('record-route')) h.append('Record-Route', v);
  for (const [n, v] of opts.headers ?? []) h.append(n, v);
  if (opts.contentType !== undefined) h.set('Content-Type', opts.contentType);
  const init: ConstructorParameters<typeof SipResponse>[0] = {
    status,
    reason: opts.reason ?? reasonPhrase(status),
    headers: h,
  };
  if (opts.body !== undefined) init.body = opts.body;
  return new SipResponse(init);
}
