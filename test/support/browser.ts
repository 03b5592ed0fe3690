/**
 * Headless Chromium from Debian, driven by playwright-core (which gives every launch
 * a fresh, empty profile). Locally a missing
 * Chromium skips the browser tests (with a message); under CI=true it fails them.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`Chromium is required under CI but missing at ${CHROMIUM} (apt-get install chromium)`);
  console.warn(`[test] ${CHROMIUM} missing: browser tests skipped (apt-get install chromium)`);
  return false;
}

export async function launchChromium(extraArgs: string[] = [], locale = 'en-US'): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--lang=${locale}`,
      ...extraArgs,
    ],
  });
}
