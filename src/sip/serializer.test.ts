import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  SipRequest,
  createResponse,
  parseDatagram,
  serialize,
  validateRequest,
  validateResponse,
  type SipMessage,
} from './index.js';

const dir = new URL('../../test/fixtures/sip/realworld/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.sip')).sort();

function parse(buf: Buffer): SipMessage {
  const r = parseDatagram(buf);
  if (r.kind !== 'message') throw new Error(JSON.stringify(r));
  return r.message;
}

/** Everything that matters about a message, with typed headers resolved. */
function shape(m: SipMessage) {
  const start = m.kind === 'request' ? [m.method, m.uri, m.version] : [m.status, m.reason, m.version];
  const fields = m.headers
    .fields()
    .filter((f) => f.key !== 'content-length')
    .map((f) => [f.key, f.value]);
  const typed = Object.fromEntries(
    ['via', 'from', 'to', 'call-id', 'cseq', 'max-forwards', 'contact', 'route', 'record-route', 'authorization', 'www-authenticate', 'proxy-authorization', 'content-type', 'supported', 'allow', 'refer-to', 'event', 'date'].map(
      (k) => [k, m.headers.parsed(k as never)],
    ),
  );
  return { start, fields, typed, body: m.body.toString('base64') };
}

describe('round trip: parse → serialize → parse (real-world messages)', () => {
  it.each(files)('%s', (file) => {
    const a = parse(readFileSync(new URL(file, dir)));
    const v = a.kind === 'request' ? validateRequest(a, { supported: ['timer', 'replaces'] }) : validateResponse(a);
    expect(v).toEqual({ ok: true });
    const wire = serialize(a);
    const b = parse(wire);
    expect(shape(b)).toEqual(shape(a));
    expect(serialize(b).equals(wire)).toBe(true); // serialization is a fixed point
  });

  it('writes canonical names, CRLFs, and Content-Length from the body', () => {
    const m = new SipRequest({
      method: 'MESSAGE',
      uri: 'sip:a@b',
      headers: [
        { name: 'v', value: 'SIP/2.0/UDP h;branch=z9hG4bK1' },
        { name: 'i', value: 'x' },
        { name: 'l', value: '99' },
        { name: 'c', value: 'text/plain' },
      ],
      body: 'hi',
    });
    const text = serialize(m).toString();
    expect(text).toBe('MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi');
  });
});

describe('createResponse (RFC 3261 §8.2.6)', () => {
  const invite = () => parse(readFileSync(new URL('invite-sdp.sip', dir))) as SipRequest;

  it('copies Via, From, To, Call-ID, CSeq and adds the To tag', () => {
    const req = invite();
    const res = createResponse(req, 180, { toTag: 'srv1' });
    expect(res.reason).toBe('Ringing');
    expect(res.headers.lines('via')).toEqual(req.headers.lines('via'));
    expect(res.from).toEqual(req.from);
    expect(res.to?.tag).toBe('srv1');
    expect(res.callId).toBe(req.callId);
    expect(res.cseq).toEqual(req.cseq);
    expect(validateResponse(res)).toEqual({ ok: true });
  });
  it('100 Trying never gets a To tag and copies Timestamp', () => {
    const req = invite();
    req.headers.append('Timestamp', '54');
    const res = createResponse(req, 100, { toTag: 'srv1' });
    expect(res.to?.tag).toBeUndefined();
    expect(res.headers.get('timestamp')).toBe('54');
  });
  it('keeps an existing To tag, copies Record-Route on request', () => {
    const req = new SipRequest({
      method: 'BYE',
      uri: 'sip:a@b',
      headers: [
        { name: 'Via', value: 'SIP/2.0/UDP h;branch=z9hG4bK1' },
        { name: 'To', value: '<sip:a@b>;tag=old' },
        { name: 'From', value: '<sip:c@d>;tag=f' },
        { name: 'Call-ID', value: 'x' },
        { name: 'CSeq', value: '2 BYE' },
        { name: 'Record-Route', value: '<sip:p;lr>' },
      ],
    });
    const res = createResponse(req, 200, { toTag: 'new', copyRecordRoute: true, body: 'x', contentType: 'text/plain' });
    expect(res.to?.tag).toBe('old');
    expect(res.headers.get('record-route')).toBe('<sip:p;lr>');
    expect(serialize(res).toString()).toContain('Content-Length: 1\r\n\r\nx');
    expect(() => createResponse(req, 200, { toTag: 'a b' })).toThrow();
    expect(() => createResponse(req, 99)).toThrow();
  });
});
