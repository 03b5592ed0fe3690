/**
 * The load generator of bench/rtp/run.ts, in its own process so that its CPU is not counted as
 * Hotline's. For each relay it plays two endpoints (A and B) that each send one RTP stream to the
 * relay and receive the other's. Every packet carries its send time, so latency is measured on one
 * clock. Driven over the fork() IPC channel:
 *   parent → {type:'setup', relays, size}       child → {type:'endpoints', ports}
 *   parent → {type:'run', pps, seconds, direct} child → {type:'result', ...}
 */
import { createSocket, type Socket } from 'node:dgram';

interface Setup {
  type: 'setup';
  relays: { a: number; b: number }[];
  size: number;
}
interface Run {
  type: 'run';
  pps: number;
  seconds: number;
  /** Baseline: A sends straight to B's socket, no relay. */
  direct: boolean;
}

interface Leg {
  sock: Socket;
  port: number;
  /** where this endpoint sends */
  to: number;
  directTo: number;
  ssrc: number;
  seq: number;
  received: number;
}

const legs: Leg[] = [];
let size = 172;
let latencies = new Float64Array(0);
let nLat = 0;

function bind(): Promise<Socket> {
  return new Promise((resolve) => {
    const s = createSocket({ type: 'udp4', recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}

async function setup(m: Setup): Promise<void> {
  size = m.size;
  for (const [i, r] of m.relays.entries()) {
    const [a, b] = await Promise.all([bind(), bind()]);
    const la: Leg = { sock: a, port: a.address().port, to: r.a, directTo: 0, ssrc: 2 * i, seq: 0, received: 0 };
    const lb: Leg = { sock: b, port: b.address().port, to: r.b, directTo: 0, ssrc: 2 * i + 1, seq: 0, received: 0 };
    la.directTo = lb.port;
    lb.directTo = la.port;
    for (const leg of [la, lb]) {
      leg.sock.on('message', (msg) => {
        leg.received++;
        if (msg.length >= 20 && nLat < latencies.length) latencies[nLat++] = performance.now() - msg.readDoubleBE(12);
      });
      legs.push(leg);
    }
  }
  process.send!({ type: 'endpoints', ports: m.relays.map((_, i) => ({ a: legs[2 * i]!.port, b: legs[2 * i + 1]!.port })) });
}

async function run(m: Run): Promise<void> {
  for (const l of legs) {
    l.received = 0;
    l.seq = 0;
  }
  latencies = new Float64Array(Math.ceil(legs.length * m.pps * (m.seconds + 1)));
  nLat = 0;
  const interval = 1000 / m.pps;
  // Streams start spread over one packet interval, as real calls do, rather than in one burst.
  const due = legs.map((_, i) => (i / legs.length) * interval);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + m.seconds * 1000;
  let sent = 0;
  let lateMax = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (now >= end) {
        clearInterval(timer);
        resolve();
        return;
      }
      for (let i = 0; i < legs.length; i++) {
        const l = legs[i]!;
        while (t0 + due[i]! <= now) {
          lateMax = Math.max(lateMax, now - (t0 + due[i]!));
          const pkt = Buffer.alloc(size);
          // RTP header (RFC 3550 §5.1): V=2, PT 0 (PCMU), sequence, timestamp, SSRC
          pkt[0] = 0x80;
          pkt.writeUInt16BE(l.seq & 0xffff, 2);
          pkt.writeUInt32BE((l.seq * 160) >>> 0, 4);
          pkt.writeUInt32BE(l.ssrc, 8);
          pkt.writeDoubleBE(performance.now(), 12);
          l.sock.send(pkt, m.direct ? l.directTo : l.to, '127.0.0.1');
          l.seq++;
          sent++;
          due[i]! += interval;
        }
      }
    };
    const timer = setInterval(tick, 1);
  });
  await new Promise((r) => setTimeout(r, 1000)); // drain
  const cpu = process.cpuUsage(cpu0);
  const received = legs.reduce((n, l) => n + l.received, 0);
  const lat = latencies.subarray(0, nLat).sort();
  const q = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.ceil(p * lat.length) - 1)]! : NaN);
  process.send!({ type: 'result', sent, received, p50: q(0.5), p99: q(0.99), max: q(1), lateMax, cpuMs: (cpu.user + cpu.system) / 1000 });
}

process.on('message', (m: Setup | Run | { type: 'exit' }) => {
  if (m.type === 'setup') void setup(m);
  else if (m.type === 'run') void run(m);
  else {
    for (const l of legs) l.sock.close();
    process.disconnect();
  }
});
