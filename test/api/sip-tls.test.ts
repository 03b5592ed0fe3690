import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/app/index.js';
import { StreamFramer, type SipResponse } from '../../src/sip/index.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { answerChallenge, registerText } from '../support/sip-register.js';
import { haveOpenssl, selfSignedCert } from '../support/tls.js';

const PASSWORD = 'demo-password-1';

const openssl = haveOpenssl();

/** SIP over TLS with the certificate and key named in the configuration. */
describe.skipIf(!openssl && process.env.CI !== 'true')('SIP over TLS from configured certificate files', () => {
  let t: TestApp;
  let dir: string;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hotline-tls-'));
    const { cert, key } = selfSignedCert();
    writeFileSync(join(dir, 'cert.pem'), cert);
    writeFileSync(join(dir, 'key.pem'), key);
    t = await createTestApp('sqlite', {
      demoPassword: PASSWORD,
      sipHost: '127.0.0.1',
      sipPort: 0,
      sipTlsPort: 0,
      sipTlsCert: join(dir, 'cert.pem'),
      sipTlsKey: join(dir, 'key.pem'),
      rtpPortMin: 47100,
      rtpPortMax: 47199,
    });
    await seedDemo(t.app);
    await t.app.listen();
    port = t.app.phone.sip()!.port('tls')!;
  });
  afterAll(async () => {
    await t?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers seat 1002 over TLS and lists TLS in the SIP settings', async () => {
    const sock = tls.connect({ host: '127.0.0.1', port, ca: readFileSync(join(dir, 'cert.pem')) });
    await new Promise<void>((resolve, reject) => sock.once('secureConnect', resolve).once('error', reject));
    const framer = new StreamFramer();
    const got: SipResponse[] = [];
    const waiters: Array<() => void> = [];
    sock.on('data', (chunk: Buffer) => {
      for (const e of framer.push(chunk)) if (e.kind === 'message' && e.message.kind === 'response') got.push(e.message);
      waiters.splice(0).forEach((w) => w());
    });
    const next = async () => {
      while (!got.length) await new Promise<void>((r) => waiters.push(r));
      return got.shift()!;
    };
    const reg = (cseq: number, auth?: string) =>
      registerText({ user: '1002', transport: 'TLS', sentBy: `127.0.0.1:${sock.localPort}`, contact: `sip:1002@127.0.0.1:${sock.localPort};transport=tls`, cseq, callId: 'tls-1', ...(auth ? { auth } : {}) });
    sock.write(reg(1));
    const challenge = await next();
    expect(challenge.status).toBe(401);
    sock.write(reg(2, answerChallenge(challenge, '1002', PASSWORD)));
    expect((await next()).status).toBe(200);
    const tenant = await t.app.accounts.getTenantBySlug('demo');
    const seat = (await t.app.phone.seats.list(tenant!.id)).find((s) => s.number === '1002')!;
    expect(seat.registrations.map((r) => r.transport)).toEqual(['tls']);
    const settings = await t.app.phone.settings(tenant!.id);
    expect(settings.transports).toContainEqual({ transport: 'tls', host: '127.0.0.1', port });
    sock.destroy();
  });
});
