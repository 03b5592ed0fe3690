import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatUri, parseUri, type SipUri, type Uri } from './index.js';
import { parseHostPort } from './uri.js';

function ok(raw: string): Uri {
  const r = parseUri(raw);
  if (!r.ok) throw new Error(`${raw}: ${r.error.detail}`);
  return r.value;
}
const sip = (raw: string) => ok(raw) as SipUri;

describe('parseUri: sip / sips (RFC 3261 §19.1)', () => {
  it('user, password, host, port, params, headers', () => {
    const u = sip('sips:alice:secret@atlanta.com:5061;transport=tcp;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent');
    expect(u).toMatchObject({ scheme: 'sips', user: 'alice', password: 'secret', host: 'atlanta.com', hostType: 'hostname', port: 5061 });
    expect([...u.params]).toEqual([['transport', 'tcp'], ['lr', null], ['maddr', '239.255.255.1']]);
    expect(u.headers).toEqual([['subject', 'project x'], ['priority', 'urgent']]);
  });

  it('no user, IPv4, IPv6 references', () => {
    expect(sip('sip:192.0.2.4')).toMatchObject({ host: '192.0.2.4', hostType: 'ipv4' });
    expect(sip('sip:[2001:db8::10]:5070')).toMatchObject({ host: '2001:db8::10', hostType: 'ipv6', port: 5070 });
    expect(sip('sip:alice@[::1];transport=ws')).toMatchObject({ user: 'alice', host: '::1' });
  });

  it('scheme and param names are case-insensitive; escapes are decoded', () => {
    expect(sip('SIP:%61lice@Example.COM;TRANSPORT=UDP')).toMatchObject({ scheme: 'sip', user: 'alice', host: 'Example.COM' });
    expect(sip('sip:a@b;TRANSPORT=UDP').params.get('transport')).toBe('UDP');
    expect(sip('sip:%E5%A4%A7@example.com').user).toBe('大');
  });

  it('telephone-subscriber users (user=phone)', () => {
    const u = sip('sip:+1-212-555-1212:1234@gateway.com;user=phone');
    expect(u).toMatchObject({ user: '+1-212-555-1212', password: '1234', host: 'gateway.com' });
    expect(u.params.get('user')).toBe('phone');
  });

  it.each([
    ['sip:', 'empty host'],
    ['sip:@example.com', 'empty user'],
    ['sip:alice@', 'empty host'],
    ['sip:alice@exa mple.com', 'space'],
    ['<sip:alice@example.com>', 'brackets'],
    ['sip:alice@example.com:99999', 'port range'],
    ['sip:alice@example.com:5o60', 'port digits'],
    ['sip:alice@[2001:db8::zz]', 'bad IPv6'],
    ['sip:alice@[2001:db8::1', 'unterminated IPv6'],
    ['sip:alice@256.1.1.1', 'bad IPv4'],
    ['sip:alice@example.com;;lr', 'empty param'],
    ['sip:al%ZZice@example.com', 'bad escape'],
    ['sip:alice@example.com?subject', 'header without value'],
    ['1sip:alice@example.com', 'bad scheme'],
    ['example.com', 'no scheme'],
  ])('refuses %s (%s)', (raw) => {
    expect(parseUri(raw).ok).toBe(false);
  });
});

describe('parseUri: tel and other schemes', () => {
  it('tel (RFC 3966)', () => {
    expect(ok('tel:+1-201-555-0123')).toMatchObject({ kind: 'tel', number: '+1-201-555-0123', global: true });
    const t = ok('tel:7042;phone-context=example.com');
    expect(t).toMatchObject({ kind: 'tel', number: '7042', global: false });
    expect(t.kind === 'tel' && t.params.get('phone-context')).toBe('example.com');
    expect(parseUri('tel:+1 201').ok).toBe(false);
    expect(parseUri('tel:abc-xyz').ok).toBe(false);
  });
  it('unknown schemes stay opaque', () => {
    expect(ok('urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6')).toMatchObject({ kind: 'other', scheme: 'urn' });
    expect(ok('soap.beep://192.0.2.103:3002')).toMatchObject({ kind: 'other', scheme: 'soap.beep', opaque: '//192.0.2.103:3002' });
  });
});

describe('formatUri', () => {
  it('escapes what the grammar does not allow bare, and round-trips', () => {
    const u = sip('sip:I%20have%20spaces@example.net;n%61me=v%61lue%25%34%31');
    expect(formatUri(u)).toBe('sip:I%20have%20spaces@example.net;name=value%2541');
    for (const raw of [
      'sips:alice:secret@atlanta.com:5061;transport=tcp;lr?subject=project%20x',
      'sip:[2001:db8::10]:5070;transport=tcp',
      "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com",
      'sip:null-%00-null@example.com',
      'tel:+1-201-555-0123;ext=22',
      'isbn:2983792873',
    ]) {
      const a = ok(raw);
      const b = ok(formatUri(a));
      expect({ ...b, raw: '' }, raw).toEqual({ ...a, raw: '' });
    }
  });

  it('property: format → parse is the identity on generated SIP URIs', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/);
    const arb = fc.record({
      user: fc.option(fc.string({ minLength: 1, maxLength: 12 }), { nil: undefined }),
      host: fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join('.')),
      port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
      params: fc.uniqueArray(
        fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/), fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: null })),
        { selector: (p) => p[0], maxLength: 4 },
      ),
    });
    fc.assert(
      fc.property(arb, (g) => {
        const u: SipUri = { kind: 'sip', scheme: 'sip', host: g.host, hostType: 'hostname', params: new Map(g.params), headers: [], raw: '' };
        if (g.user !== undefined) u.user = g.user;
        if (g.port !== undefined) u.port = g.port;
        const back = parseUri(formatUri(u));
        expect(back.ok).toBe(true);
        if (back.ok) expect({ ...back.value, raw: '' }).toEqual(u);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseHostPort', () => {
  it('parses and refuses', () => {
    expect(parseHostPort('[::1]:5060')).toEqual({ host: '::1', hostType: 'ipv6', port: 5060 });
    expect(parseHostPort('example.com')).toEqual({ host: 'example.com', hostType: 'hostname' });
    expect(() => parseHostPort('[::1]x')).toThrow();
  });
});
