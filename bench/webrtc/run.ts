/**
 * WebRTC legs: what a browser leg (ICE + DTLS-SRTP through werift, bridged to plain RTP) costs
 * Hotline's media engine, as CPU per leg.
 *
 *   npm run bench:webrtc -- [--legs 60] [--seconds 20] [--warmup 3] [--runs 3] [--scenario webrtc,plain]
 *     [--dist-dir <dir>] [--priority=-10] [--port-min 20000] [--idle-wait 15]
 *
 * This process is Hotline: one MediaEngine (one worker thread) and N relays. Each relay has a
 * browser leg on side b, offered by Hotline (`relay.webrtcOffer`) and answered by the generator,
 * and plain RTP G.711 on side a. The far ends are a child process (bench/webrtc/load.ts): per
 * relay a werift RTCPeerConnection playing the browser and a UDP socket playing the phone, each
 * sending 50 PCMU packets/s and receiving the other's through Hotline. SDP goes over the fork()
 * IPC channel. `process.cpuUsage()` of this process (the worker thread included, the generator
 * excluded), over the window after every leg has connected, is Hotline's CPU.
 * `plain` is the baseline from the same run: the same N relays with a phone on both sides.
 * `--dist-dir <dir>` runs a compiled engine (`npx tsc -p tsconfig.build.json --outDir <dir>`, with
 * `<dir>/node_modules` linked to this repository's node_modules so that werift resolves).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, networkInterfaces, setPriority } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { machine, median } from '../support.js';
import type { MediaEngine as Engine, PayloadSpec, Relay } from '../../src/media/index.js';
import type { LoadResult, RunMsg } from './load.js';
import { RtpEngineWebRtc } from './rtpengine.js';

const { values } = parseArgs({
  options: {
    legs: { type: 'string', default: '60' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    runs: { type: 'string', default: '3' },
    scenario: { type: 'string', default: 'webrtc,plain' },
    'port-min': { type: 'string', default: '20000' },
    'gen-ports': { type: 'string', default: '50000-54999' },
    'connect-timeout': { type: 'string', default: '60' },
    priority: { type: 'string', default: '0' },
    'dist-dir': { type: 'string', default: '' },
    'idle-wait': { type: 'string', default: '15' },
  },
});
const legs = Number(values.legs);
const seconds = Number(values.seconds);
const warmupS = Number(values.warmup);
const runs = Number(values.runs);
const portMin = Number(values['port-min']);
type Kind = 'webrtc' | 'plain' | 'rtpengine';
const scenarios = values.scenario!.split(',') as Kind[];
const genPorts = values['gen-ports']!.split('-').map(Number) as [number, number];
const PCMU: PayloadSpec = { codec: 'pcmu', pt: 0, dtmfPt: 101 };

const mod = (await import(
  values['dist-dir'] ? pathToFileURL(join(values['dist-dir'], 'media', 'index.js')).href : '../../src/media/index.js'
)) as typeof import('../../src/media/index.js');

/** Browsers leave loopback out of ICE, so the legs use the machine's first non-internal IPv4. */
const iface = Object.values(networkInterfaces())
  .flatMap((l) => l ?? [])
  .find((i) => i.family === 'IPv4' && !i.internal);
if (!iface) throw new Error('no non-internal IPv4 interface: WebRTC legs need one');
const host: string = iface.address;

const gen: ChildProcess = fork(join(import.meta.dirname, 'load.ts'), { stdio: 'inherit' });
/** Set while rtpengine runs, so that a failed run does not leave it behind. */
let refPid: number | undefined;
process.on('exit', () => {
  gen.kill();
  if (refPid) process.kill(refPid, 'SIGKILL');
});
process.on('uncaughtException', (e) => {
  console.error(e);
  process.exit(1);
});
gen.send({ type: 'init', host, portRange: genPorts });

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

const pending = new Map<number, (m: { sdp?: string; error?: string }) => void>();
gen.on('message', (m: { type: string; i: number; sdp?: string; error?: string }) => {
  if (m.type !== 'answered') return;
  pending.get(m.i)?.(m);
  pending.delete(m.i);
});
function browserAnswer(i: number, offer: string, role: 'server' | 'client' = 'server'): Promise<string> {
  return new Promise((resolve, reject) => {
    pending.set(i, (m) => (m.sdp ? resolve(m.sdp) : reject(new Error(`generator could not answer: ${m.error}`))));
    gen.send({ type: 'answer', i, offer, role });
  });
}

// ---- the machine ----

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
/** CPU jiffies of each thread of this process (the engine's worker thread is one of them). */
function threadJiffies(pid: number | string = 'self'): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const x = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(t, Number(x[11]) + Number(x[12]));
    } catch {
      // the thread ended
    }
  }
  return out;
}
/** Cores' worth of CPU that processes other than this one and the generator used. */
function othersStart(extra?: number): () => number {
  const m = machineJiffies();
  const own = procJiffies(process.pid) + procJiffies(gen.pid) + procJiffies(extra);
  return () => {
    const m2 = machineJiffies();
    const own2 = procJiffies(process.pid) + procJiffies(gen.pid) + procJiffies(extra);
    return ((m2.busy - m.busy - (own2 - own)) / (m2.total - m.total)) * cpus().length;
  };
}
/** Waits (up to --idle-wait s) until at least 1.6 of the cores sat idle over the last second. */
async function waitIdle(): Promise<number> {
  const limit = performance.now() + Number(values['idle-wait']) * 1000;
  const ncpu = cpus().length;
  for (;;) {
    const a = machineJiffies();
    await new Promise((r) => setTimeout(r, 1000));
    const b = machineJiffies();
    const busy = ((b.busy - a.busy) / (b.total - a.total)) * ncpu;
    if (busy < ncpu - 1.6 || performance.now() > limit) return busy;
  }
}
const priority = Number(values.priority);
function renice(pid: number | undefined): void {
  if (!priority || !pid) return;
  for (const t of readdirSync(`/proc/${pid}/task`)) setPriority(Number(t), priority);
}

// ---- one run ----

interface Row {
  scenario: Kind;
  legs: number;
  connected: number;
  /** Hotline CPU during setup (offers, answers, ICE, DTLS handshakes), ms per leg. */
  setupMsPerLeg: number;
  setupS: number;
  cpuPct: number;
  pctPerLeg: number;
  pktsPerS: number;
  usPerPacket: number;
  lossToPhone: number;
  lossToBrowser: number;
  worst: number;
  serverLostPct: number;
  latToPhoneP50: number;
  latToPhoneP99: number;
  latToBrowserP50: number;
  latToBrowserP99: number;
  tickP50: number;
  tickP99: number;
  tickMax: number;
  skipped: number;
  genPct: number;
  genLateP99: number;
  otherCores: number;
  /** The busiest thread of this process over the window (the media worker), % of a core. */
  busiestThreadPct: number;
}

async function once(kind: Kind): Promise<Row> {
  const ref = kind === 'rtpengine' ? await RtpEngineWebRtc.start({ host, ngPort: 22240, portMin: portMin + 5000, portMax: portMin + 5000 + legs * 8 + 200 }) : null;
  refPid = ref?.proc.pid;
  const engine: Engine | null = ref ? null : await mod.MediaEngine.start({ host: '127.0.0.1', portMin, portMax: portMin + legs * 6 + 200, workers: 1, webrtcHost: host });
  const phoneHost = ref ? host : '127.0.0.1';
  const bound = next<{ ports: number[]; portsB: number[]; rtcpSink: number }>('bound');
  gen.send({ type: 'bind', legs, plain: kind === 'plain', address: phoneHost });
  const { ports, portsB, rtcpSink } = await bound;
  renice(process.pid);
  renice(gen.pid);
  renice(ref?.proc.pid);
  const peer = (port: number) => ({ address: '127.0.0.1', rtpPort: port, rtcpPort: rtcpSink, payload: PCMU });
  /** CPU of the system under test: this process, or rtpengine. */
  const cpuNow = () => {
    if (ref) return ref.cpuUs();
    const c = process.cpuUsage();
    return c.user + c.system;
  };

  const c0 = cpuNow();
  const s0 = performance.now();
  const relays: Relay[] = [];
  const targets: number[] = [];
  for (let i = 0; i < legs && engine; i++) {
    relays.push(await engine.createRelay({ a: peer(ports[i]!), ...(kind === 'plain' ? { b: peer(portsB[i]!) } : {}) }));
    targets.push(relays[i]!.a.port);
  }
  let connected = legs;
  if (ref) {
    for (let i = 0; i < legs; i += 10) {
      const batch = await Promise.all(
        ports.slice(i, i + 10).map(async (p, j) => {
          const offer = await ref.offer(i + j, host, p);
          const answer = await browserAnswer(i + j, offer, 'client');
          return ref.answer(i + j, answer);
        }),
      );
      targets.push(...batch);
    }
  }
  if (kind !== 'plain') {
    // Offers and answers in batches of 10, as calls would arrive at an agent group.
    for (let i = 0; i < legs; i += 10) {
      await Promise.all(
        relays.slice(i, i + 10).map(async (r, j) => {
          const offer = await r.webrtcOffer('bench');
          const answer = await browserAnswer(i + j, offer);
          await r.webrtcAnswer('b', 'bench', answer);
        }),
      );
    }
    const done = next<{ connected: number; failed: number; ms: number }>('connected');
    gen.send({ type: 'await', ms: Number(values['connect-timeout']) * 1000 });
    const c = await done;
    connected = c.connected;
    if (c.failed || c.connected < legs) console.log(`  ${c.connected}/${legs} browser legs connected, ${c.failed} failed, after ${(c.ms / 1000).toFixed(1)} s`);
  }
  const setupUs = cpuNow() - c0;
  const setupS = (performance.now() - s0) / 1000;
  renice(process.pid); // werift may have started threads since

  let cpu0 = 0;
  let t0 = 0;
  let cpuUs = 0;
  let wallS = 0;
  let others: () => number = () => NaN;
  let otherCores = NaN;
  let ticks = { p50: NaN, p99: NaN, max: NaN, skipped: 0 };
  let th0 = new Map<string, number>();
  const started = next('window-start').then(async () => {
    await engine?.tickStats(true);
    others = othersStart(ref?.proc.pid);
    th0 = threadJiffies(ref?.proc.pid);
    cpu0 = cpuNow();
    t0 = performance.now();
  });
  const ended = next('window-end');
  const result = next<LoadResult>('result');
  gen.send({ type: 'run', targets, targetsB: relays.map((r) => r.b.port), targetHost: phoneHost, warmupS, seconds } satisfies RunMsg);
  await started;
  await ended;
  cpuUs = cpuNow() - cpu0;
  wallS = (performance.now() - t0) / 1000;
  otherCores = others();
  const th1 = threadJiffies(ref?.proc.pid);
  const busiest = Math.max(...[...th1].map(([t, j]) => j - (th0.get(t) ?? 0)));
  const busiestThreadPct = (busiest / 100 / wallS) * 100; // USER_HZ is 100 on Linux
  const ts = engine ? await engine.tickStats(false) : [];
  if (ts.length) ticks = { p50: Math.max(...ts.map((t) => t.p50)), p99: Math.max(...ts.map((t) => t.p99)), max: Math.max(...ts.map((t) => t.max)), skipped: ts.reduce((a, t) => a + t.skipped, 0) };
  const res = await result;

  // Loss as Hotline's receivers saw it on arrival, both sides, over the whole call.
  let lost = 0;
  let inPk = 0;
  for (const r of relays) {
    const s = await r.stats();
    for (const side of [s.a, s.b]) {
      lost += side.quality?.lost ?? 0;
      inPk += side.quality?.packetsIn ?? 0;
    }
  }
  await Promise.all(relays.map((r) => r.close()));
  await engine?.close();
  if (ref) {
    for (let i = 0; i < legs; i++) await ref.delete(i);
    await ref.stop();
    refPid = undefined;
  }
  const closed = next('closed');
  gen.send({ type: 'close' });
  await closed;

  const cpuPct = (cpuUs / 1e6 / wallS) * 100;
  const relayedPerS = (res.toPhone.received + res.toBrowser.received) / (res.windowMs / 1000);
  const loss = (d: LoadResult['toPhone']) => (d.sent ? Math.max(0, (1 - d.received / d.sent) * 100) : NaN);
  return {
    scenario: kind,
    legs,
    connected,
    setupMsPerLeg: setupUs / 1000 / legs,
    setupS,
    cpuPct,
    pctPerLeg: cpuPct / legs,
    pktsPerS: relayedPerS,
    usPerPacket: cpuUs / (relayedPerS * wallS),
    lossToPhone: loss(res.toPhone),
    lossToBrowser: loss(res.toBrowser),
    worst: Math.max(res.toPhone.worst, res.toBrowser.worst),
    serverLostPct: inPk ? (lost / (inPk + lost)) * 100 : NaN,
    latToPhoneP50: res.toPhone.latency.p50,
    latToPhoneP99: res.toPhone.latency.p99,
    latToBrowserP50: res.toBrowser.latency.p50,
    latToBrowserP99: res.toBrowser.latency.p99,
    tickP50: ticks.p50,
    tickP99: ticks.p99,
    tickMax: ticks.max,
    skipped: ticks.skipped,
    genPct: (res.cpuMs / res.windowMs) * 100,
    genLateP99: res.late.p99,
    otherCores,
    busiestThreadPct,
  };
}

/** A run counts when the generator kept its 20 ms schedule: its CPU per leg is then the figure. */
const sustained = (x: Row) => x.genLateP99 <= 10 && x.genPct <= 90 && x.connected === x.legs;
const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
const cpuModel = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpus()[0]?.model;
console.log(machine());
console.log(`cpu: ${cpuModel}, nproc ${cpus().length}; Node ${process.version}; ${new Date().toISOString()}`);
console.log(`engine: ${values['dist-dir'] ? `compiled (${values['dist-dir']})` : 'src/ via tsx'}, 1 worker; ${legs} relays × ${seconds} s after ${warmupS} s warm-up, ${runs} run(s); WebRTC host ${host}; nice ${priority}`);

const rows = new Map<string, Row[]>();
for (let r = 0; r < runs; r++) {
  for (const s of scenarios) {
    const idle = await waitIdle();
    if (idle > cpus().length - 1.6) console.log(`  the machine was busy before this run: ${f(idle, 2)} cores`);
    const row = await once(s);
    rows.set(s, [...(rows.get(s) ?? []), row]);
    console.log(
      `run ${r + 1} ${s}${sustained(row) ? '' : ' (generator fell behind)'}: ${row.connected}/${row.legs} connected (setup ${f(row.setupS)} s, ${f(row.setupMsPerLeg)} ms CPU per leg); server CPU ${f(row.cpuPct)} % of a core (busiest thread ${f(row.busiestThreadPct, 0)} %) = ${f(row.pctPerLeg, 3)} %/leg (${f(100 / row.pctPerLeg, 0)} legs per core); ` +
        `${f(row.pktsPerS, 0)} packets/s relayed, ${f(row.usPerPacket)} µs/packet; loss →phone ${f(row.lossToPhone, 3)} % →browser ${f(row.lossToBrowser, 3)} % (worst stream ${f(row.worst, 2)} %, at server ${f(row.serverLostPct, 3)} %); ` +
        `latency →phone ${f(row.latToPhoneP50, 2)}/${f(row.latToPhoneP99, 2)} ms →browser ${f(row.latToBrowserP50, 2)}/${f(row.latToBrowserP99, 2)} ms; tick p50/p99/max ${f(row.tickP50)}/${f(row.tickP99)}/${f(row.tickMax)} ms, skipped ${row.skipped}; ` +
        `generator ${f(row.genPct)} % CPU, send late p99 ${f(row.genLateP99)} ms; other processes ${f(row.otherCores, 2)} cores`,
    );
  }
}
gen.send({ type: 'exit' });

const med = (rs: Row[], k: keyof Row) => median(rs.map((x) => x[k] as number).filter(Number.isFinite));
console.log('');
console.log(`Medians of the runs where the generator kept up (send lateness p99 ≤ 10 ms), ${legs} relays; all runs in brackets where fewer kept up:`);
console.log('');
console.log('| system, legs | runs kept up | CPU, % of a core | % of a core per leg | legs per core | setup CPU per leg | packets/s relayed | µs per packet | loss →phone / →browser | latency p50 / p99 →phone · →browser | tick lateness p50 / p99 / max | generator CPU, send late p99 | other processes (cores) |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const [s, all] of rows) {
  const ok = all.filter(sustained);
  const rs = ok.length ? ok : all;
  const name = s === 'webrtc' ? `Hotline, ${legs} WebRTC ↔ RTP` : s === 'plain' ? `Hotline, ${legs} RTP ↔ RTP (baseline)` : `rtpengine, ${legs} WebRTC ↔ RTP`;
  const allPerLeg = ok.length < all.length ? ` (${f(med(all, 'pctPerLeg'), 3)} %)` : '';
  console.log(
    `| ${name} | ${ok.length} of ${all.length} | ${f(med(rs, 'cpuPct'))} % | ${f(med(rs, 'pctPerLeg'), 3)} %${allPerLeg} | **${f(100 / med(rs, 'pctPerLeg'), 0)}** | ${s !== 'plain' ? `${f(med(rs, 'setupMsPerLeg'))} ms` : '–'} | ${f(med(rs, 'pktsPerS'), 0)} | ${f(med(rs, 'usPerPacket'))} | ` +
      `${f(med(rs, 'lossToPhone'), 3)} % / ${f(med(rs, 'lossToBrowser'), 3)} % | ${f(med(rs, 'latToPhoneP50'), 2)} / ${f(med(rs, 'latToPhoneP99'), 2)} · ${f(med(rs, 'latToBrowserP50'), 2)} / ${f(med(rs, 'latToBrowserP99'), 2)} ms | ` +
      `${s === 'rtpengine' ? '–' : `${f(med(rs, 'tickP50'))} / ${f(med(rs, 'tickP99'))} / ${f(med(rs, 'tickMax'))} ms`} | ${f(med(rs, 'genPct'))} %, ${f(med(rs, 'genLateP99'))} ms | ${f(med(rs, 'otherCores'), 2)} |`,
  );
}
const behind = [...rows.values()].flat().filter((x) => !sustained(x));
if (behind.length) console.log(`\n${behind.length} run(s) left out: the generator fell behind (other work on the machine, or too many legs for the remaining core).`);
process.exit(0);
