import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig, renderConfigDocs } from './index.js';

describe('configuration', () => {
  it('has defaults for everything', () => {
    const c = loadConfig({ env: {} });
    expect(c.httpPort).toBe(8080);
    expect(c.dataDir).toBe('./data');
    expect(c.databaseUrl).toBeNull();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads and types environment variables', () => {
    const c = loadConfig({ env: { HOTLINE_HTTP_PORT: '9090', HOTLINE_DATABASE_URL: 'postgres://u:p@h/db', HOTLINE_LOG_LEVEL: 'debug' } });
    expect(c.httpPort).toBe(9090);
    expect(c.databaseUrl).toBe('postgres://u:p@h/db');
    expect(c.logLevel).toBe('debug');
  });

  it('lists every problem at once', () => {
    let err: ConfigError | undefined;
    try {
      loadConfig({ env: { HOTLINE_HTTP_PORT: 'eighty', HOTLINE_LOG_LEVEL: 'loud', HOTLINE_HTTP_PROT: '1', HOTLINE_DATABASE_URL: 'mysql://x/y' } });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.problems).toHaveLength(4);
    expect(err!.message).toContain('HOTLINE_HTTP_PORT');
    expect(err!.message).toContain('HOTLINE_HTTP_PROT: unknown setting');
  });

  it('checks ranges and the admin pair', () => {
    expect(() => loadConfig({ env: { HOTLINE_HTTP_PORT: '70000' } })).toThrow(/at most 65535/);
    expect(() => loadConfig({ env: { HOTLINE_ADMIN_PASSWORD: 'short' } })).toThrow(/at least 10/);
    expect(() => loadConfig({ env: { HOTLINE_ADMIN_PASSWORD: 'long-enough-pw' } })).toThrow(/HOTLINE_ADMIN_EMAIL/);
  });

  it('reads a JSON file, with the environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hl-cfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ httpPort: 7000, dataDir: '/srv/hl' }));
    const c = loadConfig({ env: { HOTLINE_CONFIG_FILE: file, HOTLINE_HTTP_PORT: '7001' } });
    expect(c.httpPort).toBe(7001);
    expect(c.dataDir).toBe('/srv/hl');
    writeFileSync(file, '{"httpPort": 1, "nope": 2}');
    expect(() => loadConfig({ env: { HOTLINE_CONFIG_FILE: file } })).toThrow(/unknown setting "nope"/);
    writeFileSync(file, '{broken');
    expect(() => loadConfig({ env: { HOTLINE_CONFIG_FILE: file } })).toThrow(ConfigError);
  });

  it('masks sensitive values when described', () => {
    const c = loadConfig({ env: { HOTLINE_DATABASE_URL: 'postgres://u:secret@h/db' } });
    expect(JSON.stringify(describeConfig(c))).not.toContain('secret');
  });

  it('docs/configuration.md is generated from the schema and up to date', () => {
    const onDisk = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    expect(onDisk, 'run `npm run docs:config`').toBe(renderConfigDocs());
  });
});
