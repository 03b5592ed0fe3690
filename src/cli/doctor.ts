import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Config } from '../config/index.js';
import { openStore, pendingMigrations } from '../store/index.js';
import { PROJECT_ROOT } from '../app/index.js';

interface Io {
  out(s: string): void;
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, host, () => s.close(() => res(true)));
  });
}

function which(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `hotline doctor`: what works, what is missing, and how to fix it. Exit 1 when anything needed fails. */
export async function runDoctor(config: Config | null, io: Io): Promise<number> {
  let failed = 0;
  const ok = (what: string) => io.out(`  ok    ${what}`);
  const bad = (what: string, fix: string) => {
    failed++;
    io.out(`  FAIL  ${what}\n        ${fix}`);
  };
  const note = (what: string) => io.out(`  --    ${what}`);
  io.out('hotline doctor');
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  if (major > 20 || (major === 20 && minor >= 19)) ok(`Node.js ${process.versions.node}`);
  else bad(`Node.js ${process.versions.node}`, 'install Node.js 20.19 or newer');
  if (!config) {
    bad('configuration', 'fix the problems listed above');
    return 1;
  }
  ok('configuration');
  const dir = resolve(config.dataDir);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    ok(`data folder ${dir} is writable`);
  } catch (e) {
    bad(`data folder ${dir}`, `make it writable (${(e as Error).message})`);
  }
  const store = openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    const pending = await pendingMigrations(store);
    ok(`database ${store.dialect} at ${store.location}`);
    if (pending.length) note(`migrations pending (run at start, or \`hotline migrate\`): ${pending.join(', ')}`);
    else ok('database schema is up to date');
  } catch (e) {
    bad(`database ${store.location}`, `check HOTLINE_DATABASE_URL and that the server runs (${(e as Error).message})`);
  } finally {
    await store.close().catch(() => {});
  }
  if (await portFree(config.httpHost, config.httpPort)) ok(`HTTP port ${config.httpHost}:${config.httpPort} is free`);
  else bad(`HTTP port ${config.httpHost}:${config.httpPort} is in use`, 'stop what uses it or set HOTLINE_HTTP_PORT');
  if (existsSync(join(PROJECT_ROOT, 'web', 'dist', 'index.html'))) ok('web app is built');
  else bad('web app is not built', 'run `npm run build`');
  for (const [tool, why] of [
    ['sipp', 'SIP interop tests (apt-get install sip-tester)'],
    ['baresip', 'SIP phone interop tests (apt-get install baresip-core)'],
    ['chromium', 'browser tests (apt-get install chromium)'],
  ] as const) {
    if (which(tool)) ok(`${tool} found`);
    else note(`${tool} missing: needed only for ${why}`);
  }
  io.out(failed ? `${failed} problem(s) found` : 'all good');
  return failed ? 1 : 0;
}
