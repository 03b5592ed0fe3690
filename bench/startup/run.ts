/**
 * Server start-up on an existing data folder, and idle memory.
 *
 * Starts `node bin/hotline.js start` (the compiled server, as users run it) N times on
 * a data folder that already holds the demo tenant, and measures the time from spawn
 * until GET /api/health answers 200, then the process's resident memory (VmRSS) after
 * it has been idle for 3 s. Prints medians and the worst run.
 *
 *   npm run build && npm run bench:startup [-- --runs 10]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median, machine, freePort, sleep } from '../support.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'hotline.js');
const dataDir = mkdtempSync(join(tmpdir(), 'hotline-bench-start-'));
const env: Record<string, string | undefined> = { ...process.env, HOTLINE_DATA_DIR: dataDir, HOTLINE_DEMO_PASSWORD: 'bench-password-1', HOTLINE_LOG_LEVEL: 'warn' };
for (const k of Object.keys(env)) if (k.startsWith('HOTLINE_') && !['HOTLINE_DATA_DIR', 'HOTLINE_DEMO_PASSWORD', 'HOTLINE_LOG_LEVEL'].includes(k)) delete env[k];

const seed = spawnSync(process.execPath, [bin, 'demo', '--seed-only'], { env, encoding: 'utf8' });
if (seed.status !== 0) throw new Error(`seeding failed: ${seed.stderr}`);

const readyMs: number[] = [];
const rssMb: number[] = [];
for (let i = 0; i < runs; i++) {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, 'start'], { env: { ...env, HOTLINE_HTTP_PORT: String(port), HOTLINE_HTTP_HOST: '127.0.0.1' }, stdio: 'ignore' });
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (performance.now() - t0 > 20_000) throw new Error('server did not become ready in 20 s');
    await sleep(5);
  }
  readyMs.push(performance.now() - t0);
  await sleep(3000);
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  rssMb.push(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}
rmSync(dataDir, { recursive: true, force: true });

console.log(machine());
console.log(`runs: ${runs}`);
console.log(`| metric | median | worst | target |`);
console.log(`|---|---|---|---|`);
console.log(`| ready after start (existing data dir) | ${median(readyMs).toFixed(0)} ms | ${Math.max(...readyMs).toFixed(0)} ms | < 2000 ms |`);
console.log(`| RSS idle (3 s after ready) | ${median(rssMb).toFixed(1)} MB | ${Math.max(...rssMb).toFixed(1)} MB | < 150 MB |`);
