/**
 * Media engine capacity: anchored G.711 calls, recorded calls and a large conference, with
 * rtpengine as the reference relay measured in the same run.
 *
 *   npm run bench:media -- [--scenario relay|record|conference|reference|all] [--calls 300]
 *     [--seconds 15] [--warmup 3] [--runs 3] [--workers 1] [--reference rtpengine|none] [--dist]
 *     [--dist-dir <dir>] [--priority=-10] [--idle-wait 15] [--scenario direct]
 *
 * This process is Hotline: it runs the MediaEngine (the worker threads handle every packet), so
 * `process.cpuUsage()` here, over the measured window, is the engine's CPU. The far ends are a
 * child process (bench/media/load.ts): each call is two legs sending 50 packets/s of 160-byte
 * µ-law each way. Per scenario:
 * - relay: `--calls` anchored PCMU calls (each leg re-stamps SSRC/seq/ts, keeps RTCP and quality);
 * - record: the same, plus `startRecording` on every call into a temporary directory (removed after);
 * - conference: one conference of `--calls` members, each sending a tone; a sample of members'
 *   received audio is decoded and must not be silence;
 * - reference: the same calls through rtpengine (userspace forwarding, ng protocol), whose CPU is
 *   read from /proc/<pid>/stat over the same window.
 * Memory per call is the RSS (all threads) and main-thread heap growth from before the calls were
 * created to the end of the window, after `global.gc()` (run node with --expose-gc), divided by N.
 * `direct` runs the far ends without a server (what the generator sustains, the latency floor).
 * Before each run the bench waits up to `--idle-wait` s for the machine to quiet down, and it
 * reports the CPU other processes used during the window and the lateness of an idle 20 ms timer
 * in a separate process (bench/media/probe.ts): the floor under the engine's tick lateness.
 * `--dist` uses the compiled engine in dist/ (`npm run build:server` first); `--dist-dir <dir>` one
 * compiled elsewhere (`npx tsc -p tsconfig.build.json --outDir <dir>`). Prefer a compiled engine for
 * figures: under tsx the worker runs CommonJS made from the ESM source, where every read of an
 * imported constant (FRAME_SAMPLES in the per-sample loops) is a getter call.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { machine, median } from '../support.js';
import type { MediaEngine as Engine, PayloadSpec, Relay } from '../../src/media/index.js';
import type { LoadResult, RunMsg } from './load.js';
import { RtpEngine } from './rtpengine.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    calls: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    runs: { type: 'string', default: '3' },
    workers: { type: 'string', default: '1' },
    reference: { type: 'string', default: 'rtpengine' },
    'port-min': { type: 'string', default: '12000' },
    'ref-threads': { type: 'string', default: '1' },
    'idle-wait': { type: 'string', default: '15' },
    priority: { type: 'string', default: '0' },
    pin: { type: 'boolean', default: false },
    dist: { type: 'boolean', default: false },
    'dist-dir': { type: 'string', default: '' },
  },
});
const calls = Number(values.calls);
const seconds = Number(values.seconds);
const warmupS = Number(values.warmup);
const runs = Number(values.runs);
const workers = Number(values.workers);
const portMin = Number(values['port-min']);
const root = join(import.meta.dirname, '..', '..');
const all = ['relay', 'record', 'conference', ...(values.reference === 'rtpengine' ? ['reference'] : [])];
const scenarios = values.scenario === 'all' ? all : values.scenario!.split(',');
const PCMU: PayloadSpec = { codec: 'pcmu', pt: 0, dtmfPt: 101 };
const gc = (globalThis as { gc?: () => void }).gc;

const distDir = values['dist-dir'] || (values.dist ? join(root, 'dist') : '');
const mod = (await import(
  distDir ? pathToFileURL(join(distDir, 'media', 'index.js')).href : '../../src/media/index.js'
)) as typeof import('../../src/media/index.js');

// ---- the machine: other work on the same cores skews every figure, so it is measured ----

/** Busy and total jiffies of all CPUs (/proc/stat), and jiffies of this process tree's members. */
function machineJiffies(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + f[4]!;
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}
function procJiffies(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const x = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(x[11]) + Number(x[12]);
  } catch {
    return 0;
  }
}
/** Waits (up to --idle-wait s) until at least 1.6 of the 2 cores sat idle over the last second. */
async function waitIdle(): Promise<number> {
  const limit = performance.now() + Number(values['idle-wait']) * 1000;
  const ncpu = cpus().length;
  for (;;) {
    const a = machineJiffies();
    await sleepMs(1000);
    const b = machineJiffies();
    const busyCores = ((b.busy - a.busy) / (b.total - a.total)) * ncpu;
    if (busyCores < ncpu - 1.6 || performance.now() > limit) return busyCores;
  }
}

// ---- the load generator ----

const gen: ChildProcess = fork(join(import.meta.dirname, 'load.ts'), { stdio: 'inherit' });
// On a shared machine a negative nice value (`--priority=-10`, needs root) keeps other work from
// starving the measured processes; the worker threads inherit it from this process.
const probe: ChildProcess = fork(join(import.meta.dirname, 'probe.ts'), { stdio: 'inherit' });
let probeStop: (() => Promise<{ p50: number; p99: number; max: number }>) | null = null;
function probeStart(): void {
  probe.send({ type: 'start' });
  probeStop = () =>
    new Promise((resolve) => {
      probe.once('message', (m: { p50: number; p99: number; max: number }) => resolve(m));
      probe.send({ type: 'stop' });
    });
}

// Linux keeps a nice value per thread, so every thread of the process is set.
const priority = Number(values.priority);
function renice(pid: number | undefined): void {
  if (!priority || !pid) return;
  for (const t of readdirSync(`/proc/${pid}/task`)) setPriority(Number(t), priority);
}
// `--pin`: the server (all its threads) on CPU 0, the generator and the probe on CPU 1, so a
// generator burst cannot take the server's core (what a far end on another machine gives).
function pin(pid: number | undefined, cpu: number): void {
  if (!values.pin || !pid) return;
  spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}
function next<T>(type: string): Promise<T> {
  return new Promise<T>((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type !== type) return;
      gen.off('message', on);
      resolve(m as T);
    };
    gen.on('message', on);
  });
}
async function bindLegs(n: number): Promise<{ ports: number[]; rtcpSink: number }> {
  const r = next<{ ports: number[]; rtcpSink: number }>('bound');
  gen.send({ type: 'bind', legs: n });
  return r;
}
async function closeLegs(): Promise<void> {
  const r = next('closed');
  gen.send({ type: 'close' });
  await r;
}

interface Window {
  cpuUs: number;
  wallS: number;
  extra: Record<string, unknown>;
}
/** Runs the generator; `onStart`/`onEnd` bracket the measured window in this process. */
async function drive(msg: Omit<RunMsg, 'type' | 'warmupS' | 'seconds' | 'amplitude'> & { amplitude?: number }, onStart: () => Promise<void> | void, onEnd: () => Promise<void> | void) {
  const started = next('window-start').then(async () => {
    probeStart();
    await onStart();
  });
  const ended = next('window-end');
  const result = next<LoadResult>('result');
  gen.send({ type: 'run', amplitude: 4000, warmupS, seconds, ...msg } satisfies RunMsg);
  await started;
  await ended;
  await onEnd();
  const control = await probeStop!();
  return { ...(await result), control };
}

// ---- measurements ----

interface Row {
  scenario: string;
  calls: number;
  cpuPct: number;
  usPerCallS: number;
  usPerPacket: number;
  lossPct: number;
  worstStreamLoss: number;
  serverLost: number;
  latP50: number;
  latP99: number;
  tickP50: number;
  tickP99: number;
  tickMax: number;
  skipped: number;
  rssPerCall: number;
  heapPerCall: number;
  genCpuPct: number;
  genLateP99: number;
  genLateMax: number;
  /** Cores' worth of CPU used by other processes during the window. */
  otherCores: number;
  /** Lateness of an idle 20 ms timer in another process over the same window. */
  controlP99: number;
  controlMax: number;
  note: string;
}

/** Snapshot for `otherCores`: the machine's busy jiffies minus this process, the generator and the reference. */
function othersStart(extraPid?: number) {
  const m = machineJiffies();
  const own = procJiffies(process.pid) + procJiffies(gen.pid) + procJiffies(extraPid);
  return () => {
    const m2 = machineJiffies();
    const own2 = procJiffies(process.pid) + procJiffies(gen.pid) + procJiffies(extraPid);
    return ((m2.busy - m.busy - (own2 - own)) / (m2.total - m.total)) * cpus().length;
  };
}

function mem() {
  gc?.();
  gc?.();
  return process.memoryUsage();
}

async function hotline(kind: 'relay' | 'record' | 'conference'): Promise<Row> {
  const legsPerCall = kind === 'conference' ? 1 : 2;
  const nLegs = calls * legsPerCall;
  const engine: Engine = await mod.MediaEngine.start({ host: '127.0.0.1', portMin, portMax: portMin + nLegs * 2 + 200, workers });
  const { ports, rtcpSink } = await bindLegs(nLegs);
  renice(process.pid);
  renice(gen.pid);
  renice(probe.pid);
  pin(process.pid, 0);
  pin(gen.pid, 1);
  pin(probe.pid, 1);
  await sleepMs(200);
  const m0 = mem();
  const relays: Relay[] = [];
  const targets: number[] = [];
  const partner: number[] = [];
  const freqs: number[] = [];
  let sample: number[] = [];
  let dir: string | null = null;
  const members: { stats(): Promise<import('../../src/media/index.js').SideStats> }[] = [];
  const peer = (port: number) => ({ address: '127.0.0.1', rtpPort: port, rtcpPort: rtcpSink, payload: PCMU });
  if (kind === 'conference') {
    const conf = await engine.createConference();
    for (let i = 0; i < calls; i++) {
      const m = await conf.addMember({ peer: peer(ports[i]!) });
      members.push(m);
      targets.push(m.local.port);
      partner.push(-1);
      freqs.push(300 + 50 * (i % 55));
    }
    sample = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => Math.floor((k * calls) / 8));
  } else {
    for (let i = 0; i < calls; i += 50) {
      const batch = [];
      for (let j = i; j < Math.min(calls, i + 50); j++) batch.push(engine.createRelay({ a: peer(ports[2 * j]!), b: peer(ports[2 * j + 1]!) }));
      relays.push(...(await Promise.all(batch)));
    }
    relays.forEach((r, i) => {
      targets.push(r.a.port, r.b.port);
      partner.push(2 * i + 1, 2 * i);
      freqs.push(400, 1000);
    });
    sample = [0, 1];
    if (kind === 'record') {
      dir = mkdtempSync(join(tmpdir(), 'hotline-bench-rec-'));
      await Promise.all(relays.map((r, i) => r.startRecording(join(dir!, `call-${i}.wav`), 'a')));
    }
  }

  let cpu0 = process.cpuUsage();
  let t0 = 0;
  let win: Window = { cpuUs: 0, wallS: 0, extra: {} };
  let m1 = m0;
  let ticks = { p50: NaN, p99: NaN, max: NaN, skipped: 0 };
  let others: () => number = () => NaN;
  let otherCores = NaN;
  const res = await drive(
    { targets, partner, freqs, sample, ...(kind === 'conference' ? { amplitude: 100 } : {}) },
    async () => {
      await engine.tickStats(true);
      others = othersStart();
      cpu0 = process.cpuUsage();
      t0 = performance.now();
    },
    async () => {
      const c = process.cpuUsage(cpu0);
      otherCores = others();
      win = { cpuUs: c.user + c.system, wallS: (performance.now() - t0) / 1000, extra: {} };
      const ts = await engine.tickStats(false);
      ticks = { p50: Math.max(...ts.map((t) => t.p50)), p99: Math.max(...ts.map((t) => t.p99)), max: Math.max(...ts.map((t) => t.max)), skipped: ts.reduce((a, t) => a + t.skipped, 0) };
      m1 = mem();
    },
  );

  // Loss as the engine saw it on arrival (before re-stamping), from its receiver statistics.
  let serverLost = 0;
  let serverIn = 0;
  if (kind === 'conference') {
    for (const m of members) {
      const q = (await m.stats()).quality;
      serverLost += q?.lost ?? 0;
      serverIn += q?.packetsIn ?? 0;
    }
  } else {
    for (const r of relays) {
      const s = await r.stats();
      serverLost += (s.a.quality?.lost ?? 0) + (s.b.quality?.lost ?? 0);
      serverIn += (s.a.quality?.packetsIn ?? 0) + (s.b.quality?.packetsIn ?? 0);
    }
  }
  let note = '';
  if (kind === 'record' && dir) {
    const results = await Promise.all(relays.map((r) => r.stopRecording()));
    const files = readdirSync(dir).filter((f) => f.endsWith('.wav'));
    const bytes = files.reduce((n, f) => n + statSync(join(dir!, f)).size, 0);
    const durs = results.map((r) => r?.durationMs ?? 0);
    note = `${files.length} WAVs, ${(bytes / 2 ** 20).toFixed(0)} MiB, median ${(median(durs) / 1000).toFixed(1)} s each`;
    rmSync(dir, { recursive: true, force: true });
  }
  if (kind === 'conference') {
    const ok = res.samples.filter((s) => s.rms > 50 && s.heardRatio > 0);
    note = `${ok.length}/${res.samples.length} sampled members hear the room (RMS ${res.samples.map((s) => s.rms.toFixed(0)).join(', ')})`;
  } else {
    const ok = res.samples.filter((s, i) => s.heardFreq === (i === 0 ? 1000 : 400));
    note = [note, `${ok.length}/2 sampled legs hear their partner's tone`].filter(Boolean).join('; ');
  }
  await engine.close();
  await closeLegs();

  const pktsPerS = calls * legsPerCall * 50; // packets into the engine per second (as many go out)
  const sent = kind === 'conference' ? calls * 50 * (res.windowMs / 1000) : res.sent;
  const received = kind === 'conference' ? res.receivedInWindow : res.received;
  return {
    scenario: kind,
    calls,
    cpuPct: (win.cpuUs / 1e6 / win.wallS) * 100,
    usPerCallS: win.cpuUs / (calls * win.wallS),
    usPerPacket: win.cpuUs / (pktsPerS * win.wallS),
    lossPct: Math.max(0, (1 - received / sent) * 100),
    worstStreamLoss: res.worstStreamLoss,
    serverLost: serverIn ? (serverLost / (serverIn + serverLost)) * 100 : NaN,
    latP50: res.latency?.p50 ?? NaN,
    latP99: res.latency?.p99 ?? NaN,
    tickP50: ticks.p50,
    tickP99: ticks.p99,
    tickMax: ticks.max,
    skipped: ticks.skipped,
    rssPerCall: (m1.rss - m0.rss) / calls,
    heapPerCall: (m1.heapUsed - m0.heapUsed) / calls,
    genCpuPct: res.cpuMs / res.windowMs * 100,
    genLateP99: res.late.p99,
    genLateMax: res.late.max,
    otherCores,
    controlP99: res.control.p99,
    controlMax: res.control.max,
    note,
  };
}

/** The far ends alone, each leg sending straight to its partner: what the generator sustains, and the latency floor. */
async function direct(): Promise<Row> {
  const { ports } = await bindLegs(calls * 2);
  renice(gen.pid);
  const targets = ports.map((_, i) => ports[i ^ 1]!);
  const partner = ports.map((_, i) => i ^ 1);
  const freqs = ports.map((_, i) => (i % 2 ? 1000 : 400));
  let others: () => number = () => NaN;
  let otherCores = NaN;
  const res = await drive({ targets, partner, freqs, sample: [0, 1] }, () => void (others = othersStart()), () => void (otherCores = others()));
  await closeLegs();
  return {
    scenario: 'direct', calls, cpuPct: NaN, usPerCallS: NaN, usPerPacket: NaN,
    lossPct: Math.max(0, (1 - res.received / res.sent) * 100), worstStreamLoss: res.worstStreamLoss, serverLost: NaN,
    latP50: res.latency?.p50 ?? NaN, latP99: res.latency?.p99 ?? NaN, tickP50: NaN, tickP99: NaN, tickMax: NaN, skipped: 0,
    rssPerCall: NaN, heapPerCall: NaN, genCpuPct: (res.cpuMs / res.windowMs) * 100, genLateP99: res.late.p99, genLateMax: res.late.max,
    otherCores, controlP99: res.control.p99, controlMax: res.control.max, note: 'no server: the generator alone',
  };
}

async function reference(): Promise<Row> {
  const rtpe = await RtpEngine.start({ ngPort: 22230, portMin: 16000, portMax: 19999, threads: Number(values['ref-threads']) });
  renice(rtpe.proc.pid);
  renice(gen.pid);
  pin(rtpe.proc.pid, 0);
  pin(gen.pid, 1);
  try {
    const { ports } = await bindLegs(calls * 2);
    await sleepMs(200);
    const rss0 = rtpe.rssBytes();
    const targets: number[] = [];
    const partner: number[] = [];
    const freqs: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t = await rtpe.call(i, ports[2 * i]!, ports[2 * i + 1]!);
      targets.push(t.a, t.b);
      partner.push(2 * i + 1, 2 * i);
      freqs.push(400, 1000);
    }
    let c0 = 0;
    let t0 = 0;
    let cpuUs = 0;
    let wallS = 0;
    let rss1 = rss0;
    let others: () => number = () => NaN;
    let otherCores = NaN;
    const res = await drive(
      { targets, partner, freqs, sample: [0, 1] },
      () => {
        others = othersStart(rtpe.proc.pid);
        c0 = rtpe.cpuUs();
        t0 = performance.now();
      },
      () => {
        cpuUs = rtpe.cpuUs() - c0;
        otherCores = others();
        wallS = (performance.now() - t0) / 1000;
        rss1 = rtpe.rssBytes();
      },
    );
    for (let i = 0; i < calls; i++) await rtpe.delete(i);
    await closeLegs();
    const ok = res.samples.filter((s, i) => s.heardFreq === (i === 0 ? 1000 : 400));
    return {
      scenario: 'reference',
      calls,
      cpuPct: (cpuUs / 1e6 / wallS) * 100,
      usPerCallS: cpuUs / (calls * wallS),
      usPerPacket: cpuUs / (calls * 100 * wallS),
      lossPct: Math.max(0, (1 - res.received / res.sent) * 100),
      worstStreamLoss: res.worstStreamLoss,
      serverLost: NaN,
      latP50: res.latency?.p50 ?? NaN,
      latP99: res.latency?.p99 ?? NaN,
      tickP50: NaN,
      tickP99: NaN,
      tickMax: NaN,
      skipped: 0,
      rssPerCall: (rss1 - rss0) / calls,
      heapPerCall: NaN,
      genCpuPct: (res.cpuMs / res.windowMs) * 100,
      genLateP99: res.late.p99,
      genLateMax: res.late.max,
      otherCores,
      controlP99: res.control.p99,
      controlMax: res.control.max,
      note: `rtpengine ${values['ref-threads']} thread(s), userspace; ${ok.length}/2 sampled legs hear their partner's tone`,
    };
  } finally {
    await rtpe.stop();
  }
}

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));
const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');

console.log(machine());
console.log(`priority (nice) of the measured processes: ${priority}`);
console.log(`engine: ${distDir ? `compiled (${distDir})` : 'src/ via tsx'}, ${workers} worker(s); ${calls} calls (or members) × ${seconds} s measured after ${warmupS} s warm-up, ${runs} run(s) each; gc ${gc ? 'exposed' : 'NOT exposed (memory figures are noisier)'}`);
const byScenario = new Map<string, Row[]>();
for (let r = 0; r < runs; r++) {
  for (const s of scenarios) {
    const idleBefore = await waitIdle();
    const row = s === 'reference' ? await reference() : s === 'direct' ? await direct() : await hotline(s as 'relay' | 'record' | 'conference');
    byScenario.set(s, [...(byScenario.get(s) ?? []), row]);
    console.log(
      `run ${r + 1} ${s}: CPU ${f(row.cpuPct)} % of a core, ${f(row.usPerCallS)} µs/call-s, ${f(row.usPerPacket, 2)} µs/packet; loss ${f(row.lossPct, 3)} % (worst stream ${f(row.worstStreamLoss, 2)} %, at server ${f(row.serverLost, 3)} %); ` +
        `latency p50/p99 ${f(row.latP50, 2)}/${f(row.latP99, 2)} ms; tick p50/p99/max ${f(row.tickP50)}/${f(row.tickP99)}/${f(row.tickMax)} ms, skipped ${row.skipped}; ` +
        `memory/call RSS ${f(row.rssPerCall / 1024)} kB heap ${f(row.heapPerCall / 1024)} kB; generator ${f(row.genCpuPct)} % CPU, send late p99/max ${f(row.genLateP99)}/${f(row.genLateMax)} ms; idle 20 ms timer late p99/max ${f(row.controlP99)}/${f(row.controlMax)} ms; other processes ${f(row.otherCores, 2)} cores (${f(idleBefore, 2)} before); ${row.note}`,
    );
  }
}
gen.send({ type: 'exit' });
probe.send({ type: 'exit' });

const med = (rows: Row[], k: keyof Row) => median(rows.map((r) => r[k] as number).filter(Number.isFinite));
console.log('');
console.log(`Medians of ${runs} run(s):`);
console.log('');
console.log('| scenario | calls | CPU (% of a core) | calls per core at this cost | µs CPU per call-second | µs per packet | loss (worst stream) | latency p50 / p99 | tick lateness p50 / p99 / max | memory per call RSS (main heap) | idle 20 ms timer p99 / max | generator CPU, send late p99 | other processes (cores) |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const [s, rows] of byScenario) {
  const name = s === 'reference' ? 'rtpengine (reference)' : s === 'direct' ? 'no server (generator alone)' : `Hotline ${s}`;
  console.log(
    `| ${name} | ${calls} | ${f(med(rows, 'cpuPct'))} % | ${f(calls / (med(rows, 'cpuPct') / 100), 0)} | ${f(med(rows, 'usPerCallS'), 0)} | ${f(med(rows, 'usPerPacket'), 2)} | ${f(med(rows, 'lossPct'), 3)} % (${f(med(rows, 'worstStreamLoss'), 2)} %) | ` +
      `${f(med(rows, 'latP50'), 2)} / ${f(med(rows, 'latP99'), 2)} ms | ${s === 'reference' ? '–' : `${f(med(rows, 'tickP50'))} / ${f(med(rows, 'tickP99'))} / ${f(med(rows, 'tickMax'))} ms`} | ` +
      `${f(med(rows, 'rssPerCall') / 1024)} kB${s === 'reference' ? '' : ` (${f(med(rows, 'heapPerCall') / 1024)} kB)`} | ${f(med(rows, 'controlP99'))} / ${f(med(rows, 'controlMax'))} ms | ${f(med(rows, 'genCpuPct'))} %, ${f(med(rows, 'genLateP99'))} ms | ${f(med(rows, 'otherCores'), 2)} |`,
  );
}
const sat = [...byScenario.values()].flat().filter((r) => r.genLateP99 > 10 || r.genCpuPct > 90);
if (sat.length) console.log(`\nWARNING: the generator fell behind in ${sat.length} run(s) (send lateness p99 > 10 ms or > 90 % CPU): lower --calls for figures that mean anything.`);
