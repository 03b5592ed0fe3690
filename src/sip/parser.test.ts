import { describe, expect, it } from 'vitest';
import { StreamFramer, parseDatagram, parseMessage, type FramerEvent, type SipRequest } from './index.js';

const crlf = (s: string) => s.replace(/\n/g, '\r\n');
const OPTIONS = (cl = 'Content-Length: 0\n', body = '') =>
  crlf(`OPTIONS sip:bob@example.com SIP/2.0
Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bKabc
Max-Forwards: 70
From: <sip:alice@example.com>;tag=1
To: <sip:bob@example.com>
Call-ID: c1@192.0.2.1
CSeq: 1 OPTIONS
${cl}
`) + body;

const kinds = (evs: FramerEvent[]) => evs.map((e) => e.kind);

describe('parseDatagram', () => {
  it('keep-alives, leading CRLFs, no Content-Length on UDP', () => {
    expect(parseDatagram(Buffer.from('\r\n\r\n')).kind).toBe('keepalive');
    const r = parseDatagram(Buffer.from('\r\n' + OPTIONS('', 'hello')));
    expect(r.kind).toBe('message');
    if (r.kind === 'message') expect(r.message.body.toString()).toBe('hello');
  });
  it('folding and header limits', () => {
    const r = parseMessage(OPTIONS('Subject: a\n b\n\tc\n'));
    expect(r.kind === 'message' && r.message.headers.get('subject')).toBe('a b c');
    const many = OPTIONS(Array.from({ length: 20 }, (_, i) => `X-${i}: v\n`).join(''));
    const e = parseMessage(many, { maxHeaders: 10 });
    expect(e.kind === 'error' && e.error.status).toBe(513);
    const long = parseMessage(OPTIONS(`X-Long: ${'a'.repeat(300)}\n`), { maxLineLength: 200 });
    expect(long.kind === 'error' && long.error.status).toBe(513);
    const big = parseDatagram(Buffer.alloc(20000, 65));
    expect(big.kind === 'error' && big.error.status).toBe(513);
  });
  it.each([
    ['no colon', 'OPTIONS sip:a@b SIP/2.0\r\nVia\r\n\r\n'],
    ['continuation first', 'OPTIONS sip:a@b SIP/2.0\r\n folded\r\n\r\n'],
    ['bad header name', 'OPTIONS sip:a@b SIP/2.0\r\nBad Name: x\r\n\r\n'],
    ['no end of headers', 'OPTIONS sip:a@b SIP/2.0\r\nVia: x'],
    ['bad method', 'OPT<ONS sip:a@b SIP/2.0\r\n\r\n'],
    ['not SIP', 'GET / HTTP/1.1\r\n\r\n'],
    ['status 99', 'SIP/2.0 099 Odd\r\n\r\n'],
    ['status 700', 'SIP/2.0 700 Odd\r\n\r\n'],
    ['empty', 'x'],
  ])('refuses %s with 400', (_n, text) => {
    const r = parseMessage(text);
    expect(r.kind === 'error' && r.error.status).toBe(400);
  });
  it('the body is a slice of the datagram', () => {
    const buf = Buffer.from(OPTIONS('Content-Length: 3\n', 'abcdef'));
    const r = parseDatagram(buf);
    expect(r.kind === 'message' && r.message.body.toString()).toBe('abc');
  });
});

describe('StreamFramer (RFC 3261 §18.3, RFC 5626 §4.4.1)', () => {
  it('splits back-to-back messages by Content-Length, across arbitrary chunking', () => {
    const stream = Buffer.from(OPTIONS('Content-Length: 5\n', 'hello') + OPTIONS() + OPTIONS('Content-Length: 2\n', 'ok'));
    for (const size of [1, 2, 3, 7, 64, stream.length]) {
      const f = new StreamFramer();
      const events: FramerEvent[] = [];
      for (let i = 0; i < stream.length; i += size) events.push(...f.push(stream.subarray(i, i + size)));
      expect(kinds(events), `chunk ${size}`).toEqual(['message', 'message', 'message']);
      const bodies = events.map((e) => (e.kind === 'message' ? e.message.body.toString() : ''));
      expect(bodies).toEqual(['hello', '', 'ok']);
      expect(f.buffered).toBe(0);
    }
  });
  it('reports pings and pongs', () => {
    const f = new StreamFramer();
    expect(kinds(f.push(Buffer.from('\r\n\r\n')))).toEqual(['ping']);
    expect(kinds(f.push(Buffer.from('\r\n')))).toEqual(['pong']);
    expect(kinds(f.push(Buffer.from('\r\n\r\n' + OPTIONS())))).toEqual(['ping', 'message']);
    const g = new StreamFramer();
    expect(kinds([...g.push(Buffer.from('\r\n\r')), ...g.push(Buffer.from('\n'))])).toEqual(['ping']);
  });
  it('refuses a missing Content-Length and closes', () => {
    const f = new StreamFramer();
    const ev = f.push(Buffer.from(OPTIONS('')));
    expect(ev).toHaveLength(1);
    const e = ev[0];
    expect(e?.kind === 'error' && [e.error.status, e.error.code]).toEqual([400, 'SIP_MISSING_CONTENT_LENGTH']);
    expect(e?.kind === 'error' && (e.message as SipRequest | undefined)?.method).toBe('OPTIONS');
    expect(f.closed).toBe(true);
    expect(f.push(Buffer.from(OPTIONS()))).toEqual([]);
  });
  it('caps message size (head without end, or a huge Content-Length)', () => {
    const f = new StreamFramer({ maxMessageBytes: 1024 });
    const ev = f.push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nX: ' + 'a'.repeat(2000)));
    expect(ev[0]?.kind === 'error' && ev[0].error.status).toBe(513);
    const g = new StreamFramer({ maxMessageBytes: 1024 });
    const ev2 = g.push(Buffer.from(OPTIONS('Content-Length: 100000\n')));
    expect(ev2[0]?.kind === 'error' && ev2[0].error.status).toBe(513);
  });
  it('refuses a negative or conflicting Content-Length', () => {
    for (const cl of ['Content-Length: -1\n', 'Content-Length: 1\nl: 2\n']) {
      const ev = new StreamFramer().push(Buffer.from(OPTIONS(cl)));
      expect(ev[0]?.kind === 'error' && ev[0].error.status).toBe(400);
    }
  });
});
