/**
 * The far ends of bench/media/run.ts, in their own process so that their CPU is not counted as
 * Hotline's. Each leg is one UDP socket playing a phone: it sends 20 ms PCMU packets (160 bytes of a
 * µ-law tone, continuous sequence numbers and timestamps, its own SSRC) to the media server and
 * counts what comes back. Driven over the fork() IPC channel:
 *   parent → {type:'bind', legs}  child → {type:'bound', ports, rtcpSink}
 *   parent → {type:'run', ...}    child → {type:'window-start'}, {type:'window-end'}, {type:'result', ...}
 *   parent → {type:'close'}       child → {type:'closed'}
 *
 * Loss is counted per direction: the server re-stamps SSRC, sequence and timestamp, so a packet is
 * recognised by a 32-bit send index in the last 4 bytes of its payload (0.5 ms of the 20 ms frame),
 * which an anchored G.711 call forwards untouched. A packet sent in the measured window counts as
 * received when it reaches the partner leg; its send time gives the one-way latency on this
 * process's clock. Conference audio is mixed, so there each member counts the mixer's packets.
 */
import { createSocket, type Socket } from 'node:dgram';
import { FRAME_SAMPLES, decodeG711, dominantFrequency, encodeG711 } from '../../src/media/audio/index.js';

export interface RunMsg {
  type: 'run';
  /** Where each leg sends (the server's port for that leg). */
  targets: number[];
  /** The leg whose packets each leg receives (its call partner), or -1 (conference). */
  partner: number[];
  /** Tone of each leg, a multiple of 50 Hz so that one 20 ms frame repeats seamlessly. */
  freqs: number[];
  amplitude: number;
  /** Legs whose received audio is decoded and checked at the end. */
  sample: number[];
  warmupS: number;
  seconds: number;
}

export interface LegSample {
  leg: number;
  ownFreq: number;
  rms: number;
  heardFreq: number;
  heardRatio: number;
}

export interface LoadResult {
  type: 'result';
  legs: number;
  /** Packets sent in the window, and how many of them reached the partner (tagged mode). */
  sent: number;
  received: number;
  /** Worst single direction's loss, %. */
  worstStreamLoss: number;
  /** Packets that arrived during the window (all legs): the conference's mixed output. */
  receivedInWindow: number;
  latency: { p50: number; p99: number; max: number } | null;
  /** Send lateness against each packet's 20 ms schedule, ms. */
  late: { p50: number; p99: number; max: number };
  cpuMs: number;
  windowMs: number;
  rtcpIn: number;
  samples: LegSample[];
}

const RING = 1024; // send times kept per leg: 20 s of packets, far beyond any queueing
const PAYLOAD = FRAME_SAMPLES;
const SIZE = 12 + PAYLOAD;
const HIST = 20_000; // 0.01 ms buckets up to 200 ms
const FRAME_MS = 20;

let socks: Socket[] = [];
let sink: Socket | null = null;
let rtcpIn = 0;

function bind(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type: 'udp4', recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}

async function bindLegs(n: number): Promise<void> {
  socks = [];
  for (let i = 0; i < n; i++) socks.push(await bind());
  sink = await bind();
  sink.on('message', () => void rtcpIn++);
  process.send!({ type: 'bound', ports: socks.map((s) => s.address().port), rtcpSink: sink.address().port });
}

function percentile(hist: Uint32Array, bucketMs: number, p: number): number {
  let total = 0;
  for (const c of hist) total += c;
  if (!total) return NaN;
  const want = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i]!;
    if (seen >= want) return (i + 1) * bucketMs;
  }
  return hist.length * bucketMs;
}
const histMax = (hist: Uint32Array, bucketMs: number) => {
  for (let i = hist.length - 1; i >= 0; i--) if (hist[i]) return (i + 1) * bucketMs;
  return NaN;
};

function toneFrame(freq: number, amplitude: number): Buffer {
  const pcm = new Int16Array(PAYLOAD);
  for (let i = 0; i < PAYLOAD; i++) pcm[i] = Math.round(amplitude * Math.sin((2 * Math.PI * freq * i) / 8000));
  const out = Buffer.alloc(PAYLOAD);
  encodeG711(pcm, 'pcmu', out);
  return out;
}

async function run(m: RunMsg): Promise<void> {
  const n = socks.length;
  const tagged = m.partner.some((p) => p >= 0);
  const frames = new Map<number, Buffer>();
  const frameOf = m.freqs.map((f) => {
    if (!frames.has(f)) frames.set(f, toneFrame(f, m.amplitude));
    return frames.get(f)!;
  });
  const sendIdx = new Uint32Array(n);
  const sendTimes = new Float64Array(n * RING);
  const winStart = new Uint32Array(n);
  const winEnd = new Uint32Array(n).fill(0xffffffff);
  const recvWin = new Uint32Array(n); // tagged: packets of the partner's window received
  const recvAny = new Uint32Array(n); // packets received while the window is open
  const ssrc = new Uint32Array(n).map((_, i) => (0x10000000 + i * 7919) >>> 0);
  const seq0 = new Uint16Array(n).map((_, i) => (i * 977) & 0xffff);
  const ts0 = new Uint32Array(n).map((_, i) => (i * 104_729) >>> 0);
  const latHist = new Uint32Array(HIST + 1);
  const lateHist = new Uint32Array(HIST + 1);
  const sampleSet = new Set(m.sample);
  const kept = new Map<number, Buffer[]>(m.sample.map((l) => [l, []]));
  let windowOpen = false;
  /** Packets counted for the mixer's rate: only those that arrive inside the window itself. */
  let counting = false;

  socks.forEach((s, i) => {
    s.removeAllListeners('message');
    const p = m.partner[i]!;
    const keep = sampleSet.has(i) ? kept.get(i)! : null;
    s.on('message', (msg: Buffer) => {
      if (counting) recvAny[i]!++;
      if (msg.length !== SIZE) return;
      if (keep && windowOpen) {
        keep.push(Buffer.from(msg.subarray(12)));
        if (keep.length > 100) keep.shift();
      }
      if (p < 0) return;
      const tag = msg.readUInt32BE(SIZE - 4);
      if (tag >= winStart[p]! && tag < winEnd[p]!) recvWin[i]!++;
      if (sendIdx[p]! - tag < RING) {
        const lat = performance.now() - sendTimes[p * RING + (tag % RING)]!;
        latHist[Math.min(HIST, Math.max(0, Math.floor(lat * 100)))]!++;
      }
    });
  });

  // One schedule for all legs: leg j of round k is due at t0 + (k·n + j) × 20/n ms, so the
  // streams are spread evenly over the packet interval as independent phones would be.
  const step = FRAME_MS / n;
  const t0 = performance.now() + 50;
  const winStartT = t0 + m.warmupS * 1000;
  const winEndT = winStartT + m.seconds * 1000;
  let p = 0;
  let cpu0 = process.cpuUsage();
  let tWin = 0;
  let state: 'warmup' | 'window' | 'done' = 'warmup';

  const sendOne = (leg: number, now: number) => {
    const k = sendIdx[leg]!;
    const pkt = Buffer.allocUnsafe(SIZE);
    pkt[0] = 0x80;
    pkt[1] = 0; // PT 0, PCMU
    pkt.writeUInt16BE((seq0[leg]! + k) & 0xffff, 2);
    pkt.writeUInt32BE((ts0[leg]! + k * PAYLOAD) >>> 0, 4);
    pkt.writeUInt32BE(ssrc[leg]!, 8);
    frameOf[leg]!.copy(pkt, 12);
    if (tagged) pkt.writeUInt32BE(k, SIZE - 4);
    sendTimes[leg * RING + (k % RING)] = now;
    socks[leg]!.send(pkt, m.targets[leg]!, '127.0.0.1');
    sendIdx[leg] = k + 1;
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      let now = performance.now();
      if (state === 'warmup' && now >= winStartT) {
        state = 'window';
        winStart.set(sendIdx);
        latHist.fill(0);
        lateHist.fill(0);
        windowOpen = true;
        counting = true;
        cpu0 = process.cpuUsage();
        tWin = now;
        process.send!({ type: 'window-start' });
      }
      if (state === 'window' && now >= winEndT) {
        state = 'done';
        counting = false;
        winEnd.set(sendIdx);
        clearInterval(timer);
        resolve();
        return;
      }
      let c = 0;
      while (t0 + p * step <= now) {
        const due = t0 + p * step;
        if (state === 'window') lateHist[Math.min(HIST, Math.floor((now - due) * 100))]!++;
        sendOne(p % n, now);
        p++;
        if (++c % 32 === 0) now = performance.now();
      }
    };
    const timer = setInterval(tick, 1);
  });
  const cpu = process.cpuUsage(cpu0);
  const windowMs = performance.now() - tWin;
  process.send!({ type: 'window-end' });
  await new Promise((r) => setTimeout(r, 500)); // packets still in flight
  windowOpen = false;

  let sent = 0;
  let received = 0;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const s = winEnd[i]! - winStart[i]!;
    sent += s;
    const q = m.partner[i]!;
    if (q >= 0) {
      const sq = winEnd[q]! - winStart[q]!;
      received += recvWin[i]!;
      if (sq > 0) worst = Math.max(worst, (1 - recvWin[i]! / sq) * 100);
    }
  }
  const candidates = [...new Set(m.freqs)];
  const samples: LegSample[] = m.sample.map((leg) => {
    const bufs = kept.get(leg)!.slice(-50);
    const pcm = new Int16Array(bufs.length * PAYLOAD);
    bufs.forEach((b, j) => decodeG711(b, 'pcmu', pcm, j * PAYLOAD, PAYLOAD));
    let sq = 0;
    for (const v of pcm) sq += v * v;
    const others = candidates.filter((f) => f !== m.freqs[leg]);
    const d = pcm.length ? dominantFrequency(pcm, 8000, others) : { freq: NaN, ratio: 0 };
    return { leg, ownFreq: m.freqs[leg]!, rms: pcm.length ? Math.sqrt(sq / pcm.length) : 0, heardFreq: d.freq, heardRatio: d.ratio };
  });
  const res: LoadResult = {
    type: 'result',
    legs: n,
    sent,
    received,
    worstStreamLoss: worst,
    receivedInWindow: recvAny.reduce((a, b) => a + b, 0),
    latency: tagged ? { p50: percentile(latHist, 0.01, 0.5), p99: percentile(latHist, 0.01, 0.99), max: histMax(latHist, 0.01) } : null,
    late: { p50: percentile(lateHist, 0.01, 0.5), p99: percentile(lateHist, 0.01, 0.99), max: histMax(lateHist, 0.01) },
    cpuMs: (cpu.user + cpu.system) / 1000,
    windowMs,
    rtcpIn,
    samples,
  };
  process.send!(res);
}

process.on('message', (msg: { type: 'bind'; legs: number } | RunMsg | { type: 'close' } | { type: 'exit' }) => {
  if (msg.type === 'bind') void bindLegs(msg.legs);
  else if (msg.type === 'run') void run(msg);
  else if (msg.type === 'close') {
    for (const s of socks) s.close();
    sink?.close();
    socks = [];
    sink = null;
    process.send!({ type: 'closed' });
  } else process.disconnect();
});
