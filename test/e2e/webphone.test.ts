/**
 * The browser phone in headless Chromium (fake microphone): an agent's tab registers their seat
 * over /sip with the session alone, a second tab defers to it, the phone re-registers by itself
 * after the server drops its socket, and a call from a SIP phone rings in the browser (180, an
 * audible WebAudio ring) until the caller cancels, and an answered call gets WebRTC media.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PROJECT_ROOT, seedDemo } from '../../src/app/index.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import { SipPhone } from '../support/sip-phone.js';

const WEB = join(PROJECT_ROOT, 'web', 'dist');
const PASSWORD = 'demo password 1';

describe.runIf(chromiumAvailable())('browser phone in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let tenantId: string;
  let aliceId: string;
  let adminCookie: string;
  let server: { host: string; port: number };
  const phones: SipPhone[] = [];

  beforeAll(async () => {
    if (!existsSync(join(WEB, 'index.html'))) execFileSync('npm', ['run', 'build:web'], { cwd: PROJECT_ROOT, stdio: 'ignore' });
    t = await createTestApp('sqlite', { demoPassword: PASSWORD, sipHost: '127.0.0.1', sipPort: 0, rtpPortMin: 47800, rtpPortMax: 47899 }, { webRoot: WEB });
    tenantId = (await seedDemo(t.app)).tenantId;
    base = await t.app.listen();
    server = { host: '127.0.0.1', port: t.app.phone.sip()!.port('udp')! };
    aliceId = (await t.app.accounts.findUserByEmail('alice@demo.test'))!.id;
    adminCookie = await t.signIn('admin@demo.test', PASSWORD);
    browser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream']);
    context = await browser.newContext({ locale: 'en-US' });
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(phones.map((p) => p.close()));
    await browser?.close();
    await t?.dispose();
  });

  const phoneState = (p: Page) => p.getByTestId('phone-status').getAttribute('data-state');
  const aliceSeat = async () => {
    const r = await t.app.http.inject({ url: '/api/v1/seats', headers: { cookie: adminCookie } });
    return (r.json().items as Array<{ number: string; status: string; registrations: Array<{ transport: string; source: string }> }>).find((s) => s.number === '1001')!;
  };

  it('registers the signed-in agent’s seat without a SIP password', async () => {
    await page.goto(base + '/');
    await page.getByTestId('signin-email').fill('alice@demo.test');
    await page.getByTestId('signin-password').fill(PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('quick-search-input').waitFor();
    await expect.poll(() => phoneState(page), { timeout: 15_000 }).toBe('registered');
    const seat = await aliceSeat();
    expect(seat.status).toBe('registered');
    expect(seat.registrations.map((r) => r.transport)).toEqual(['ws']);
  });

  it('lets only one tab own the phone; another tab can take it over', async () => {
    const second = await context.newPage();
    await second.goto(base + '/contacts');
    await expect.poll(() => phoneState(second), { timeout: 10_000 }).toBe('elsewhere');
    await second.getByTestId('phone-status').click();
    await expect.poll(() => second.getByTestId('phone-elsewhere').innerText()).toContain('active in another tab');
    await second.getByTestId('phone-use-here').click();
    await expect.poll(() => phoneState(second), { timeout: 15_000 }).toBe('registered');
    await expect.poll(() => phoneState(page), { timeout: 10_000 }).toBe('elsewhere');
    // Closing the owning tab hands the phone back to the waiting one.
    await second.close();
    await expect.poll(() => phoneState(page), { timeout: 15_000 }).toBe('registered');
    await expect.poll(async () => (await aliceSeat()).registrations.length, { timeout: 10_000 }).toBeGreaterThan(0);
  });

  it('registers again by itself after the server drops its WebSocket', async () => {
    const before = (await aliceSeat()).registrations.map((r) => r.source);
    expect(t.app.phone.sip()!.webSockets.disconnect(tenantId, aliceId)).toBeGreaterThanOrEqual(1);
    // JsSIP waits at least 2 s before reconnecting: the lost registration shows meanwhile.
    await expect.poll(() => phoneState(page), { timeout: 10_000, interval: 50 }).not.toBe('registered');
    await expect.poll(() => phoneState(page), { timeout: 20_000 }).toBe('registered');
    // A new connection (new source port) carries the registration now.
    await expect.poll(async () => (await aliceSeat()).registrations.map((r) => r.source).some((s) => !before.includes(s)), { timeout: 10_000 }).toBe(true);
  });

  it('rings for a call from a SIP phone until the caller cancels', async () => {
    const bob = await SipPhone.create({ server, user: '1002', password: PASSWORD });
    phones.push(bob);
    expect((await bob.register()).res.status).toBe(200);
    const { invite } = await bob.call('1001');
    expect((await bob.waitResponse(invite, { status: 180 }, 10_000)).status).toBe(180);
    const popup = page.getByTestId('incoming-call');
    await popup.waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('incoming-call-number').innerText()).toContain('1002');
    await expect.poll(() => popup.getAttribute('data-ring-sound'), { timeout: 5_000 }).toBe('audible');
    bob.cancel(invite);
    expect((await bob.waitResponse(invite, { final: true }, 10_000)).status).toBe(487);
    await popup.waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('gets a WebRTC offer from Hotline (not the caller’s plain RTP) and answers it', async () => {
    const bob = phones[0]!;
    const { invite } = await bob.call('1001');
    const popup = page.getByTestId('incoming-call');
    await popup.waitFor({ timeout: 10_000 });
    await page.getByTestId('incoming-call-answer').click();
    const final = await bob.waitResponse(invite, { final: true }, 15_000);
    expect(final.status).toBe(200);
    // The caller gets plain G.711 from Hotline; the browser's ICE and DTLS stay on its own leg.
    expect(final.body.toString()).toMatch(/^m=audio \d+ RTP\/AVP 0/m);
    expect(final.body.toString()).not.toContain('fingerprint');
    const leg = bob.ack2xx(invite, final);
    const bye = bob.inDialog(leg, 'BYE');
    expect((await bob.waitResponse(bye, { final: true })).status).toBe(200);
    await page.getByTestId('phone-call').waitFor({ state: 'detached', timeout: 10_000 });
    expect(await phoneState(page)).toBe('registered');
  });
});
