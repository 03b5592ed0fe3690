import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { seedDemo } from '../../src/app/index.js';
import { parseMessage, type SipResponse } from '../../src/sip/index.js';
import { answerChallenge, registerText } from '../support/sip-register.js';
import { createTestApp, type TestApp } from '../support/app.js';

const PASSWORD = 'demo-password-1';

/** SIP over WebSocket (RFC 7118) on the app's HTTP port, as a browser phone would use it. */
describe('SIP over WebSocket at /sip', () => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp('sqlite', { demoPassword: PASSWORD, sipHost: '127.0.0.1', sipPort: 0, rtpPortMin: 47000, rtpPortMax: 47099 });
    await seedDemo(t.app);
    base = await t.app.listen();
  });
  afterAll(() => t?.dispose());

  function open(protocol = 'sip'): Promise<{ ws: WebSocket; next(): Promise<SipResponse> }> {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/sip`, protocol);
    const queue: SipResponse[] = [];
    const waiting: Array<(r: SipResponse) => void> = [];
    ws.on('message', (data: Buffer) => {
      const m = parseMessage(data);
      if (m.kind !== 'message' || m.message.kind !== 'response') return;
      const w = waiting.shift();
      if (w) w(m.message);
      else queue.push(m.message);
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () =>
        resolve({ ws, next: () => new Promise<SipResponse>((r) => (queue.length ? r(queue.shift()!) : waiting.push(r))) }),
      );
      ws.once('error', reject);
    });
  }

  const register = (cseq: number, auth?: string) =>
    registerText({ user: '1001', transport: 'WSS', sentBy: 'abcdef.invalid', contact: 'sip:browser@abcdef.invalid;transport=ws', cseq, callId: 'ws-call-1', ...(auth ? { auth } : {}) });

  it('registers seat 1001 with digest over the WebSocket and shows it as a ws registration', async () => {
    const { ws, next } = await open();
    ws.send(register(1));
    const challenge = await next();
    expect(challenge.status).toBe(401);
    ws.send(register(2, answerChallenge(challenge, '1001', PASSWORD)));
    const ok = await next();
    expect(ok.status).toBe(200);
    const tenant = await t.app.accounts.getTenantBySlug('demo');
    const seats = await t.app.phone.seats.list(tenant!.id);
    const seat = seats.find((s) => s.number === '1001')!;
    expect(seat.status).toBe('registered');
    expect(seat.registrations.map((r) => r.transport)).toContain('ws');
    // Nothing can reach a browser whose WebSocket closed: its binding goes at once, not at expiry.
    ws.close();
    const status = async () => (await t.app.phone.seats.list(tenant!.id)).find((s) => s.number === '1001')!.status;
    for (let i = 0; i < 100 && (await status()) !== 'unregistered'; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await status()).toBe('unregistered');
  });

  it('closes a socket that did not ask for the sip subprotocol', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/sip`);
    const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    expect(code).toBe(1002);
  });
});
