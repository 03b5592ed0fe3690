import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../src/cli/main.js';

const dataDir = mkdtempSync(join(tmpdir(), 'hotline-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function io(env: Record<string, string> = {}, stop?: Promise<void>): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    out: (s) => lines.push(s),
    err: (s) => errors.push(s),
    env: { HOTLINE_DATA_DIR: dataDir, HOTLINE_HTTP_PORT: '0', HOTLINE_HTTP_HOST: '127.0.0.1', HOTLINE_LOG_LEVEL: 'silent', ...env },
    ...(stop ? { stopSignal: stop } : {}),
  };
}

describe('the hotline command', () => {
  it('refuses a bad configuration with every problem and exit code 2', async () => {
    const o = io({ HOTLINE_HTTP_PORT: 'x', HOTLINE_LOG_LEVEL: 'shout' });
    expect(await main(['start'], o)).toBe(2);
    expect(o.errors.join('\n')).toMatch(/HOTLINE_HTTP_PORT[\s\S]*HOTLINE_LOG_LEVEL/);
  });

  it('migrates, and says so when already up to date', async () => {
    const a = io();
    expect(await main(['migrate'], a)).toBe(0);
    expect(a.lines.join()).toMatch(/applied: 001_accounts, 002_crm/);
    const b = io();
    expect(await main(['migrate'], b)).toBe(0);
    expect(b.lines.join()).toMatch(/up to date/);
  });

  it('starts with a one-time setup link on an empty database, and stops on a signal', async () => {
    let stop!: () => void;
    const o = io({}, new Promise<void>((r) => (stop = r)));
    const running = main(['start'], o);
    await expect.poll(() => o.lines.join('\n'), { timeout: 10_000 }).toMatch(/ready at/);
    expect(o.lines.join('\n')).toMatch(/\/setup\?token=[\w-]{20,}/);
    stop();
    expect(await running).toBe(0);
  });

  it('seeds the demo once: running it again changes nothing', async () => {
    const a = io({ HOTLINE_DEMO_PASSWORD: 'demo password 1' });
    expect(await main(['demo', '--seed-only'], a)).toBe(0);
    expect(a.lines.join('\n')).toMatch(/demo tenant created/);
    const b = io({ HOTLINE_DEMO_PASSWORD: 'another password' });
    expect(await main(['demo', '--seed-only'], b)).toBe(0);
    expect(b.lines.join('\n')).toMatch(/already present/);
  });

  it('creates users and API tokens', async () => {
    const a = io();
    expect(await main(['user', 'create', '--email', 'dan@demo.test', '--name', 'Dan', '--role', 'agent', '--tenant', 'demo'], a)).toBe(0);
    expect(a.lines.join('\n')).toMatch(/created agent dan@demo.test in tenant demo\npassword: \S{12,}/);
    const dup = io();
    expect(await main(['user', 'create', '--email', 'dan@demo.test', '--role', 'agent', '--tenant', 'demo'], dup)).toBe(1);
    expect(dup.errors.join()).toMatch(/EMAIL_TAKEN/);
    expect(await main(['user', 'create', '--email', 'x@demo.test', '--role', 'emperor'], io())).toBe(2);
    const tok = io();
    expect(await main(['token', 'create', '--email', 'dan@demo.test', '--name', 'sync'], tok)).toBe(0);
    expect(tok.lines[0]).toMatch(/^hl_[\w-]{40,}$/);
    expect(await main(['token', 'create', '--email', 'nobody@demo.test', '--name', 'sync'], io())).toBe(1);
  });

  it('doctor checks the data folder, database and port', async () => {
    const o = io({ HOTLINE_HTTP_PORT: '0' });
    await main(['doctor'], o);
    const text = o.lines.join('\n');
    expect(text).toMatch(/ok +data folder/);
    expect(text).toMatch(/ok +database sqlite/);
    expect(text).toMatch(/schema is up to date/);
  });

  it('answers an unknown command with the usage', async () => {
    const o = io();
    expect(await main(['frobnicate'], o)).toBe(2);
    expect(o.errors.join()).toMatch(/unknown command/);
  });
});
