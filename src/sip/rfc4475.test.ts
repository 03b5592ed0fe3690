/**
 * RFC 4475 torture messages (fixtures in test/fixtures/sip/rfc4475, exact bytes). Valid messages
 * (§3.1.1) must parse and validate; invalid ones (§3.1.2) must be refused with the answer the RFC
 * describes; §3.2–§3.4 get the outcome the RFC allows us to choose.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  parseDatagram,
  serialize,
  validateRequest,
  validateResponse,
  type SipMessage,
  type SipRequest,
  type ValidateOptions,
} from './index.js';

const dir = new URL('../../test/fixtures/sip/rfc4475/', import.meta.url);
const load = (name: string) => readFileSync(new URL(`${name}.dat`, dir));

function outcome(name: string, opts?: ValidateOptions): number | 'ok' {
  const r = parseDatagram(load(name));
  if (r.kind === 'keepalive') throw new Error('unexpected keepalive');
  if (r.kind === 'error') return r.error.status;
  const v = r.message.kind === 'request' ? validateRequest(r.message, opts) : validateResponse(r.message);
  return v.ok ? 'ok' : v.status;
}

function message(name: string): SipMessage {
  const r = parseDatagram(load(name));
  if (r.kind !== 'message') throw new Error(`${name} did not parse: ${JSON.stringify(r)}`);
  return r.message;
}
const request = (name: string) => message(name) as SipRequest;

// [file, RFC section, expected outcome]
const CASES: Array<[string, string, number | 'ok']> = [
  // §3.1.1 valid messages
  ['wsinv', '3.1.1.1', 'ok'],
  ['intmeth', '3.1.1.2', 'ok'],
  ['esc01', '3.1.1.3', 'ok'],
  ['escnull', '3.1.1.4', 'ok'],
  ['esc02', '3.1.1.5', 'ok'],
  ['lwsdisp', '3.1.1.6', 'ok'],
  ['longreq', '3.1.1.7', 'ok'],
  ['dblreq', '3.1.1.8', 'ok'],
  ['semiuri', '3.1.1.9', 'ok'],
  ['transports', '3.1.1.10', 'ok'],
  ['mpart01', '3.1.1.11', 'ok'],
  ['unreason', '3.1.1.12', 'ok'],
  ['noreason', '3.1.1.13', 'ok'],
  // §3.1.2 invalid messages
  ['badinv01', '3.1.2.1', 400],
  ['clerr', '3.1.2.2', 400],
  ['ncl', '3.1.2.3', 400],
  ['scalar02', '3.1.2.4', 400],
  ['scalarlg', '3.1.2.5', 400], // a response: dropped
  ['quotbal', '3.1.2.6', 400],
  ['ltgtruri', '3.1.2.7', 400],
  ['lwsruri', '3.1.2.8', 400],
  ['lwsstart', '3.1.2.9', 400],
  ['trws', '3.1.2.10', 400],
  ['escruri', '3.1.2.11', 400],
  ['baddate', '3.1.2.12', 400],
  ['regbadct', '3.1.2.13', 400],
  ['badaspec', '3.1.2.14', 400],
  ['baddn', '3.1.2.15', 400],
  ['badvers', '3.1.2.16', 505],
  ['mismatch01', '3.1.2.17', 400],
  ['mismatch02', '3.1.2.18', 400],
  ['bigcode', '3.1.2.19', 400], // a response: dropped
  // §3.2 transaction layer: parses; the bare magic cookie is the transaction layer's call
  ['badbranch', '3.2.1', 'ok'],
  // §3.3 application layer
  ['insuf', '3.3.1', 400],
  ['unkscm', '3.3.2', 416],
  ['novelsc', '3.3.3', 416],
  ['unksm2', '3.3.4', 'ok'],
  ['bext01', '3.3.5', 420],
  ['invut', '3.3.6', 'ok'],
  ['regaut01', '3.3.7', 'ok'],
  ['multi01', '3.3.8', 400],
  ['mcl01', '3.3.9', 400],
  ['bcast', '3.3.10', 'ok'],
  ['zeromf', '3.3.11', 483],
  ['cparam01', '3.3.12', 'ok'],
  ['cparam02', '3.3.13', 'ok'],
  ['regescrt', '3.3.14', 'ok'],
  ['sdp01', '3.3.15', 'ok'],
  // §3.4 backward compatibility
  ['inv2543', '3.4.1', 'ok'],
];

describe('RFC 4475 torture tests', () => {
  it.each(CASES)('%s (§%s) → %s', (name, _section, expected) => {
    expect(outcome(name)).toBe(expected);
  });

  it('every valid message survives serialize → parse with the same typed headers', () => {
    for (const [name, , expected] of CASES) {
      if (expected !== 'ok') continue;
      const m = message(name);
      const again = parseDatagram(serialize(m));
      expect(again.kind, name).toBe('message');
      if (again.kind !== 'message') continue;
      expect(again.message.via, name).toEqual(m.via);
      expect(again.message.cseq, name).toEqual(m.cseq);
      expect(again.message.from, name).toEqual(m.from);
      expect(again.message.to, name).toEqual(m.to);
      expect(again.message.body.equals(m.body), name).toBe(true);
    }
  });
});

describe('RFC 4475 details', () => {
  it('wsinv: folding, compact forms, odd whitespace, escaped quotes', () => {
    const m = request('wsinv');
    expect(m.method).toBe('INVITE');
    expect(m.maxForwards).toBe(68);
    expect(m.cseq).toEqual({ seq: 9, method: 'INVITE' });
    expect(m.to?.tag).toBe('1918181833n');
    expect(m.from?.displayName).toBe('J Rosenberg \\"');
    expect(m.from?.tag).toBe('98asjd8');
    const via = m.via ?? [];
    expect(via.map((v) => [v.transport, v.host, v.branch])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    expect(m.headers.get('NewFangledHeader')).toBe('newfangled value continued newfangled value');
    expect(m.headers.get('UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;');
    expect(m.headers.get('subject')).toBe('');
    const contact = m.contact;
    expect(contact?.star).toBe(false);
    if (contact && !contact.star) {
      expect(contact.contacts[0]?.displayName).toBe('Quoted string ""');
      expect(contact.contacts[0]?.q).toBe(0.33);
      expect(contact.contacts[0]?.params.get('newparam')).toBe('newvalue');
      expect(contact.contacts[0]?.params.has('secondparam')).toBe(true);
    }
    expect(m.route?.[0]?.uri).toMatchObject({ host: 'services.example.com' });
    expect(m.body.length).toBe(150);
  });

  it('intmeth: the widest token, user and password characters', () => {
    const m = request('intmeth');
    expect(m.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    const uri = m.requestUri;
    expect(uri.ok && uri.value.kind === 'sip' && uri.value.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect(uri.ok && uri.value.kind === 'sip' && uri.value.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    expect(m.to?.displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7f');
    expect(m.from?.displayName).toBe("token1~` token2'+_ token3*%!.-");
    expect(m.from?.params.get("fromparam''~+*_!.-%")).toBe('работающий');
    expect(m.from?.tag).toBe("_token~1'+`*%!-.");
    expect(m.callId).toBe("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
    expect(m.headers.get("extensionHeader-!.%*+_`'~")).toBe('\uFEFF大停電');
  });

  it('esc01 / escnull: escapes decode in users and URI parameters', () => {
    const m = request('esc01');
    const ruri = m.requestUri;
    expect(ruri.ok && ruri.value.kind === 'sip' && ruri.value.user).toBe('sips:user@example.com');
    expect(m.to?.uri).toMatchObject({ user: 'user' });
    expect(m.from?.uri).toMatchObject({ user: 'I have spaces' });
    const c = m.contact;
    if (!c || c.star) throw new Error('contact');
    expect(c.contacts[0]?.uri).toMatchObject({ user: 'caller' });
    const params = c.contacts[0]?.uri.kind === 'sip' ? c.contacts[0].uri.params : new Map();
    expect(params.get('lr')).toBeNull();
    expect(params.get('name')).toBe('value%41');
    const n = request('escnull');
    expect(n.to?.uri).toMatchObject({ user: 'null-\x00-null' });
    expect(n.headers.lines('contact')).toHaveLength(2);
  });

  it('esc02: %-escapes in a method are just token characters; C%6Fntact is another header', () => {
    const m = request('esc02');
    expect(m.method).toBe('RE%47IST%45R');
    expect(m.headers.lines('contact')).toHaveLength(2);
    expect(m.headers.get('C%6Fntact')).toBe('<sip:alias2@host2.example.com>');
    expect(m.to?.displayName).toBe('%Z%45');
  });

  it('lwsdisp, semiuri, transports, longreq', () => {
    expect(request('lwsdisp').from?.displayName).toBe('caller');
    const s = request('semiuri').requestUri;
    expect(s.ok && s.value.kind === 'sip' && [s.value.user, s.value.host]).toEqual(['user;par=u@example.net', 'example.com']);
    expect(request('semiuri').headers.getAll('accept')).toHaveLength(6);
    expect(request('transports').via?.map((v) => v.transport)).toEqual(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
    const l = request('longreq');
    expect(l.via).toHaveLength(34);
    expect(l.to?.uri).toMatchObject({ port: 6000 });
  });

  it('dblreq: octets after Content-Length in a datagram are discarded', () => {
    const m = request('dblreq');
    expect(m.method).toBe('REGISTER');
    expect(m.body.length).toBe(0);
  });

  it('mpart01: a binary multipart body is kept byte for byte', () => {
    const m = request('mpart01');
    expect(m.body.length).toBe(553);
    expect(m.contentType?.params.get('boundary')).toBe('7a9cbec02ceef655');
    expect(m.headers.value('date')?.toISOString()).toBe('2005-10-15T04:44:56.000Z');
  });

  it('unreason / noreason: UTF-8 and empty reason phrases', () => {
    const u = message('unreason');
    expect(u.kind === 'response' && u.reason).toBe('= 2**3 * 5**2 но сто девяносто девять - простое');
    const n = message('noreason');
    expect(n.kind === 'response' && [n.status, n.reason]).toEqual([100, '']);
  });

  it('clerr keeps the readable head so a 400 can be built', () => {
    const r = parseDatagram(load('clerr'));
    expect(r.kind).toBe('error');
    if (r.kind === 'error') expect(r.message?.callId).toBe('clerr.0ha0isndaksdjweiafasdk3');
  });

  it('scalar02: every overlarge scalar is refused on its own', () => {
    const m = request('scalar02');
    for (const h of ['cseq', 'max-forwards', 'expires', 'contact'] as const) {
      expect(m.headers.parsed(h)?.ok, h).toBe(false);
    }
  });

  it('bext01: 420 lists what we do not support; a proxy looks at Proxy-Require', () => {
    const m = request('bext01');
    const uas = validateRequest(m, { supported: ['timer'] });
    expect(uas.ok === false && uas.headers).toEqual([['Unsupported', 'nothingSupportsThis, nothingSupportsThisEither']]);
    const proxy = validateRequest(m, { role: 'proxy' });
    expect(proxy.ok === false && proxy.headers).toEqual([['Unsupported', 'noProxiesSupportThis, norDoAnyProxiesSupportThis']]);
    expect(validateRequest(m, { supported: ['nothingSupportsThis', 'nothingsupportsthiseither'] }).ok).toBe(true);
  });

  it('invut: 415 only when the caller restricts content types', () => {
    const m = request('invut');
    expect(validateRequest(m).ok).toBe(true);
    const v = validateRequest(m, { acceptContentTypes: ['application/sdp'] });
    expect(v.ok === false && v.status).toBe(415);
  });

  it('zeromf: OPTIONS with Max-Forwards 0 may be answered by the caller', () => {
    expect(validateRequest(request('zeromf'), { answerOptionsAtZeroMaxForwards: true }).ok).toBe(true);
  });

  it('unksm2, regaut01, cparam01/02, regescrt, badbranch, inv2543: parsed as the RFC says', () => {
    const u = request('unksm2');
    expect(u.to?.uri).toMatchObject({ kind: 'other', scheme: 'isbn' });
    expect(u.from?.uri).toMatchObject({ kind: 'other', scheme: 'http' });
    expect(request('regaut01').authorization?.[0]).toMatchObject({ scheme: 'NoOneKnowsThisScheme' });
    expect(request('regaut01').authorization?.[0]?.params.get('opaque-data')).toBe('here');
    const c1 = request('cparam01').contact;
    const c2 = request('cparam02').contact;
    if (!c1 || c1.star || !c2 || c2.star) throw new Error('contact');
    expect(c1.contacts[0]?.params.has('unknownparam')).toBe(true); // a Contact header parameter
    expect(c1.contacts[0]?.uri.kind === 'sip' && c1.contacts[0].uri.params.has('unknownparam')).toBe(false);
    expect(c2.contacts[0]?.uri.kind === 'sip' && c2.contacts[0].uri.params.has('unknownparam')).toBe(true); // a URI parameter
    const r = request('regescrt').contact;
    if (!r || r.star) throw new Error('contact');
    expect(r.contacts[0]?.uri.kind === 'sip' && r.contacts[0].uri.headers).toEqual([['Route', '<sip:sip.example.com>']]);
    expect(request('badbranch').via?.[0]?.branch).toBe('z9hG4bK');
    const inv = request('inv2543');
    expect(inv.via?.[0]?.branch).toBeUndefined();
    expect(inv.body.toString()).toContain('m=audio 49217 RTP/AVP 0');
  });
});
