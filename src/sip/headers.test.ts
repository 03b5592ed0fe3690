import { describe, expect, it } from 'vitest';
import { SipHeaders, canonicalName, formatNameAddr, headerKey, parseNameAddrValue, type TypedHeaderKey } from './index.js';

const h = (...lines: Array<[string, string]>) => new SipHeaders(lines.map(([name, value]) => ({ name, value })));
function value<K extends TypedHeaderKey>(key: K, ...values: string[]) {
  const p = h(...values.map((v): [string, string] => [key, v])).parsed(key);
  if (!p?.ok) throw new Error(`${key}: ${p ? p.error.detail : 'absent'}`);
  return p.value;
}
function refused(key: TypedHeaderKey, ...values: string[]): boolean {
  const p = h(...values.map((v): [string, string] => [key, v])).parsed(key);
  return p !== undefined && !p.ok;
}

describe('names', () => {
  it('compact forms and case (RFC 3261 §7.3.3)', () => {
    expect(['i', 'm', 'f', 't', 'v', 'l', 'c', 'k', 's', 'e', 'o', 'r', 'b', 'u', 'x', 'y'].map(headerKey)).toEqual([
      'call-id', 'contact', 'from', 'to', 'via', 'content-length', 'content-type', 'supported', 'subject',
      'content-encoding', 'event', 'refer-to', 'referred-by', 'allow-events', 'session-expires', 'identity',
    ]);
    expect(canonicalName('i')).toBe('Call-ID');
    expect(canonicalName('CSEQ')).toBe('CSeq');
    expect(canonicalName('www-authenticate')).toBe('WWW-Authenticate');
    expect(canonicalName('max-forwards')).toBe('Max-Forwards');
    expect(canonicalName('X-Custom-thing')).toBe('X-Custom-thing');
  });
  it('getAll splits list headers only', () => {
    const hs = h(['Allow', 'INVITE, ACK'], ['allow', 'BYE'], ['WWW-Authenticate', 'Digest realm="a", nonce="b"'], ['Date', 'Sat, 13 Nov 2010 23:29:00 GMT']);
    expect(hs.getAll('allow')).toEqual(['INVITE', 'ACK', 'BYE']);
    expect(hs.getAll('www-authenticate')).toHaveLength(1);
    expect(hs.getAll('date')).toEqual(['Sat, 13 Nov 2010 23:29:00 GMT']);
  });
  it('typed values are cached and invalidated by changes', () => {
    const hs = h(['CSeq', '1 INVITE']);
    const a = hs.parsed('cseq');
    expect(hs.parsed('cseq')).toBe(a);
    hs.set('CSeq', '2 INVITE');
    expect(hs.value('cseq')).toEqual({ seq: 2, method: 'INVITE' });
    expect(() => hs.set('Subject', 'x\r\nVia: evil')).toThrow();
  });
});

describe('Via', () => {
  it('sent-by, transport and params', () => {
    const [v] = value('via', 'SIP/2.0/udp [2001:db8::1]:5070;branch=z9hG4bK776;rport;received=192.0.2.1;maddr=224.2.0.1;ttl=16');
    expect(v).toMatchObject({
      protocol: 'SIP', version: '2.0', transport: 'UDP', host: '2001:db8::1', hostType: 'ipv6', port: 5070,
      branch: 'z9hG4bK776', hasRport: true, received: '192.0.2.1', maddr: '224.2.0.1', ttl: 16,
    });
    expect(v?.rport).toBeUndefined();
    expect(value('via', 'SIP/2.0/TCP h.example.com ; rport=5060')[0]).toMatchObject({ hasRport: true, rport: 5060, host: 'h.example.com' });
    expect(value('via', 'SIP / 2.0 / WSS  df7jal23ls0d.invalid : 443 ;branch=z9hG4bK')[0]).toMatchObject({ transport: 'WSS', port: 443 });
    expect(value('via', 'SIP/2.0/UDP a;branch=1, SIP/2.0/TCP b;branch=2', 'SIP/2.0/TLS c')).toHaveLength(3);
  });
  it.each([
    'SIP/2.0/UDP',
    'SIP/2.0 192.0.2.1',
    'SIP/2.0/UDP 192.0.2.1;ttl=256',
    'SIP/2.0/UDP 192.0.2.1;rport=0',
    'SIP/2.0/UDP 192.0.2.1;received=example.com',
    'SIP/2.0/UDP 192.0.2.1;branch',
    'SIP/2.0/UDP 192.0.2.1:70000',
    'SIP/2.0/UDP 192.0.2.1 junk',
    'SIP/2.0/UDP 192.0.2.1,',
  ])('refuses %s', (v) => expect(refused('via', v)).toBe(true));
});

describe('From / To / Contact / Route', () => {
  it('display names: quoted, token, none; tags', () => {
    expect(value('from', '"A \\"q\\" \\\\ b" <sip:a@example.com>;tag=x1')).toMatchObject({ displayName: 'A "q" \\ b', tag: 'x1' });
    expect(value('to', 'Bob  Smith <sip:bob@example.com>')).toMatchObject({ displayName: 'Bob Smith', bracketed: true });
    const bare = value('to', 'sip:bob@example.com;tag=9');
    expect(bare).toMatchObject({ tag: '9', bracketed: false });
    expect(bare.uri.kind === 'sip' && bare.uri.params.size).toBe(0);
    expect(refused('from', 'sip:a@example.com', 'sip:b@example.com')).toBe(true);
    expect(refused('from', '<sip:a@example.com>;tag=')).toBe(true);
  });
  it('Contact list, star, expires and q', () => {
    const c = value('contact', '<sip:a@h1>;expires=60;q=0.7, "B" <sip:b@h2>;q=1', '<sip:c@h3;transport=tcp>');
    if (c.star) throw new Error('star');
    expect(c.contacts.map((x) => [x.expires, x.q])).toEqual([[60, 0.7], [undefined, 1], [undefined, undefined]]);
    expect(value('contact', ' * ')).toEqual({ star: true });
    expect(refused('contact', '*, <sip:a@h>')).toBe(true);
    expect(refused('contact', '<sip:a@h>;q=1.5')).toBe(true);
    expect(refused('contact', '<sip:a@h>;expires=4294967296')).toBe(true);
    expect(value('contact', '<sip:a@h>;expires=4294967295')).toMatchObject({ contacts: [{ expires: 4294967295 }] });
  });
  it('Route / Record-Route / Path lists', () => {
    expect(value('route', '<sip:p1.example.com;lr>, <sip:p2.example.com;lr>').map((r) => r.uri.kind === 'sip' && r.uri.host)).toEqual([
      'p1.example.com', 'p2.example.com',
    ]);
    expect(value('record-route', '<sip:[2001:db8::1];lr;ftag=a>')[0]?.uri).toMatchObject({ host: '2001:db8::1' });
    expect(value('path', '<sip:edge.example.com;lr;ob>')).toHaveLength(1);
  });
  it('formatNameAddr is strict and round-trips', () => {
    const p = parseNameAddrValue('Bob <sip:bob@example.com;transport=tcp>;tag=a;x="q v"');
    if (!p.ok) throw new Error(p.error.detail);
    const s = formatNameAddr(p.value);
    expect(s).toBe('"Bob" <sip:bob@example.com;transport=tcp>;tag=a;x="q v"');
    const again = parseNameAddrValue(s);
    expect(again.ok && again.value.params).toEqual(p.value.params);
  });
});

describe('scalars (RFC 3261 §8.1.1.5, §20.22, RFC 4475 §3.1.2.4)', () => {
  it('CSeq', () => {
    expect(value('cseq', '0009  INVITE')).toEqual({ seq: 9, method: 'INVITE' });
    expect(value('cseq', '2147483647 BYE').seq).toBe(2147483647);
    for (const bad of ['2147483648 BYE', '1', 'INVITE', '-1 INVITE', '1 INVITE x', '1INVITE', '1.5 INVITE']) {
      expect(refused('cseq', bad), bad).toBe(true);
    }
    expect(refused('cseq', '1 INVITE', '2 INVITE')).toBe(true);
  });
  it('Max-Forwards, Expires, Content-Length', () => {
    expect(value('max-forwards', '0068')).toBe(68);
    expect(refused('max-forwards', '256')).toBe(true);
    expect(value('expires', '4294967295')).toBe(4294967295);
    expect(refused('expires', '4294967296')).toBe(true);
    expect(refused('expires', 'Thu, 01 Dec 2040 16:00:00 GMT')).toBe(true);
    expect(refused('content-length', '-1')).toBe(true);
  });
  it('Call-ID', () => {
    expect(value('call-id', 'a84b4c76e66710@pc33.atlanta.com')).toBe('a84b4c76e66710@pc33.atlanta.com');
    expect(refused('call-id', 'a b')).toBe(true);
    expect(refused('call-id', 'a@b@c')).toBe(true);
  });
});

describe('authentication (RFC 3261 §20.7, §20.44; RFC 7616)', () => {
  it('Digest credentials with quoted-string unescaping', () => {
    const [a] = value('authorization', 'Digest username="bob\\"s", realm="biloxi.com", nonce="dcd98b", uri="sip:bob@biloxi.com", response="245f23", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="0a4f113b"');
    expect(a?.scheme).toBe('Digest');
    expect(a?.params.get('username')).toBe('bob"s');
    expect(a?.params.get('nc')).toBe('00000001');
    expect(a?.params.get('algorithm')).toBe('SHA-256');
  });
  it('one challenge per header line, commas inside', () => {
    const ch = value('www-authenticate', 'Digest realm="a.com", qop="auth,auth-int", nonce="n1"', 'Digest realm="a.com", algorithm=SHA-256, nonce="n2"');
    expect(ch.map((c) => c.params.get('nonce'))).toEqual(['n1', 'n2']);
    expect(ch[0]?.params.get('qop')).toBe('auth,auth-int');
    expect(value('proxy-authenticate', 'Bearer realm="x"')[0]?.scheme).toBe('Bearer');
    expect(value('authorization', 'Bearer eyJhbGciOi.eyJzdWIi.sig-_')[0]?.token68).toBe('eyJhbGciOi.eyJzdWIi.sig-_');
  });
  it('refuses duplicated or broken params', () => {
    expect(refused('authorization', 'Digest realm="a", realm="b"')).toBe(true);
    expect(refused('authorization', 'Digest realm="a')).toBe(true);
    expect(refused('authorization', 'Digest realm=')).toBe(true);
    expect(refused('proxy-authorization', 'Digest ,')).toBe(true);
  });
});

describe('other typed headers', () => {
  it('Content-Type', () => {
    expect(value('content-type', 'Application/SDP')).toMatchObject({ mime: 'application/sdp' });
    expect(value('content-type', 'multipart/mixed ; boundary="a b"').params.get('boundary')).toBe('a b');
    expect(refused('content-type', 'application')).toBe(true);
  });
  it('option tags and Allow', () => {
    expect(value('supported', 'replaces, 100rel', 'timer')).toEqual(['replaces', '100rel', 'timer']);
    expect(value('supported', '')).toEqual([]);
    expect(value('require', '100rel')).toEqual(['100rel']);
    expect(value('proxy-require', 'foo')).toEqual(['foo']);
    expect(value('allow', 'INVITE,ACK ,BYE')).toEqual(['INVITE', 'ACK', 'BYE']);
    expect(refused('supported', 'a b')).toBe(true);
  });
  it('Replaces (RFC 3891)', () => {
    expect(value('replaces', '425928@bobster.example.org;to-tag=7743;from-tag=6472;early-only')).toMatchObject({
      callId: '425928@bobster.example.org', toTag: '7743', fromTag: '6472', earlyOnly: true,
    });
    expect(refused('replaces', '425928@bobster.example.org;to-tag=7743')).toBe(true);
  });
  it('Refer-To (RFC 3515) with an embedded Replaces', () => {
    const r = value('refer-to', '<sip:carol@example.com?Replaces=425928%40bobster.example.org%3Bto-tag%3D7743%3Bfrom-tag%3D6472>');
    expect(r.uri.kind === 'sip' && r.uri.headers).toEqual([['Replaces', '425928@bobster.example.org;to-tag=7743;from-tag=6472']]);
    expect(value('refer-to', 'sip:carol@example.com').bracketed).toBe(false);
    expect(refused('refer-to', '<sip:a@b>, <sip:c@d>')).toBe(true);
  });
  it('Event (RFC 6665)', () => {
    expect(value('event', 'presence.winfo;id=12')).toMatchObject({ event: 'presence.winfo', package: 'presence', id: '12' });
    expect(refused('event', ';id=1')).toBe(true);
  });
  it('Date, Retry-After, Warning', () => {
    expect(value('date', 'Sat, 13 Nov 2010 23:29:00 GMT').toISOString()).toBe('2010-11-13T23:29:00.000Z');
    expect(refused('date', 'Sat, 13 Nov 2010 23:29:00 EST')).toBe(true);
    expect(value('retry-after', '18000;duration=3600')).toMatchObject({ seconds: 18000, duration: 3600 });
    expect(value('retry-after', '120 (I\'m in a meeting)')).toMatchObject({ seconds: 120, comment: "I'm in a meeting" });
    expect(refused('retry-after', '949302838503028349304023988')).toBe(true);
    expect(value('warning', '307 isi.edu "Session parameter \'foo\' not understood"')).toHaveLength(1);
    expect(refused('warning', '1812 overture "In Progress"')).toBe(true);
  });
});
