/**
 * SIP benchmarks: REGISTER with digest, call setups through the B2BUA, memory per TCP phone.
 * Hotline and, as the reference measured in the same run, Kamailio (bench/sip/kamailio/).
 *
 *   npx tsx bench/sip/run.ts [--registers 20000 --rate 600 --calls 15 --call-rate 100,200,250
 *                             --tcp-phones 1000 --only hotline|kamailio --profile]
 *
 * Load comes from SIPp on the same machine, so the server is measured by the CPU time it uses
 * (utime + stime from /proc/<pid>/stat, summed over its process tree) while SIPp runs at a rate
 * it sustains: µs of server CPU per REGISTER / per call, and "per core" = 1 s / that.
 * See bench/sip/README.md for the method.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, connect, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machine, quantile, sleep } from '../support.js';
import { runProbe } from './probe.js';

const { values: args } = parseArgs({
  options: {
    registers: { type: 'string', default: '20000' },
    seats: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '600' },
    calls: { type: 'string', default: '15' }, // seconds per call-rate step
    'call-rate': { type: 'string', default: '100,200,250' },
    'call-hold': { type: 'string', default: '500' },
    'tcp-phones': { type: 'string', default: '1000' },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});

const ROOT = join(import.meta.dirname, '..', '..');
const HERE = import.meta.dirname;
const SCEN = join(HERE, 'scenarios');
const TICK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
const REGISTERS = Number(args.registers);
const REG_SEATS = Number(args.seats);
const REG_RATE = Number(args.rate);
const CALL_SECONDS = Number(args.calls);
const CALL_RATES = args['call-rate']!.split(',').map(Number);
const CALL_HOLD_MS = Number(args['call-hold']);
const TCP_PHONES = Number(args['tcp-phones']);
const CALLERS = 500;
const CALLEES = 2000;
const PROBE_CALLEES = 200;
const PROBE_RATE = 20; // latency-probe calls per second, on top of SIPp's
const KAMAILIO_PASSWORD = 'bench-kamailio-pw'; // as in kamailio/kamailio.cfg
const KAMAILIO_MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules';
const WORK = mkdtempSync(join(tmpdir(), 'hotline-bench-sip-'));

// ---------------------------------------------------------------- child processes

const children = new Set<ChildProcess>();
function track(c: ChildProcess): ChildProcess {
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
}
function killAll(): void {
  for (const c of children) {
    try {
      if (c.pid) process.kill(c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  // Kamailio's workers are its children; they exit with it, but make sure.
  for (const pid of kamailioPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}
const kamailioPids = new Set<number>();
process.on('exit', () => {
  killAll();
  if (!args.keep) rmSync(WORK, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => process.exit(130));
process.on('uncaughtException', (e) => {
  console.error(e);
  process.exit(1);
});
process.on('unhandledRejection', (e) => {
  console.error(e);
  process.exit(1);
});

function waitExit(c: ChildProcess, ms: number): Promise<number | null> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve(c.exitCode);
  return new Promise((res) => {
    const t = setTimeout(() => {
      try {
        c.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }, ms);
    c.once('exit', (code) => {
      clearTimeout(t);
      res(code);
    });
  });
}

// ---------------------------------------------------------------- /proc

/** pid and all its descendants. */
function processTree(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(f[1]));
    } catch {
      /* exited */
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [p, pp] of parent) if (pp === out[i]) out.push(p);
  return out;
}

/** utime + stime in clock ticks, over the process tree (threads included: /proc/<pid>/stat is per process). */
function cpuTicks(pid: number): number {
  let t = 0;
  for (const p of processTree(pid)) {
    try {
      const s = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      t += Number(f[11]) + Number(f[12]); // fields 14, 15 (utime, stime); f[0] is field 3
    } catch {
      /* exited */
    }
  }
  return t;
}

/** Resident and proportional set size in kB, summed over the process tree. */
function memoryKb(pid: number): { rss: number; pss: number; processes: number } {
  let rss = 0;
  let pss = 0;
  const tree = processTree(pid);
  for (const p of tree) {
    try {
      rss += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))![1]);
      pss += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))![1]);
    } catch {
      /* exited */
    }
  }
  return { rss, pss, processes: tree.length };
}

// ---------------------------------------------------------------- ports

const usedPorts = new Set<number>();
/** A port free for both UDP and TCP on 127.0.0.1 (and not handed out before in this run). */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((res, rej) => {
      const s = createNetServer();
      s.once('error', rej);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
    if (usedPorts.has(port) || usedPorts.has(port + 2) || [5060, 5061, 8080].includes(port)) continue;
    const udpOk = await new Promise<boolean>((res) => {
      const u = createSocket('udp4');
      u.once('error', () => res(false));
      u.bind(port, '127.0.0.1', () => u.close(() => res(true)));
    });
    if (!udpOk) continue;
    usedPorts.add(port);
    usedPorts.add(port + 2);
    return port;
  }
}

// ---------------------------------------------------------------- SIPp

interface SippRun {
  code: number | null;
  successful: number;
  failed: number;
  retransmissions: number;
  seconds: number;
  rtt: Map<string, number[]>; // rtd name -> ms samples
  dir: string;
  errors: string;
}

interface SippOpts {
  scenario: string;
  remote: string; // host:port
  localPort: number;
  csv: string;
  calls?: number;
  rate?: number;
  holdMs?: number;
  transport?: 'u1' | 't1' | 'tn';
  timeoutS?: number;
  extra?: string[];
}

let sippSeq = 0;
function sippArgs(o: SippOpts, dir: string, controlPort: number, mediaPort: number): string[] {
  const a = [
    o.remote,
    '-sf', join(SCEN, o.scenario),
    '-inf', o.csv,
    '-t', o.transport ?? 'u1',
    '-i', '127.0.0.1',
    '-p', String(o.localPort),
    '-cp', String(controlPort),
    '-mp', String(mediaPort),
    '-nostdin',
    '-trace_stat', '-stf', join(dir, 'stat.csv'), '-fd', '1',
    '-trace_err', '-error_file', join(dir, 'errors.log'),
    '-trace_rtt', '-rtt_freq', '200',
    '-timeout', `${o.timeoutS ?? 120}s`,
    '-timeout_error',
    '-max_socket', '60000',
  ];
  if (o.calls !== undefined) a.push('-m', String(o.calls));
  if (o.rate !== undefined) a.push('-r', String(o.rate), '-rp', '1000');
  if (o.holdMs !== undefined) a.push('-d', String(o.holdMs));
  return [...a, ...(o.extra ?? [])];
}

function parseStat(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const lines = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
  if (lines.length < 2) return {};
  const head = lines[0]!.split(';');
  const last = lines[lines.length - 1]!.split(';');
  return Object.fromEntries(head.map((h, i) => [h, last[i] ?? '']));
}

function parseRtt(dir: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('_rtt.csv')) continue;
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const [, ms, name] = line.trim().split(';');
      if (!name || Number.isNaN(Number(ms)) || line.startsWith('Date')) continue;
      const xs = out.get(name) ?? [];
      xs.push(Number(ms));
      out.set(name, xs);
    }
  }
  return out;
}

/** Start SIPp; `done` resolves with its results when it exits (or is stopped). */
async function startSipp(o: SippOpts): Promise<{ done: Promise<SippRun>; stop: () => Promise<SippRun>; child: ChildProcess }> {
  const dir = join(WORK, `sipp-${++sippSeq}-${o.scenario.replace('.xml', '')}`);
  mkdirSync(dir, { recursive: true });
  const controlPort = await freePort();
  const mediaPort = await freePort();
  const t0 = performance.now();
  const child = track(spawn('sipp', sippArgs(o, dir, controlPort, mediaPort), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const done = new Promise<SippRun>((res) => {
    child.once('exit', (code) => {
      const stat = parseStat(join(dir, 'stat.csv'));
      const errFile = join(dir, 'errors.log');
      res({
        code,
        successful: Number(stat['SuccessfulCall(C)'] ?? 0),
        failed: Number(stat['FailedCall(C)'] ?? 0),
        retransmissions: Number(stat['Retransmissions(C)'] ?? 0),
        seconds: (performance.now() - t0) / 1000,
        rtt: parseRtt(dir),
        dir,
        errors: (existsSync(errFile) ? readFileSync(errFile, 'utf8').slice(0, 2000) : '') + stderr,
      });
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGUSR1'); // SIPp: quit gracefully
    await waitExit(child, 5000);
    return done;
  };
  return { done, stop, child };
}

async function runSipp(o: SippOpts): Promise<SippRun> {
  const s = await startSipp(o);
  return s.done;
}

/** SIPp -inf file: field0 = user, field1 = its [authentication] keyword (SIPp expands keywords in
 *  injected fields; it does not expand [fieldN] inside [authentication ...]), then the rest. */
function writeCsv(name: string, rows: string[][]): string {
  const file = join(WORK, name);
  const line = ([user, password, ...rest]: string[]) => [user, `[authentication username=${user} password=${password}]`, ...rest].join(';');
  writeFileSync(file, 'SEQUENTIAL\n' + rows.map(line).join('\n') + '\n');
  return file;
}

// ---------------------------------------------------------------- servers under test

interface Server {
  name: 'hotline' | 'kamailio';
  pid: number;
  host: string;
  port: number;
  stop(): Promise<void>;
}

interface Accounts {
  reg: string[][]; // [user, password]
  callers: string[][];
  callees: string[][];
}

const num = (base: number, i: number) => String(base + i);

async function startHotline(dataDir: string, opts: { profileDir?: string; gcReport?: string } = {}): Promise<Server & { http: string }> {
  const httpPort = await freePort();
  const sipPort = await freePort();
  const nodeArgs = ['--expose-gc', ...(process.env.BENCH_HOTLINE_NODE_FLAGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', '--import', join(HERE, 'gc-hook.mjs')];
  if (opts.profileDir) nodeArgs.push('--import', join(HERE, 'profile-hook.mjs'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('HOTLINE_')) env[k] = v;
  Object.assign(env, {
    ...(opts.profileDir ? { BENCH_PROFILE_DIR: opts.profileDir } : {}),
    HOTLINE_DATA_DIR: dataDir,
    HOTLINE_HTTP_HOST: '127.0.0.1',
    HOTLINE_HTTP_PORT: String(httpPort),
    HOTLINE_SIP_HOST: '127.0.0.1',
    HOTLINE_SIP_PORT: String(sipPort),
    HOTLINE_RTP_PORT_MIN: '12000',
    HOTLINE_RTP_PORT_MAX: '15999',
    HOTLINE_LOG_LEVEL: 'warn',
    HOTLINE_ADMIN_EMAIL: 'bench@example.com',
    HOTLINE_ADMIN_PASSWORD: 'bench-admin-password',
    HOTLINE_SIP_RATE_LIMIT: '0',
    HOTLINE_SIP_DIGEST_ALGORITHMS: 'MD5',
    BENCH_GC_REPORT: opts.gcReport ?? join(dataDir, 'gc.json'),
  });
  const child = track(spawn(process.execPath, [...nodeArgs, 'src/cli/main.ts', 'start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  let log = '';
  // BENCH_HOTLINE_LOG=<file>: keep Hotline's whole output (e.g. with NODE_OPTIONS=--trace-gc).
  const whole = process.env.BENCH_HOTLINE_LOG;
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-8000);
    if (whole) appendFileSync(whole, d);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const http = `http://127.0.0.1:${httpPort}`;
  const t0 = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hotline exited: ${log}`);
    const ok = await fetch(`${http}/api/health`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (performance.now() - t0 > 60_000) throw new Error(`hotline not ready in 60 s: ${log}`);
    await sleep(100);
  }
  if (!/SIP server listening|ready/.test(log)) await sleep(500);
  return {
    name: 'hotline',
    pid: child.pid!,
    host: '127.0.0.1',
    port: sipPort,
    http,
    async stop() {
      child.kill('SIGTERM');
      await waitExit(child, 15_000);
    },
  };
}

async function seedHotline(http: string): Promise<Accounts> {
  const signin = await fetch(`${http}/api/v1/auth/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bench@example.com', password: 'bench-admin-password' }),
  });
  if (!signin.ok) throw new Error(`sign-in failed: ${signin.status} ${await signin.text()}`);
  const cookie = /hotline_session=[^;]+/.exec(signin.headers.get('set-cookie') ?? '')?.[0];
  if (!cookie) throw new Error('no session cookie');
  const create = async (number: string): Promise<string[]> => {
    for (let attempt = 0; ; attempt++) {
      const r = await fetch(`${http}/api/v1/seats`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ number }) });
      if (r.status === 201) return [number, ((await r.json()) as { password: string }).password];
      if (attempt > 3) throw new Error(`seat ${number}: ${r.status} ${await r.text()}`);
      await sleep(200);
    }
  };
  const all = [
    ...Array.from({ length: REG_SEATS }, (_, i) => num(200000, i)),
    ...Array.from({ length: CALLERS }, (_, i) => num(300000, i)),
    ...Array.from({ length: CALLEES }, (_, i) => num(400000, i)),
  ];
  const out = new Map<string, string[]>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < all.length) {
        const n = all[next++]!;
        out.set(n, await create(n));
      }
    }),
  );
  const pick = (base: number, count: number) => Array.from({ length: count }, (_, i) => out.get(num(base, i))!);
  return { reg: pick(200000, REG_SEATS), callers: pick(300000, CALLERS), callees: pick(400000, CALLEES) };
}

function kamailioAccounts(): Accounts {
  const mk = (base: number, count: number) => Array.from({ length: count }, (_, i) => [num(base, i), KAMAILIO_PASSWORD]);
  return { reg: mk(200000, REG_SEATS), callers: mk(300000, CALLERS), callees: mk(400000, CALLEES) };
}

async function startKamailio(): Promise<Server> {
  const port = await freePort();
  const run = join(WORK, `kamailio-${port}`);
  mkdirSync(run, { recursive: true });
  const child = track(
    spawn(
      '/usr/sbin/kamailio',
      ['-f', join(HERE, 'kamailio', 'kamailio.cfg'), '-DD', '-E', '-L', KAMAILIO_MODULES, '-Y', run, '-w', run,
        '-l', `udp:127.0.0.1:${port}`, '-l', `tcp:127.0.0.1:${port}`, '-m', '256', '-M', '16'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  let log = '';
  // BENCH_HOTLINE_LOG=<file>: keep Hotline's whole output (e.g. with NODE_OPTIONS=--trace-gc).
  const whole = process.env.BENCH_HOTLINE_LOG;
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-8000);
    if (whole) appendFileSync(whole, d);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  // Ready when it answers OPTIONS with anything (405 from our script).
  const t0 = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`kamailio exited: ${log}`);
    if (await udpPing(port)) break;
    if (performance.now() - t0 > 20_000) throw new Error(`kamailio not ready: ${log}`);
    await sleep(200);
  }
  await sleep(500);
  for (const p of processTree(child.pid!)) kamailioPids.add(p);
  return {
    name: 'kamailio',
    pid: child.pid!,
    host: '127.0.0.1',
    port,
    async stop() {
      child.kill('SIGTERM');
      await waitExit(child, 10_000);
      for (const p of kamailioPids) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      kamailioPids.clear();
    },
  };
}

function udpPing(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      res(false);
    }, 300);
    s.on('message', () => {
      clearTimeout(t);
      s.close();
      res(true);
    });
    s.bind(0, '127.0.0.1', () => {
      const lp = (s.address() as { port: number }).port;
      const msg =
        `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${lp};branch=z9hG4bK${randomBytes(6).toString('hex')}\r\n` +
        `From: <sip:ping@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: ${randomBytes(8).toString('hex')}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
      s.send(msg, port, '127.0.0.1');
    });
  });
}

// ---------------------------------------------------------------- 1. REGISTER

interface RegisterResult {
  system: string;
  registers: number;
  rate: number;
  seats: number;
  successful: number;
  failed: number;
  retransmissions: number;
  seconds: number;
  cpuSeconds: number;
  cpuUsPerOp: number;
  perCore: number;
  utilisation: number;
  rttMs: { p50: number; p99: number; max: number }; // SIPp -trace_rtt: millisecond steps
}

async function benchRegister(server: Server, accounts: Accounts): Promise<RegisterResult> {
  const csv = writeCsv(`${server.name}-reg.csv`, accounts.reg);
  const remote = `${server.host}:${server.port}`;
  // Warm-up: every seat once (JIT, caches), not measured.
  const warm = await runSipp({ scenario: 'register.xml', remote, localPort: await freePort(), csv, calls: accounts.reg.length, rate: Math.min(REG_RATE, 1000), timeoutS: 120 });
  if (warm.failed) console.error(`  warm-up: ${warm.failed} failed REGISTERs\n${warm.errors}`);
  await sleep(1000);
  const c0 = cpuTicks(server.pid);
  const r = await runSipp({ scenario: 'register.xml', remote, localPort: await freePort(), csv, calls: REGISTERS, rate: REG_RATE, timeoutS: Math.ceil(REGISTERS / REG_RATE) + 60 });
  await sleep(200);
  const cpu = (cpuTicks(server.pid) - c0) / TICK;
  if (r.failed) console.error(`  ${r.failed} failed REGISTERs\n${r.errors}`);
  const rtt = r.rtt.get('reg') ?? [];
  const us = (cpu / Math.max(1, r.successful)) * 1e6;
  return {
    system: server.name,
    registers: REGISTERS,
    rate: REG_RATE,
    seats: accounts.reg.length,
    successful: r.successful,
    failed: r.failed,
    retransmissions: r.retransmissions,
    seconds: round(r.seconds, 1),
    cpuSeconds: round(cpu, 2),
    cpuUsPerOp: round(us, 1),
    perCore: Math.round(1e6 / us),
    utilisation: round(cpu / r.seconds, 3),
    rttMs: { p50: round(quantile(rtt, 0.5), 3), p99: round(quantile(rtt, 0.99), 3), max: round(Math.max(...rtt), 3) },
  };
}

// ---------------------------------------------------------------- 2. calls

interface CallResult {
  system: string;
  rate: number;
  attempted: number;
  successful: number;
  failed: number;
  uasFailed: number;
  retransmissions: number;
  seconds: number;
  cpuSeconds: number;
  cpuUsPerCall: number;
  perCore: number;
  utilisation: number;
  probeCalls: number;
  firstProvisionalMs: { p50: number; p90: number; p99: number; max: number; n: number };
  tryingMs: { p50: number; p90: number; p99: number; max: number; n: number };
  answerMs: { p50: number; p90: number; p99: number; max: number; n: number };
  sippFirstProvisionalMs: { p50: number; p90: number; p99: number; max: number; n: number };
  /** INVITE in → 100 Trying out, timed on the wire (dumpcap), when Wireshark's tools are installed. */
  wireTryingMs?: { p50: number; p90: number; p99: number; max: number; n: number };
}

const dist = (xs: number[]) => ({ p50: round(quantile(xs, 0.5), 3), p90: round(quantile(xs, 0.9), 3), p99: round(quantile(xs, 0.99), 3), max: xs.length ? round(Math.max(...xs), 3) : NaN, n: xs.length });

/**
 * Server-side latency, seen on the wire: dumpcap records the server's SIP port on loopback during a
 * step, and tshark pairs each INVITE sent to the server with the first 100 Trying the server sends
 * for the same Call-ID and CSeq. Unlike the probe's figure, this leaves out the scheduling delay of
 * the measuring process itself (which shares the two busy cores). Skipped when Wireshark's
 * command-line tools are not installed.
 */
async function startCapture(port: number): Promise<{ stop(): Promise<number[]> } | null> {
  if (spawnSync('which', ['dumpcap']).status !== 0 || spawnSync('which', ['tshark']).status !== 0) return null;
  const file = join(WORK, `wire-${port}-${Date.now()}.pcapng`);
  const cap = spawn('dumpcap', ['-q', '-i', 'lo', '-f', `udp port ${port}`, '-B', '64', '-w', file], { stdio: 'ignore' });
  children.add(cap);
  await sleep(1000);
  return {
    async stop() {
      cap.kill('SIGINT');
      await new Promise((r) => cap.once('exit', r));
      children.delete(cap);
      const out = spawnSync(
        'tshark',
        ['-r', file, '-d', `udp.port==${port},sip`, '-Y', 'sip.CSeq.method == "INVITE"', '-T', 'fields', '-E', 'separator=\t',
          '-e', 'frame.time_epoch', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'sip.Call-ID', '-e', 'sip.CSeq.seq', '-e', 'sip.Method', '-e', 'sip.Status-Code'],
        { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 },
      );
      rmSync(file, { force: true });
      const sent = new Map<string, number>();
      const deltas: number[] = [];
      for (const line of out.stdout.split('\n')) {
        const [t, src, dst, callId, seq, method, status] = line.split('\t');
        if (!t || !callId) continue;
        const key = `${callId}\u0000${seq}`;
        if (method === 'INVITE' && Number(dst) === port) {
          if (!sent.has(key)) sent.set(key, Number(t));
        } else if (status === '100' && Number(src) === port) {
          const at = sent.get(key);
          if (at !== undefined) {
            deltas.push((Number(t) - at) * 1000);
            sent.delete(key);
          }
        }
      }
      return deltas;
    },
  };
}

async function benchCalls(server: Server, accounts: Accounts): Promise<CallResult[]> {
  const remote = `${server.host}:${server.port}`;
  const uasPort = await freePort();
  // Register every callee from the port the UAS will listen on.
  const calleeCsv = writeCsv(`${server.name}-callees.csv`, accounts.callees);
  const reg = await runSipp({ scenario: 'register.xml', remote, localPort: uasPort, csv: calleeCsv, calls: accounts.callees.length, rate: 500, timeoutS: 60 });
  if (reg.failed || reg.successful !== accounts.callees.length) throw new Error(`callee registration failed (${reg.successful} ok, ${reg.failed} failed): ${reg.errors}`);
  // SIPp calls the first callees; the latency probe calls the last PROBE_CALLEES (never both at once).
  const sippCallees = accounts.callees.slice(0, accounts.callees.length - PROBE_CALLEES);
  const probeCallees = accounts.callees.slice(accounts.callees.length - PROBE_CALLEES);
  const rows = sippCallees.map((c, i) => [...accounts.callers[i % accounts.callers.length]!, c[0]!]);
  const csv = writeCsv(`${server.name}-calls.csv`, rows);
  const pairs = probeCallees.map((c, i) => {
    const [user, password] = accounts.callers[(i * 7) % accounts.callers.length]!;
    return { user: user!, password: password!, callee: c[0]! };
  });
  const uacPort = await freePort();
  const out: CallResult[] = [];
  const steps = [{ rate: Math.min(50, CALL_RATES[0]!), seconds: 4, warm: true }, ...CALL_RATES.map((rate) => ({ rate, seconds: CALL_SECONDS, warm: false }))];
  for (const step of steps) {
    const calls = Math.round(step.rate * step.seconds);
    const uas = await startSipp({ scenario: 'uas.xml', remote, localPort: uasPort, csv, transport: 'u1', timeoutS: step.seconds + 120 });
    await sleep(300);
    const wire = step.warm ? null : await startCapture(server.port);
    const c0 = cpuTicks(server.pid);
    const [uac, probe] = await Promise.all([
      runSipp({ scenario: 'uac.xml', remote, localPort: uacPort, csv, calls, rate: step.rate, holdMs: CALL_HOLD_MS, timeoutS: step.seconds + 60 }),
      sleep(500).then(() => runProbe({ server, pairs, rate: PROBE_RATE, seconds: Math.max(1, step.seconds - 1), holdMs: CALL_HOLD_MS })),
    ]);
    await sleep(300);
    const cpu = (cpuTicks(server.pid) - c0) / TICK;
    await sleep(1000);
    const wireTrying = wire ? await wire.stop() : null;
    const uasRun = await uas.stop();
    if (uac.failed || probe.failed) console.error(`  ${server.name} ${step.rate} cps: ${uac.failed} failed (SIPp), ${probe.failed} (probe: ${probe.failures.join('; ')}), UAS saw ${uasRun.failed} failed\n${uac.errors}`);
    if (step.warm) continue;
    const ok = uac.successful + probe.answered;
    const us = (cpu / Math.max(1, ok)) * 1e6;
    out.push({
      system: server.name,
      rate: step.rate,
      attempted: calls + probe.attempted,
      successful: ok,
      failed: uac.failed + probe.failed,
      uasFailed: uasRun.failed,
      retransmissions: uac.retransmissions,
      seconds: round(uac.seconds, 1),
      cpuSeconds: round(cpu, 2),
      cpuUsPerCall: round(us, 1),
      perCore: Math.round(1e6 / us),
      utilisation: round(cpu / uac.seconds, 3),
      probeCalls: probe.answered,
      firstProvisionalMs: dist(probe.provMs),
      tryingMs: dist(probe.tryingMs),
      answerMs: dist(probe.answerMs),
      sippFirstProvisionalMs: dist(uac.rtt.get('prov') ?? []),
      ...(wireTrying ? { wireTryingMs: dist(wireTrying) } : {}),
    });
    await sleep(2500); // let dialogs and transactions of this step end
  }
  return out;
}

// ---------------------------------------------------------------- 3. TCP phones

interface TcpResult {
  system: string;
  phones: number;
  registered: number;
  refused: number;
  before: { rssKb: number; pssKb: number; heapUsedKb?: number };
  after: { rssKb: number; pssKb: number; heapUsedKb?: number };
  kbPerPhoneRss: number;
  kbPerPhonePss: number;
  kbPerPhoneHeap?: number;
}

function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

/** A SIP phone on one TCP connection: REGISTER, answer the digest challenge, stay connected. */
class TcpPhone {
  socket!: Socket;
  private buf = '';
  private waiter: ((m: string) => void) | null = null;

  constructor(private readonly host: string, private readonly port: number, private readonly user: string, private readonly password: string) {}

  async register(): Promise<boolean> {
    this.socket = connect({ host: this.host, port: this.port });
    this.socket.setNoDelay(true);
    this.socket.on('error', () => {});
    this.socket.on('data', (d) => this.onData(d.toString('latin1')));
    const closed = new Promise<string>((res) => this.socket.once('close', () => res('closed')));
    await new Promise<void>((res, rej) => {
      this.socket.once('connect', res);
      this.socket.once('error', rej);
    });
    const lp = this.socket.localPort!;
    const callId = randomBytes(8).toString('hex');
    const uri = `sip:${this.host}:${this.port};transport=tcp`;
    const req = (cseq: number, auth?: string) =>
      `REGISTER ${uri} SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:${lp};branch=z9hG4bK${randomBytes(6).toString('hex')}\r\n` +
      `From: <sip:${this.user}@${this.host}>;tag=${randomBytes(4).toString('hex')}\r\nTo: <sip:${this.user}@${this.host}>\r\n` +
      `Call-ID: ${callId}\r\nCSeq: ${cseq} REGISTER\r\nContact: <sip:${this.user}@127.0.0.1:${lp};transport=tcp>\r\nExpires: 3600\r\n` +
      (auth ? `Authorization: ${auth}\r\n` : '') +
      `Max-Forwards: 70\r\nUser-Agent: bench tcp phone\r\nContent-Length: 0\r\n\r\n`;
    const next = () => Promise.race([new Promise<string>((res) => (this.waiter = res)), closed, sleep(10_000).then(() => 'timeout')]);
    const finalOf = async () => {
      for (;;) {
        const m = await next();
        if (!m.startsWith('SIP/2.0 1')) return m;
      }
    };
    this.socket.write(req(1));
    const challenge = await finalOf();
    if (!challenge.startsWith('SIP/2.0 401')) return false;
    const h = /^WWW-Authenticate:\s*Digest\s+(.*)$/im.exec(challenge)?.[1] ?? '';
    const p = (k: string) => new RegExp(`${k}="?([^",]+)"?`, 'i').exec(h)?.[1];
    const realm = p('realm')!;
    const nonce = p('nonce')!;
    const qop = p('qop');
    const opaque = p('opaque');
    const ha1 = md5(`${this.user}:${realm}:${this.password}`);
    const ha2 = md5(`REGISTER:${uri}`);
    const cnonce = randomBytes(6).toString('hex');
    const response = qop ? md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
    const auth =
      `Digest username="${this.user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5` +
      (qop ? `, qop=auth, nc=00000001, cnonce="${cnonce}"` : '') +
      (opaque ? `, opaque="${opaque}"` : '');
    this.socket.write(req(2, auth));
    const ok = await finalOf();
    return ok.startsWith('SIP/2.0 200');
  }

  private onData(s: string): void {
    this.buf += s;
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buf.slice(0, end);
      const len = Number(/^(?:Content-Length|l):\s*(\d+)/im.exec(head)?.[1] ?? 0);
      if (this.buf.length < end + 4 + len) return;
      this.buf = this.buf.slice(end + 4 + len);
      const w = this.waiter;
      this.waiter = null;
      w?.(head);
    }
  }

  close(): void {
    this.socket?.destroy();
  }
}

async function settledMemory(server: Server, gcReport?: string): Promise<{ rssKb: number; pssKb: number; heapUsedKb?: number }> {
  await sleep(5000);
  let heapUsedKb: number | undefined;
  if (server.name === 'hotline' && gcReport) {
    rmSync(gcReport, { force: true });
    process.kill(server.pid, 'SIGUSR2'); // bench/sip/gc-hook.mjs: full GC, then memoryUsage()
    for (let i = 0; i < 50 && !existsSync(gcReport); i++) await sleep(100);
    await sleep(2000);
    try {
      heapUsedKb = Math.round(JSON.parse(readFileSync(gcReport, 'utf8')).heapUsed / 1024);
    } catch {
      /* no report */
    }
  }
  // Median of five samples a second apart.
  const samples: { rss: number; pss: number }[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(memoryKb(server.pid));
    await sleep(1000);
  }
  const out: { rssKb: number; pssKb: number; heapUsedKb?: number } = { rssKb: quantile(samples.map((s) => s.rss), 0.5), pssKb: quantile(samples.map((s) => s.pss), 0.5) };
  if (heapUsedKb !== undefined) out.heapUsedKb = heapUsedKb;
  return out;
}

async function benchTcp(server: Server, accounts: Accounts, gcReport?: string): Promise<TcpResult> {
  const users = accounts.reg.slice(0, TCP_PHONES);
  while (users.length < TCP_PHONES) users.push(...accounts.callees.slice(0, TCP_PHONES - users.length));
  // Warm up with as many phones of other seats, which then hang up: the heap grows to its working
  // size, so what the measured round adds is the phones' own memory (connections and bindings),
  // not V8 sizing itself. (A single small warm-up gave negative figures: RSS fell after GC.)
  const warmUsers = accounts.callees.filter(([u]) => !users.some(([x]) => x === u)).slice(0, TCP_PHONES);
  const warm = warmUsers.map(([u, pw]) => new TcpPhone(server.host, server.port, u!, pw!));
  for (let i = 0; i < warm.length; i += 50) await Promise.all(warm.slice(i, i + 50).map((p) => p.register().catch(() => false)));
  for (const p of warm) p.close();
  await sleep(1000);
  const before = await settledMemory(server, gcReport);
  const phones = users.map(([u, pw]) => new TcpPhone(server.host, server.port, u!, pw!));
  let registered = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < phones.length) {
        const p = phones[next++]!;
        if (await p.register().catch(() => false)) registered++;
      }
    }),
  );
  const after = await settledMemory(server, gcReport);
  for (const p of phones) p.close();
  const n = Math.max(1, registered);
  const r: TcpResult = {
    system: server.name,
    phones: TCP_PHONES,
    registered,
    refused: TCP_PHONES - registered,
    before,
    after,
    kbPerPhoneRss: round((after.rssKb - before.rssKb) / n, 1),
    kbPerPhonePss: round((after.pssKb - before.pssKb) / n, 1),
  };
  if (before.heapUsedKb !== undefined && after.heapUsedKb !== undefined) r.kbPerPhoneHeap = round((after.heapUsedKb - before.heapUsedKb) / n, 1);
  return r;
}

// ---------------------------------------------------------------- CPU profile summary

function summariseProfile(dir: string, f: string): { byFunction: { name: string; ms: number; pct: number }[]; byArea: { area: string; ms: number; pct: number }[] } | null {
  if (!existsSync(join(dir, f))) return null;
  const prof = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const fn = new Map<string, number>();
  const area = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const cf = byId.get(id)!.callFrame;
    if (cf.functionName === '(idle)') continue;
    total += us;
    const url = cf.url.replace(/^file:\/\//, '').replace(ROOT + '/', '');
    const key = `${cf.functionName || '(anonymous)'} ${url ? `${url}:${cf.lineNumber + 1}` : ''}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + us);
    const a = !url
      ? cf.functionName.startsWith('(') ? cf.functionName : '(native)'
      : url.startsWith('src/')
        ? url.split('/').slice(0, 3).join('/')
        : url.includes('node_modules/')
          ? 'node_modules/' + url.split('node_modules/').pop()!.split('/')[0]
          : url.startsWith('node:')
            ? url.split('/').slice(0, 2).join('/')
            : url;
    area.set(a, (area.get(a) ?? 0) + us);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => ({ k, ms: round(us / 1000, 1), pct: round((100 * us) / total, 1) }));
  return {
    byFunction: top(fn, 25).map(({ k, ms, pct }) => ({ name: k, ms, pct })),
    byArea: top(area, 20).map(({ k, ms, pct }) => ({ area: k, ms, pct })),
  };
}

// ---------------------------------------------------------------- main

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
const fmt = (x: number) => x.toLocaleString('en-US');

async function benchSystem(name: 'hotline' | 'kamailio', results: Record<string, unknown>): Promise<void> {
  const profileDir = args.profile && name === 'hotline' ? join(WORK, 'profile') : undefined;
  let server: Server;
  let accounts: Accounts;
  const dataDir = join(WORK, 'hotline-data');
  if (name === 'hotline') {
    mkdirSync(dataDir, { recursive: true });
    const h = await startHotline(dataDir, profileDir ? { profileDir } : {});
    console.error(`hotline up (pid ${h.pid}, SIP ${h.port}); creating ${REG_SEATS + CALLERS + CALLEES} seats…`);
    const t0 = performance.now();
    accounts = await seedHotline(h.http);
    console.error(`  seats created in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    server = h;
  } else {
    server = await startKamailio();
    accounts = kamailioAccounts();
    console.error(`kamailio up (pid ${server.pid}, ${processTree(server.pid).length} processes, SIP ${server.port})`);
  }
  const idle = async (label: string) => {
    await sleep(1000);
    const c0 = cpuTicks(server.pid);
    await sleep(5000);
    const pct = round(((cpuTicks(server.pid) - c0) / TICK / 5) * 100, 1);
    (results.idleCpuPercent as Record<string, number>)[`${name} ${label}`] = pct;
    console.error(`  idle CPU ${label}: ${pct} % of a core`);
  };
  try {
    await idle('before load');
    // --profile: one CPU profile per measured phase (the hook toggles on SIGWINCH).
    const profile = async () => {
      if (!profileDir) return;
      process.kill(server.pid, 'SIGWINCH');
      await sleep(500);
    };
    await profile();
    const reg = await benchRegister(server, accounts);
    await profile();
    (results.register as RegisterResult[]).push(reg);
    console.log(
      `| ${name} | REGISTER+digest | ${fmt(reg.successful)} ok / ${reg.failed} failed at ${reg.rate}/s | ${reg.cpuUsPerOp} µs | **${fmt(reg.perCore)}/s** | (SIPp, 1 ms steps) ${reg.rttMs.p50} / ${reg.rttMs.p99} ms |`,
    );
    await profile();
    const calls = await benchCalls(server, accounts);
    await profile();
    (results.calls as CallResult[]).push(...calls);
    await idle('after load (bindings present, no calls)');
    for (const c of calls)
      console.log(
        `| ${name} | call setup @ ${c.rate} cps | ${fmt(c.successful)} ok / ${c.failed} failed | ${c.cpuUsPerCall} µs | **${fmt(c.perCore)}/s** | probe (${c.probeCalls} calls): first provisional ${c.firstProvisionalMs.p50} / ${c.firstProvisionalMs.p99} ms; 100 Trying ${c.tryingMs.n ? `${c.tryingMs.p50} / ${c.tryingMs.p99} ms` : 'none sent'}; 200 ${c.answerMs.p50} / ${c.answerMs.p99} ms${c.wireTryingMs ? `; on the wire (${fmt(c.wireTryingMs.n)} INVITEs) 100 Trying ${c.wireTryingMs.p50} / ${c.wireTryingMs.p99} ms` : ''} |`,
      );
  } finally {
    if (name !== 'hotline' || !profileDir) {
      /* restart below for a clean memory measurement */
    }
    await server.stop();
  }
  if (profileDir) {
    (results.profile as Record<string, unknown>)[`${name} register`] = summariseProfile(profileDir, '1.cpuprofile');
    (results.profile as Record<string, unknown>)[`${name} calls`] = summariseProfile(profileDir, '2.cpuprofile');
  }

  // Memory: a fresh process (so heap space freed by the load tests does not hide the growth).
  const gcReport = join(WORK, 'gc.json');
  const fresh = name === 'hotline' ? await startHotline(dataDir, { gcReport }) : await startKamailio();
  try {
    const tcp = await benchTcp(fresh, accounts, name === 'hotline' ? gcReport : undefined);
    (results.tcp as TcpResult[]).push(tcp);
    console.log(
      `| ${name} | TCP phones | ${fmt(tcp.registered)} registered${tcp.refused ? ` (${tcp.refused} refused)` : ''} | RSS ${fmt(tcp.before.rssKb)} → ${fmt(tcp.after.rssKb)} kB | **${tcp.kbPerPhoneRss} kB/phone** (PSS ${tcp.kbPerPhonePss}${tcp.kbPerPhoneHeap !== undefined ? `, JS heap ${tcp.kbPerPhoneHeap}` : ''}) | |`,
    );
  } finally {
    await fresh.stop();
  }
}

async function main(): Promise<void> {
  const which = args.only ? [args.only as 'hotline' | 'kamailio'] : (['hotline', 'kamailio'] as const);
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: machine(),
    cores: (await import('node:os')).cpus().length,
    clockTicks: TICK,
    sipp: spawnSync('sipp', ['-v'], { encoding: 'utf8' }).stdout.match(/SIPp v[\S]+/)?.[0],
    kamailio: spawnSync('/usr/sbin/kamailio', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0],
    params: { registers: REGISTERS, seats: REG_SEATS, rate: REG_RATE, callSeconds: CALL_SECONDS, callRates: CALL_RATES, callHoldMs: CALL_HOLD_MS, tcpPhones: TCP_PHONES, callers: CALLERS, callees: CALLEES },
    register: [],
    calls: [],
    tcp: [],
    profile: {},
    idleCpuPercent: {},
  };
  console.log(machine());
  console.log('| system | test | result | server CPU per op | per core (1 s / CPU per op) | latency p50 / p99 |');
  console.log('|---|---|---|---|---|---|');
  for (const w of which) await benchSystem(w, results);
  mkdirSync(join(HERE, 'results'), { recursive: true });
  const file = join(HERE, 'results', `${new Date().toISOString().slice(0, 10)}${args.only ? `-${args.only}` : ''}${args.profile ? '-profile' : ''}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  for (const [phase, prof] of Object.entries(results.profile as Record<string, ReturnType<typeof summariseProfile>>)) {
    if (!prof) continue;
    console.log(`\n${phase}: CPU profile of the main thread (self time)`);
    for (const a of prof.byArea) console.log(`  ${String(a.pct).padStart(5)} %  ${a.area}`);
    console.log('  top functions:');
    for (const f of prof.byFunction) console.log(`  ${String(f.pct).padStart(5)} %  ${f.name}`);
  }
  console.error(`results: ${file}`);
}

await main();
process.exit(0);
