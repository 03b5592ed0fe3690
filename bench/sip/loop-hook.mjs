// Preloaded into the Hotline process by bench/sip/torture.ts: measures event-loop delay from the
// start (perf_hooks.monitorEventLoopDelay, 1 ms resolution). On SIGWINCH it writes the figures
// since the previous signal to $BENCH_LOOP_REPORT as JSON and starts a new window.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';

const h = monitorEventLoopDelay({ resolution: 1 });
h.enable();
process.on('SIGWINCH', () => {
  const file = process.env.BENCH_LOOP_REPORT;
  if (file) writeFileSync(file, JSON.stringify({ maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6, meanMs: h.mean / 1e6, samples: h.count }));
  h.reset();
});
