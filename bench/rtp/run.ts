/**
 * RTP relay throughput, CPU and latency.
 *
 * N relays (`--streams`, default 100), each carrying one RTP stream in each direction, as a call
 * does: A → relay side a → relay side b → B, and B → A. Each stream sends `--pps` (50) packets of
 * `--size` (172) bytes, i.e. G.711 with 20 ms packets, for `--seconds` (20). With the defaults that
 * is 200 one-way streams and 10,000 packets/s through the relay.
 *
 * This process is "Hotline": it runs the MediaEngine (its worker relays every packet). The load
 * generator runs in a child process (bench/rtp/load.ts) so that `process.cpuUsage()` here, which
 * covers all of this process's threads, is the engine's CPU alone. Latency is measured by the
 * generator on one clock (send time in the payload); a baseline run without the relay (A straight
 * to B, same rate) gives the floor, and "added" is relay minus baseline at the same percentile.
 *
 *   npx tsx bench/rtp/run.ts [--streams 100] [--pps 50] [--size 172] [--seconds 20] [--workers 1] [--dist]
 *
 * `--dist` benchmarks the compiled engine in dist/ (run `npm run build:server` first).
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { machine } from '../support.js';
import type { MediaEngine as Engine, Relay } from '../../src/media/index.js';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '100' },
    pps: { type: 'string', default: '50' },
    size: { type: 'string', default: '172' },
    seconds: { type: 'string', default: '20' },
    workers: { type: 'string', default: '1' },
    'port-min': { type: 'string', default: '40000' },
    dist: { type: 'boolean', default: false },
  },
});
const streams = Number(values.streams);
const pps = Number(values.pps);
const size = Number(values.size);
const seconds = Number(values.seconds);
const workers = Number(values.workers);
const portMin = Number(values['port-min']);
const root = join(import.meta.dirname, '..', '..');

const mod = (await import(
  values.dist ? pathToFileURL(join(root, 'dist', 'media', 'index.js')).href : '../../src/media/index.js'
)) as typeof import('../../src/media/index.js');
const engine: Engine = await mod.MediaEngine.start({ host: '127.0.0.1', portMin, portMax: portMin + streams * 4 + 100, workers });
const relays: Relay[] = [];
for (let i = 0; i < streams; i++) relays.push(await engine.createRelay());

interface Result {
  type: 'result';
  sent: number;
  received: number;
  p50: number;
  p99: number;
  max: number;
  lateMax: number;
  cpuMs: number;
}
const child = fork(join(import.meta.dirname, 'load.ts'), { stdio: 'inherit' });
const next = <T>(type: string) =>
  new Promise<T>((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type !== type) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
  });

child.send({ type: 'setup', size, relays: relays.map((r) => ({ a: r.a.port, b: r.b.port })) });
const { ports } = await next<{ ports: { a: number; b: number }[] }>('endpoints');
await Promise.all(
  relays.flatMap((r, i) => [
    r.setPeer('a', { address: '127.0.0.1', rtpPort: ports[i]!.a }),
    r.setPeer('b', { address: '127.0.0.1', rtpPort: ports[i]!.b }),
  ]),
);

const baselineSeconds = Math.min(5, seconds);
child.send({ type: 'run', pps, seconds: baselineSeconds, direct: true });
const base = await next<Result>('result');

const cpu0 = process.cpuUsage();
const wall0 = performance.now();
child.send({ type: 'run', pps, seconds, direct: false });
const res = await next<Result>('result');
const cpu = process.cpuUsage(cpu0);
const wallS = (performance.now() - wall0) / 1000;

let relayed = 0;
let dropped = 0;
for (const r of relays) {
  const s = await r.stats();
  relayed += s.a.packetsOut + s.b.packetsOut;
  dropped += s.a.dropped + s.b.dropped + s.a.invalid + s.b.invalid;
}
child.send({ type: 'exit' });
await engine.close();

const cpuUs = cpu.user + cpu.system;
const loss = res.sent ? (1 - res.received / res.sent) * 100 : NaN;
console.log(machine());
console.log(`engine: ${values.dist ? 'dist/ (compiled)' : 'src/ via tsx'}, ${workers} worker(s); ${streams} relays × 2 directions × ${pps} packets/s × ${size} bytes, ${seconds} s (baseline without relay: ${baselineSeconds} s)`);
console.log('');
console.log('| metric | value |');
console.log('|---|---|');
console.log(`| packets sent / relayed / received | ${res.sent} / ${relayed} / ${res.received} |`);
console.log(`| packets/s relayed | ${Math.round(relayed / seconds)} |`);
console.log(`| loss | ${loss.toFixed(3)} % (${res.sent - res.received} packets; relay dropped ${dropped}) |`);
console.log(`| Hotline CPU (all threads) | ${(cpuUs / 1000).toFixed(0)} ms over ${wallS.toFixed(1)} s = ${((cpuUs / 1e6 / wallS) * 100).toFixed(1)} % of a core |`);
console.log(`| Hotline CPU per relayed packet | ${(cpuUs / relayed).toFixed(2)} µs |`);
console.log(`| latency through relay p50 / p99 / max | ${res.p50.toFixed(3)} / ${res.p99.toFixed(3)} / ${res.max.toFixed(2)} ms |`);
console.log(`| latency direct (baseline) p50 / p99 | ${base.p50.toFixed(3)} / ${base.p99.toFixed(3)} ms |`);
console.log(`| added by the relay p50 / p99 | ${(res.p50 - base.p50).toFixed(3)} / ${(res.p99 - base.p99).toFixed(3)} ms |`);
console.log(`| load generator CPU | ${(res.cpuMs / (seconds + 1) / 10).toFixed(1)} % of a core; worst send lateness ${res.lateMax.toFixed(1)} ms |`);
