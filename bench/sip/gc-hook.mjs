// Preloaded into the Hotline process by bench/sip/run.ts (node --expose-gc --import ./bench/sip/gc-hook.mjs):
// on SIGUSR2, run a full garbage collection twice and write process.memoryUsage() as JSON to the
// file named by BENCH_GC_REPORT, so the memory benchmark reads a settled heap. Nothing else.
import { writeFileSync } from 'node:fs';

process.on('SIGUSR2', () => {
  const gc = globalThis.gc;
  if (gc) {
    gc();
    gc();
  }
  const file = process.env.BENCH_GC_REPORT;
  if (file) writeFileSync(file, JSON.stringify({ at: Date.now(), gc: Boolean(gc), ...process.memoryUsage() }));
});
