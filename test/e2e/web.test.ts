/**
 * The web app end to end in headless Chromium: sign in as a demo agent, find
 * Margaret by typing "Mar" in each language of the UI, create a contact, find it by
 * a partial phone number, and import a CSV while the progress bar runs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { PROJECT_ROOT, seedDemo } from '../../src/app/index.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { chromiumAvailable, launchChromium } from '../support/browser.js';

const WEB = join(PROJECT_ROOT, 'web', 'dist');
const PASSWORD = 'demo password 1';

describe.runIf(chromiumAvailable())('web app in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    if (!existsSync(join(WEB, 'index.html'))) execFileSync('npm', ['run', 'build:web'], { cwd: PROJECT_ROOT, stdio: 'ignore' });
    t = await createTestApp('sqlite', { demoPassword: PASSWORD }, { webRoot: WEB });
    await seedDemo(t.app);
    base = await t.app.http.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
    page = await browser.newPage({ locale: 'en-US' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.dispose();
  });

  const search = async (text: string) => {
    const box = page.getByTestId('quick-search-input');
    await box.fill('');
    await box.fill(text);
    const rows = page.getByTestId('quick-search-result');
    await rows.first().waitFor({ timeout: 10_000 });
    return rows;
  };

  it('signs in as alice', async () => {
    await page.goto(base + '/');
    await page.getByTestId('signin-email').fill('alice@demo.test');
    await page.getByTestId('signin-password').fill(PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('quick-search-input').waitFor();
    await page.getByTestId('contacts-table').waitFor();
  });

  it('finds Margaret, Mark, Simon Peter (Marcom) and Marcom by typing "Mar" in every language', async () => {
    for (const [lng, contactsWord] of [['en', 'Contacts'], ['zh-CN', '联系人'], ['zh-TW', '聯絡人']] as const) {
      if (lng !== 'en') {
        await page.getByTestId('language-switch').click();
        await page.getByTestId(`language-option-${lng}`).click();
      }
      await expect.poll(() => page.locator('aside, nav, .ant-menu').first().innerText(), { timeout: 10_000 }).toContain(contactsWord);
      const rows = await search('Mar');
      await expect.poll(async () => (await rows.allInnerTexts()).join('\n'), { timeout: 10_000 }).toMatch(/Margaret Chen/);
      const text = (await rows.allInnerTexts()).join('\n');
      expect(text).toContain('Mark Lee');
      expect(text).toContain('Simon Peter');
      expect(text).toContain('Marcom');
      // Margaret has two numbers: each is its own row.
      expect(text.match(/Margaret Chen/g)!.length).toBeGreaterThanOrEqual(2);
      await page.keyboard.press('Escape');
    }
    // The choice is kept on the account.
    const me = (await page.evaluate(() => fetch('/api/v1/auth/me').then((r) => r.json()))) as { user: { locale: string } };
    expect(me.user.locale).toBe('zh-TW');
    await page.getByTestId('language-switch').click();
    await page.getByTestId('language-option-en').click();
  });

  it('creates a contact and finds it by a partial phone number', async () => {
    await page.goto(base + '/contacts');
    await page.getByTestId('contacts-new-button').click();
    await page.getByTestId('contact-form-firstName').fill('Zelda');
    await page.getByTestId('contact-form-lastName').fill('Quill');
    await page.getByTestId('contact-form-phone-number').first().fill('+1 (415) 555-2671');
    await page.getByTestId('contact-form-save').click();
    await expect.poll(() => page.getByTestId('record-title').innerText(), { timeout: 10_000 }).toContain('Zelda Quill');
    const rows = await search('415 555 26');
    await expect.poll(async () => (await rows.allInnerTexts()).join('\n'), { timeout: 10_000 }).toContain('Zelda Quill');
    expect((await rows.allInnerTexts()).join('\n')).toContain('+1 (415) 555-2671');
  });

  it('imports a CSV with a progress bar and a per-row error report', async () => {
    await page.goto(base + '/import');
    const rows = ['First Name,Last Name,Mobile,Company'];
    for (let i = 0; i < 3000; i++) rows.push(`Imported${i},Person,+1 646 555 ${String(i).padStart(4, '0')},Import Co`);
    rows.push('Broken,Row,call me maybe,Import Co');
    await page.getByTestId('import-file').locator('input[type=file]').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
    await page.getByTestId('import-mapping').waitFor();
    await page.getByTestId('import-start').click();
    const bar = page.getByTestId('import-progress');
    await expect.poll(() => bar.getAttribute('data-status'), { timeout: 60_000 }).toBe('done');
    expect(await bar.getAttribute('data-processed')).toBe('3001');
    await expect.poll(() => page.getByTestId('import-created').innerText()).toContain('3000');
    await expect.poll(() => page.getByTestId('import-errors').innerText()).toContain('3002'); // the file line of the bad row
  });
});
