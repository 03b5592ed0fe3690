/**
 * The Phones admin page and My phone in headless Chromium: the demo seats are listed, a phone
 * registering turns its status live, a new seat's password is shown once and works for a real
 * REGISTER, and the agent sees their own seat's SIP settings.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { PROJECT_ROOT, seedDemo } from '../../src/app/index.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import { SipPhone } from '../support/sip-phone.js';

const WEB = join(PROJECT_ROOT, 'web', 'dist');
const PASSWORD = 'demo password 1';

describe.runIf(chromiumAvailable())('phones pages in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let base: string;
  let server: { host: string; port: number };
  const phones: SipPhone[] = [];

  beforeAll(async () => {
    if (!existsSync(join(WEB, 'index.html'))) execFileSync('npm', ['run', 'build:web'], { cwd: PROJECT_ROOT, stdio: 'ignore' });
    t = await createTestApp('sqlite', { demoPassword: PASSWORD, sipHost: '127.0.0.1', sipPort: 0, rtpPortMin: 47200, rtpPortMax: 47299 }, { webRoot: WEB });
    await seedDemo(t.app);
    base = await t.app.listen();
    server = { host: '127.0.0.1', port: t.app.phone.sip()!.port('udp')! };
    browser = await launchChromium();
    page = await browser.newPage({ locale: 'en-US' });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(phones.map((p) => p.close()));
    await browser?.close();
    await t?.dispose();
  });

  const signIn = async (email: string) => {
    await page.goto(base + '/');
    await page.getByTestId('signin-email').fill(email);
    await page.getByTestId('signin-password').fill(PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('quick-search-input').waitFor();
  };
  const status = (number: string) => page.getByTestId(`seat-status-${number}`).getAttribute('data-status');

  it('lists the demo seats, and a phone registering turns its status live', async () => {
    await signIn('admin@demo.test');
    await page.goto(base + '/admin/phones');
    await page.getByTestId('seats-table').waitFor();
    for (const n of ['1001', '1002', '1003']) expect(await status(n)).toBe('unregistered');
    const phone = await SipPhone.create({ server, user: '1002', password: PASSWORD });
    phones.push(phone);
    expect((await phone.register()).res.status).toBe(200);
    // Pushed over the event stream: no reload.
    await expect.poll(() => status('1002'), { timeout: 10_000 }).toBe('registered');
    expect(await status('1001')).toBe('unregistered');
  });

  it('adds a seat whose password is shown once and registers a phone', async () => {
    await page.getByTestId('seats-add-button').click();
    await page.getByTestId('seat-form-number').fill('1010');
    await page.getByTestId('seat-form-save').click();
    const shown = page.getByTestId('sip-password-value');
    await shown.waitFor();
    const password = (await shown.innerText()).trim();
    expect(password).toMatch(/^[A-Za-z0-9]{16,}$/);
    await page.getByTestId('sip-password-done').click();
    expect(await status('1010')).toBe('unregistered');
    const phone = await SipPhone.create({ server, user: '1010', password });
    phones.push(phone);
    expect((await phone.register()).res.status).toBe(200);
    await expect.poll(() => status('1010'), { timeout: 10_000 }).toBe('registered');
    // The settings show the server and username, never the password.
    await page.getByTestId('seat-settings-1010').click();
    await page.getByTestId('sip-settings').waitFor();
    expect(await page.getByTestId('sip-settings-username').innerText()).toContain('1010');
    expect(await page.getByTestId('sip-settings').innerText()).not.toContain(password);
  });

  it('shows an agent their own seat on My phone, in Chinese too', async () => {
    await page.context().clearCookies();
    await signIn('alice@demo.test');
    await page.goto(base + '/my-phone');
    await page.getByTestId('my-phone').waitFor();
    await expect.poll(() => page.getByTestId('sip-settings-username').innerText(), { timeout: 10_000 }).toContain('1001');
    await page.getByTestId('language-switch').click();
    await page.getByTestId('language-option-zh-CN').click();
    await expect.poll(() => page.getByTestId('my-phone').innerText(), { timeout: 10_000 }).toMatch(/[\u4e00-\u9fff]/);
    await page.getByTestId('language-switch').click();
    await page.getByTestId('language-option-en').click();
  });
});
