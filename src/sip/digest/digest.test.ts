import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../kit/index.js';
import { parseMessage } from '../index.js';
import {
  DigestAuthenticator,
  computeResponse,
  digestCredentials,
  ha1,
  type DigestAlgorithm,
  type DigestCredentials,
  type LookupHA1,
} from './index.js';

const REALM = 'hotline.example';
const SECRET = 'test-secret-0123456789abcdef';

/** Pulls auth-params out of a challenge string the way a UAC would (our values never contain commas). */
function parseChallenge(h: string): Record<string, string> {
  expect(h.startsWith('Digest ')).toBe(true);
  const out: Record<string, string> = {};
  for (const part of h.slice(7).split(', ')) {
    const eq = part.indexOf('=');
    const k = part.slice(0, eq);
    let v = part.slice(eq + 1);
    if (v.startsWith('"')) v = v.slice(1, -1);
    out[k] = v;
  }
  return out;
}

const USERS: Record<string, string> = { alice: 'wonderland', bob: 'builder' };

/** Stored credentials: HA1 per algorithm, never the password. */
const store = new Map<string, string>();
for (const [u, p] of Object.entries(USERS)) {
  for (const a of ['MD5', 'SHA-256', 'SHA-512-256'] as DigestAlgorithm[]) store.set(`${u}|${a}`, ha1(u, REALM, p, a));
}
const lookupHA1: LookupHA1 = (u, _realm, a) => store.get(`${u}|${a}`) ?? null;

/** Builds a UAC's Authorization params answering `challenge`. */
function answer(
  challenge: string,
  o: { username?: string; password?: string; method?: string; uri?: string; nc?: number; cnonce?: string } = {},
): DigestCredentials {
  const ch = parseChallenge(challenge);
  const algorithm = ch.algorithm as DigestAlgorithm;
  const username = o.username ?? 'alice';
  const password = o.password ?? USERS[username] ?? 'x';
  const method = o.method ?? 'REGISTER';
  const uri = o.uri ?? 'sip:hotline.example';
  const nc = (o.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = o.cnonce ?? 'abc123';
  const nonce = ch.nonce!;
  const response = computeResponse({
    algorithm,
    ha1: ha1(username, ch.realm!, password, algorithm),
    method,
    uri,
    nonce,
    qop: 'auth',
    nc,
    cnonce,
  });
  return { username, realm: ch.realm!, nonce, uri, response, algorithm, cnonce, nc, qop: 'auth', opaque: ch.opaque! };
}

function setup(extra: Partial<ConstructorParameters<typeof DigestAuthenticator>[0]> = {}) {
  const clock = new FakeClock();
  const auth = new DigestAuthenticator({ clock, realm: REALM, secret: SECRET, ...extra });
  const verify = (credentials: DigestCredentials, method = 'REGISTER') => auth.verify({ method, credentials, lookupHA1 });
  return { clock, auth, verify };
}

describe('known vectors', () => {
  it('RFC 2617 §3.5 (MD5, qop=auth)', () => {
    const h = ha1('Mufasa', 'testrealm@host.com', 'Circle Of Life', 'MD5');
    expect(h).toBe('939e7578ed9e3c518a452acee763bce9');
    expect(
      computeResponse({
        algorithm: 'MD5',
        ha1: h,
        method: 'GET',
        uri: '/dir/index.html',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        qop: 'auth',
        nc: '00000001',
        cnonce: '0a4f113b',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });

  // RFC 7616 §3.9.1 uses realm "http-auth@example.org" and password "Circle of Life" (lower-case "of").
  const v7616 = {
    method: 'GET',
    uri: '/dir/index.html',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    qop: 'auth' as const,
    nc: '00000001',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  };
  it('RFC 7616 §3.9.1 (SHA-256)', () => {
    const h = ha1('Mufasa', 'http-auth@example.org', 'Circle of Life', 'SHA-256');
    expect(computeResponse({ algorithm: 'SHA-256', ha1: h, ...v7616 })).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });
  it('RFC 7616 §3.9.1 (MD5)', () => {
    const h = ha1('Mufasa', 'http-auth@example.org', 'Circle of Life', 'MD5');
    expect(computeResponse({ algorithm: 'MD5', ha1: h, ...v7616 })).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });
  it('RFC 2069 form (no qop) is H(HA1:nonce:HA2)', () => {
    // RFC 2617 §3.2.2.1 second form (the RFC 2069 request-digest) with the §3.5 inputs.
    const h = ha1('Mufasa', 'testrealm@host.com', 'Circle Of Life', 'MD5');
    expect(
      computeResponse({ algorithm: 'MD5', ha1: h, method: 'GET', uri: '/dir/index.html', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093' }),
    ).toBe('670fd8c2df070c60b045671b8b24ff02');
  });
});

describe('challenge', () => {
  it('one value per algorithm, SHA-256 first, with realm, nonce, opaque, algorithm and qop', () => {
    const { auth } = setup();
    const hs = auth.challenge();
    expect(hs).toHaveLength(2);
    const [a, b] = hs.map(parseChallenge);
    expect(a).toMatchObject({ realm: REALM, algorithm: 'SHA-256', qop: 'auth' });
    expect(b).toMatchObject({ realm: REALM, algorithm: 'MD5', qop: 'auth' });
    expect(a!.nonce).toBeTruthy();
    expect(a!.opaque).toBeTruthy();
    expect(a!.stale).toBeUndefined();
    expect(hs[0]).toContain('qop="auth"');
  });
  it('stale=true when asked', () => {
    const { auth } = setup();
    for (const h of auth.challenge({ stale: true })) expect(h.endsWith(', stale=true')).toBe(true);
  });
  it('fresh nonces every time', () => {
    const { auth } = setup();
    expect(parseChallenge(auth.challenge()[0]!).nonce).not.toBe(parseChallenge(auth.challenge()[0]!).nonce);
  });
  it('each value parses back through the SIP layer as a Digest WWW-Authenticate', () => {
    const { auth } = setup();
    const hs = auth.challenge({ stale: true });
    const r = parseMessage(
      'SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=2\r\n' +
        'Call-ID: x\r\nCSeq: 1 REGISTER\r\n' +
        hs.map((h) => `WWW-Authenticate: ${h}\r\n`).join('') +
        'Content-Length: 0\r\n\r\n',
    );
    if (r.kind !== 'message') throw new Error('parse failed');
    const p = r.message.headers.parsed('www-authenticate');
    if (!p?.ok) throw new Error('www-authenticate did not parse');
    expect(p.value.map((v) => [v.scheme, v.params.get('algorithm'), v.params.get('qop'), v.params.get('stale')])).toEqual([
      ['Digest', 'SHA-256', 'auth', 'true'],
      ['Digest', 'MD5', 'auth', 'true'],
    ]);
    expect(p.value[0]!.params.get('realm')).toBe(REALM);
    expect(p.value[0]!.params.get('nonce')).toBe(parseChallenge(hs[0]!).nonce);
  });
  it('rejects bad options', () => {
    const clock = new FakeClock();
    expect(() => new DigestAuthenticator({ clock, realm: REALM, secret: 'short' })).toThrow(/16 bytes/);
    expect(() => new DigestAuthenticator({ clock, realm: REALM, secret: SECRET, algorithms: [] })).toThrow();
    expect(
      () => new DigestAuthenticator({ clock, realm: REALM, secret: SECRET, algorithms: ['SHA-1' as DigestAlgorithm] }),
    ).toThrow();
  });
});

describe('verify', () => {
  it.each(['SHA-256', 'MD5'])('round trip challenge → response → ok (%s)', async (alg) => {
    const { auth, verify } = setup();
    const h = auth.challenge().find((x) => x.includes(`algorithm=${alg}`))!;
    expect(await verify(answer(h))).toEqual({ ok: true, username: 'alice' });
  });

  it('SHA-512-256 when configured', async () => {
    const { auth, verify } = setup({ algorithms: ['SHA-512-256', 'SHA-256'] });
    const h = auth.challenge()[0]!;
    expect(h).toContain('algorithm=SHA-512-256');
    expect(await verify(answer(h))).toEqual({ ok: true, username: 'alice' });
  });

  it('accepts AuthValue.params from a parsed Authorization header', async () => {
    const { auth } = setup();
    const c = answer(auth.challenge()[0]!);
    const line =
      `Digest username="${c.username}", realm="${c.realm}", nonce="${c.nonce}", uri="${c.uri}", response="${c.response}", ` +
      `algorithm=${c.algorithm}, cnonce="${c.cnonce}", nc=${c.nc}, qop=auth, opaque="${c.opaque}"`;
    const parsed = parseMessage(
      Buffer.from(
        'REGISTER sip:hotline.example SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:alice@hotline.example>;tag=1\r\n' +
          `To: <sip:alice@hotline.example>\r\nCall-ID: x\r\nCSeq: 2 REGISTER\r\nMax-Forwards: 70\r\nAuthorization: ${line}\r\nContent-Length: 0\r\n\r\n`,
      ),
    );
    if (parsed.kind !== 'message') throw new Error('parse failed');
    const authz = parsed.message.headers.parsed('authorization');
    if (!authz?.ok) throw new Error('authorization did not parse');
    const value = authz.value[0]!;
    const creds = digestCredentials(value)!;
    expect(creds.username).toBe('alice');
    expect(await auth.verify({ method: 'REGISTER', credentials: creds, lookupHA1 })).toEqual({ ok: true, username: 'alice' });
    const again = answer(auth.challenge()[0]!);
    expect(await auth.verify({ method: 'REGISTER', credentials: new Map(Object.entries(again)), lookupHA1 })).toMatchObject({
      ok: true,
    });
    expect(digestCredentials({ scheme: 'Bearer', params: new Map(), token68: 'x' })).toBeNull();
  });

  it('wrong password → bad-response', async () => {
    const { auth, verify } = setup();
    expect(await verify(answer(auth.challenge()[0]!, { password: 'nope' }))).toEqual({ ok: false, reason: 'bad-response' });
  });

  it('wrong method or uri → bad-response', async () => {
    const { auth, verify } = setup();
    expect(await verify(answer(auth.challenge()[0]!), 'INVITE')).toEqual({ ok: false, reason: 'bad-response' });
    const c = answer(auth.challenge()[0]!);
    expect(await verify({ ...c, uri: 'sip:other.example' })).toEqual({ ok: false, reason: 'bad-response' });
  });

  it('requestUri mismatch → malformed', async () => {
    const { auth } = setup();
    const c = answer(auth.challenge()[0]!);
    expect(await auth.verify({ method: 'REGISTER', credentials: c, lookupHA1, requestUri: 'sip:elsewhere' })).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('unknown user → unknown-user, after the same hash work', async () => {
    const { auth } = setup();
    const c = answer(auth.challenge()[0]!, { username: 'mallory', password: 'x' });
    const calls: string[] = [];
    const r = await auth.verify({
      method: 'REGISTER',
      credentials: c,
      lookupHA1: (u, realm, a) => {
        calls.push(`${u}|${realm}|${a}`);
        return null;
      },
    });
    expect(r).toEqual({ ok: false, reason: 'unknown-user' });
    expect(calls).toEqual([`mallory|${REALM}|SHA-256`]);
  });

  it('nonce expires after 300 s → stale; a new challenge works', async () => {
    const { auth, verify, clock } = setup();
    const h = auth.challenge()[0]!;
    clock.advance(299_999);
    expect(await verify(answer(h, { nc: 1 }))).toMatchObject({ ok: true });
    clock.advance(1);
    expect(await verify(answer(h, { nc: 2 }))).toEqual({ ok: false, reason: 'stale' });
    expect(await verify(answer(auth.challenge({ stale: true })[0]!))).toMatchObject({ ok: true });
  });

  it('expired nonce with a wrong password is bad-response, not stale (RFC 7616 §3.3)', async () => {
    const { auth, verify, clock } = setup();
    const h = auth.challenge()[0]!;
    clock.advance(400_000);
    expect(await verify(answer(h, { password: 'nope' }))).toEqual({ ok: false, reason: 'bad-response' });
  });

  it('custom ttl', async () => {
    const { auth, verify, clock } = setup({ nonceTtlMs: 1000 });
    const h = auth.challenge()[0]!;
    clock.advance(1000);
    expect(await verify(answer(h))).toEqual({ ok: false, reason: 'stale' });
  });

  it('forged or modified nonce → malformed', async () => {
    const { auth, verify } = setup();
    const c = answer(auth.challenge()[0]!);
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    // Re-sign the response for the modified nonce so only the nonce check can catch it.
    for (const nonce of [flip(c.nonce!, 2), flip(c.nonce!, 30), c.nonce + 'A', 'dcd98b7102dd2f0e8b11d0f600bfb0c093', '']) {
      const forged = {
        ...c,
        nonce,
        response: computeResponse({
          algorithm: 'SHA-256',
          ha1: ha1('alice', REALM, 'wonderland', 'SHA-256'),
          method: 'REGISTER',
          uri: c.uri!,
          nonce,
          qop: 'auth',
          nc: c.nc!,
          cnonce: c.cnonce!,
        }),
      };
      expect(await verify(forged)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('nonce from another secret → malformed', async () => {
    const other = new DigestAuthenticator({ clock: new FakeClock(), realm: REALM, secret: 'another-secret-0123456789' });
    const { verify } = setup();
    expect(await verify(answer(other.challenge()[0]!))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('nonce from another instance with the same secret verifies (stateless)', async () => {
    const other = new DigestAuthenticator({ clock: new FakeClock(), realm: REALM, secret: SECRET });
    const { verify } = setup();
    expect(await verify(answer(other.challenge()[0]!))).toMatchObject({ ok: true });
  });

  it('missing or altered opaque → malformed', async () => {
    const { auth, verify } = setup();
    const c = answer(auth.challenge()[0]!);
    const { opaque: _o, ...noOpaque } = c;
    expect(await verify(noOpaque)).toEqual({ ok: false, reason: 'malformed' });
    expect(await verify({ ...c, opaque: 'x' + c.opaque!.slice(1) })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('replayed nc → replay; increasing nc ok; gaps allowed', async () => {
    const { auth, verify } = setup();
    const h = auth.challenge()[0]!;
    expect(await verify(answer(h, { nc: 1 }))).toMatchObject({ ok: true });
    expect(await verify(answer(h, { nc: 1 }))).toEqual({ ok: false, reason: 'replay' });
    expect(await verify(answer(h, { nc: 2 }))).toMatchObject({ ok: true });
    expect(await verify(answer(h, { nc: 5 }))).toMatchObject({ ok: true });
    expect(await verify(answer(h, { nc: 3 }))).toEqual({ ok: false, reason: 'replay' });
    expect(await verify(answer(h, { nc: 5 }))).toEqual({ ok: false, reason: 'replay' });
    expect(await verify(answer(h, { nc: 6 }))).toMatchObject({ ok: true });
    expect(auth.trackedNonces).toBe(1);
  });

  it('the nc table drops expired nonces and stays capped', async () => {
    const { auth, verify, clock } = setup({ maxTrackedNonces: 3 });
    for (let i = 0; i < 3; i++) expect(await verify(answer(auth.challenge()[0]!))).toMatchObject({ ok: true });
    expect(auth.trackedNonces).toBe(3);
    clock.advance(300_000);
    expect(await verify(answer(auth.challenge()[0]!))).toMatchObject({ ok: true });
    expect(auth.trackedNonces).toBe(1);
  });

  it('evicting a live nonce for the cap never reopens a replay: old nonces go stale', async () => {
    const { auth, verify, clock } = setup({ maxTrackedNonces: 2 });
    const h1 = auth.challenge()[0]!;
    clock.advance(1);
    const h2 = auth.challenge()[0]!;
    clock.advance(1);
    const h3 = auth.challenge()[0]!;
    expect(await verify(answer(h1))).toMatchObject({ ok: true });
    expect(await verify(answer(h2))).toMatchObject({ ok: true });
    expect(await verify(answer(h3))).toMatchObject({ ok: true }); // evicts h1
    expect(auth.trackedNonces).toBe(2);
    expect(await verify(answer(h1, { nc: 1 }))).toEqual({ ok: false, reason: 'stale' });
    expect(await verify(answer(h2, { nc: 1 }))).toEqual({ ok: false, reason: 'replay' });
    expect(await verify(answer(h3, { nc: 2 }))).toMatchObject({ ok: true });
  });

  it('a different realm → realm', async () => {
    const { auth, verify } = setup();
    const c = answer(auth.challenge()[0]!);
    expect(await verify({ ...c, realm: 'evil.example' })).toEqual({ ok: false, reason: 'realm' });
  });

  it('unsupported or unoffered algorithm → algorithm', async () => {
    const { auth, verify } = setup();
    const c = answer(auth.challenge()[0]!);
    expect(await verify({ ...c, algorithm: 'SHA-1' })).toEqual({ ok: false, reason: 'algorithm' });
    expect(await verify({ ...c, algorithm: 'SHA-256-sess' })).toEqual({ ok: false, reason: 'algorithm' });
    expect(await verify({ ...c, algorithm: 'SHA-512-256' })).toEqual({ ok: false, reason: 'algorithm' });
    const md5Only = setup({ algorithms: ['SHA-256'] });
    const { algorithm: _a, ...noAlg } = answer(md5Only.auth.challenge()[0]!);
    // absent algorithm means MD5 (RFC 7616 §3.3), which this instance does not offer
    expect(await md5Only.verify(noAlg)).toEqual({ ok: false, reason: 'algorithm' });
  });

  it('algorithm token is case-insensitive', async () => {
    const { auth, verify } = setup();
    const c = answer(auth.challenge()[0]!);
    expect(await verify({ ...c, algorithm: 'sha-256' })).toMatchObject({ ok: true });
  });

  it('malformed credentials', async () => {
    const { auth, verify } = setup();
    const c = answer(auth.challenge()[0]!);
    for (const k of ['username', 'realm', 'nonce', 'uri', 'response'] as const) {
      const { [k]: _drop, ...rest } = c;
      expect(await verify(rest)).toEqual({ ok: false, reason: 'malformed' });
    }
    expect(await verify({ ...c, qop: 'auth-int' })).toEqual({ ok: false, reason: 'malformed' });
    expect(await verify({ ...c, nc: '1' })).toEqual({ ok: false, reason: 'malformed' });
    expect(await verify({ ...c, nc: '00000000' })).toEqual({ ok: false, reason: 'malformed' });
    expect(await verify({ ...c, cnonce: '' })).toEqual({ ok: false, reason: 'malformed' });
    expect(await verify({ ...c, response: 'zz' })).toEqual({ ok: false, reason: 'malformed' });
    expect(await verify({ ...c, response: c.response!.slice(0, 32) })).toEqual({ ok: false, reason: 'malformed' });
    const { qop: _q, ...noQop } = c;
    expect(await verify(noQop)).toEqual({ ok: false, reason: 'malformed' }); // nc/cnonce without qop
  });

  it('upper-case hex response is accepted', async () => {
    const { auth, verify } = setup();
    const c = answer(auth.challenge()[0]!);
    expect(await verify({ ...c, response: c.response!.toUpperCase() })).toMatchObject({ ok: true });
  });

  it('RFC 2069 compatibility: no qop, no nc/cnonce', async () => {
    const { auth, verify } = setup();
    const ch = parseChallenge(auth.challenge()[1]!); // MD5
    const response = computeResponse({
      algorithm: 'MD5',
      ha1: ha1('bob', REALM, 'builder', 'MD5'),
      method: 'REGISTER',
      uri: 'sip:hotline.example',
      nonce: ch.nonce!,
    });
    const c = { username: 'bob', realm: REALM, nonce: ch.nonce!, uri: 'sip:hotline.example', response, opaque: ch.opaque! };
    expect(await verify(c)).toEqual({ ok: true, username: 'bob' });
    expect(await verify({ ...c, response: response.replace(/^./, (x) => (x === '0' ? '1' : '0')) })).toEqual({
      ok: false,
      reason: 'bad-response',
    });
  });

  it('async lookupHA1', async () => {
    const { auth } = setup();
    const r = await auth.verify({
      method: 'REGISTER',
      credentials: answer(auth.challenge()[0]!),
      lookupHA1: async (u, realm, a) => Promise.resolve(lookupHA1(u, realm, a)),
    });
    expect(r).toEqual({ ok: true, username: 'alice' });
  });
});
