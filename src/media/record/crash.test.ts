import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { repairRecordings } from './index.js';
import { readWav, tmpDir } from './test-support.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RECORDER = new URL('./index.ts', import.meta.url).href;

/** Sample `k` of each side, so any byte the header covers can be checked. */
const left = (k: number) => ((k * 7) % 20000) - 10000;
const right = (k: number) => -left(k);

// Records in real time, one frame per 20 ms tick, until killed.
const CHILD = `
import { WavRecorder } from ${JSON.stringify(RECORDER)};
const left = ${left.toString()};
const right = (k) => -left(k);
const rec = await WavRecorder.open(process.argv[2], { flushMs: 200 });
let n = 0;
setInterval(() => {
  const l = new Int16Array(160), r = new Int16Array(160);
  for (let i = 0; i < 160; i++) { l[i] = left(n * 160 + i); r[i] = right(n * 160 + i); }
  rec.write(l, r);
  n++;
}, 20);
process.stdout.write('ready\\n');
`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('a recording process killed with SIGKILL', () => {
  it('leaves a playable file that repair extends to all whole frames', async () => {
    const dir = tmpDir();
    dirs.push(dir);
    const script = path.join(dir, 'child.mjs');
    const file = path.join(dir, 'call.wav');
    fs.writeFileSync(script, CHILD);

    const child = spawn(process.execPath, ['--import', 'tsx', script, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.on('exit', () => reject(new Error(`child exited early: ${stderr}`)));
    });
    await new Promise((r) => setTimeout(r, 2500));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    // As the crash left it: the header covers whole frames that are all in the file.
    const w = readWav(file);
    expect(w.riff).toBe('RIFF');
    expect(w.data).toBe('data');
    expect(w.dataSize % 4).toBe(0);
    expect(w.riffSize).toBe(36 + w.dataSize);
    expect(44 + w.dataSize).toBeLessThanOrEqual(w.size);
    expect(w.dataSize).toBeGreaterThanOrEqual(32000); // at least 1 s of the ~2.5 s recorded
    for (let k = 0; k < w.samples.length / 2; k++) {
      if (w.samples[2 * k] !== left(k) || w.samples[2 * k + 1] !== right(k)) throw new Error(`sample ${k} differs`);
    }

    const report = await repairRecordings(dir);
    expect([...report.repaired, ...report.ok]).toEqual([file]);
    const after = readWav(file);
    const whole = Math.floor((w.size - 44) / 4) * 4;
    expect(after.dataSize).toBe(whole);
    expect(after.riffSize).toBe(36 + whole);
    expect(after.size).toBe(44 + whole);
    expect(fs.existsSync(`${file}.sha256`)).toBe(false);
  });
});
