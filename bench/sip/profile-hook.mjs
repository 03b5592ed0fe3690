// Preloaded into the Hotline process by bench/sip/run.ts --profile: each SIGWINCH toggles the V8
// CPU profiler (through the inspector, no debugger attached). A stop writes the profile to
// $BENCH_PROFILE_DIR/<n>.cpuprofile, so each measured phase gets its own profile and setup work
// (creating seats over HTTP) stays out of it.
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const session = new Session();
session.connect();
let running = false;
let n = 0;
process.on('SIGWINCH', () => {
  const dir = process.env.BENCH_PROFILE_DIR;
  if (!dir) return;
  if (!running) {
    running = true;
    session.post('Profiler.enable', () => session.post('Profiler.start'));
    return;
  }
  running = false;
  session.post('Profiler.stop', (err, res) => {
    if (err) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${++n}.cpuprofile`), JSON.stringify(res.profile));
  });
});
