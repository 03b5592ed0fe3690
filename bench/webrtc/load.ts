/**
 * The far ends of bench/webrtc/run.ts, in their own process so that their CPU (werift's DTLS and
 * SRTP in JavaScript) is not counted as Hotline's. Per relay:
 * - a browser: a werift RTCPeerConnection that answers Hotline's offer (PCMU, one host candidate,
 *   `a=setup:passive`: Hotline's offer takes the DTLS client role) and sends 20 ms PCMU packets
 *   through its DTLS transport, SRTP-protected, and counts what arrives;
 * - a phone: a plain UDP socket that sends 20 ms PCMU to the relay's side a and counts what arrives.
 * For the plain RTP baseline (`plain`), side b is a second such phone instead of a browser.
 * Driven over the fork() IPC channel:
 *   parent → {type:'bind', legs, plain, address}  child → {type:'bound', ports, portsB, rtcpSink}
 *   parent → {type:'answer', i, offer, role}      child → {type:'answered', i, sdp}
 *   parent → {type:'await', ms}           child → {type:'connected', connected, failed, ms}
 *   parent → {type:'run', ...}            child → {type:'window-start'}, {type:'window-end'}, {type:'result', ...}
 *   parent → {type:'close'}               child → {type:'closed'}
 *
 * Hotline re-stamps SSRC, sequence and timestamp of the anchored G.711 call, so a packet is
 * recognised by a 32-bit send index in the last 4 bytes of its payload, which it forwards
 * untouched. Loss is counted per direction over the packets sent in the measured window.
 */
import { createSocket, type Socket } from 'node:dgram';
import {
  MediaStreamTrack,
  ProtectionProfileAes128CmHmacSha1_80,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  type RTCRtpTransceiver,
  type RtpPacket,
} from 'werift';
import { FRAME_SAMPLES, encodeG711 } from '../../src/media/audio/index.js';
import { installSafeUdpBind } from '../../src/media/webrtc/udp-bind.js';

export interface RunMsg {
  type: 'run';
  /** Where each phone socket sends: the relay's side a port. */
  targets: number[];
  /** Plain baseline only: where each side-b phone sends (the relay's side b port). */
  targetsB: number[];
  /** The address of the targets. */
  targetHost: string;
  warmupS: number;
  seconds: number;
}

export interface Direction {
  sent: number;
  received: number;
  /** Worst single stream's loss, %. */
  worst: number;
  latency: { p50: number; p99: number; max: number };
}

export interface LoadResult {
  type: 'result';
  legs: number;
  /** Browser → Hotline → phone, and phone → Hotline → browser. */
  toPhone: Direction;
  toBrowser: Direction;
  /** Send lateness against each packet's 20 ms schedule, ms. */
  late: { p50: number; p99: number; max: number };
  cpuMs: number;
  windowMs: number;
  /** Browser peers not connected at the end of the window. */
  notConnected: number;
}

interface DtlsLike {
  state: string;
  role: string;
  srtpProfiles: number[];
  iceTransport: { connection: { stunServer: unknown } };
  onRtp: { subscribe(cb: (p: RtpPacket) => void): unknown };
  sendRtp(payload: Buffer, header: RtpHeader): Promise<number>;
}

interface Browser {
  pc: RTCPeerConnection;
  transceiver: RTCRtpTransceiver;
  dtls: DtlsLike;
  connected: boolean;
  failed: boolean;
  onPacket: (payload: Buffer) => void;
}

const PAYLOAD = FRAME_SAMPLES;
const SIZE = 12 + PAYLOAD;
const RING = 1024;
const HIST = 20_000; // 0.01 ms buckets up to 200 ms
const FRAME_MS = 20;

let host = '';
let portRange: [number, number] = [50000, 59999];
let phones: Socket[] = [];
/** The plain baseline: side b is a second phone instead of a browser. */
let plainB: Socket[] = [];
let sink: Socket | null = null;
const browsers: Browser[] = [];

function bindSocket(address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type: 'udp4', recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
    s.once('error', reject);
    s.bind(0, address, () => resolve(s));
  });
}

async function bindPhones(n: number, plain: boolean, address: string): Promise<void> {
  phones = [];
  plainB = [];
  for (let i = 0; i < n; i++) phones.push(await bindSocket(address));
  if (plain) for (let i = 0; i < n; i++) plainB.push(await bindSocket(address));
  sink = await bindSocket(address);
  sink.on('message', () => undefined);
  process.send!({ type: 'bound', ports: phones.map((s) => s.address().port), portsB: plainB.map((s) => s.address().port), rtcpSink: sink.address().port });
}

const PCMU = () => new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 });
const TELEPHONE_EVENT = () =>
  new RTCRtpCodecParameters({ mimeType: 'audio/telephone-event', clockRate: 8000, channels: 1, payloadType: 101, parameters: '0-16' });

/**
 * Answers an offer as a browser would: as the DTLS server that Hotline's `a=setup:active` asks
 * for, or as the client that an `a=setup:passive` offer (rtpengine's) leaves.
 */
async function answer(i: number, offer: string, role: 'server' | 'client'): Promise<void> {
  installSafeUdpBind();
  const pc = new RTCPeerConnection({
    codecs: { audio: [PCMU(), TELEPHONE_EVENT()], video: [] },
    headerExtensions: { audio: [], video: [] },
    iceServers: [],
    icePortRange: portRange,
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [host],
    iceInterfaceAddresses: { udp4: host },
    bundlePolicy: 'max-bundle',
  });
  const transceiver = pc.addTransceiver(new MediaStreamTrack({ kind: 'audio' }), { direction: 'sendrecv' });
  const dtls = transceiver.dtlsTransport as unknown as DtlsLike;
  dtls.srtpProfiles = [ProtectionProfileAes128CmHmacSha1_80];
  for (const t of pc.iceTransports) (t.connection as unknown as { stunServer: unknown }).stunServer = undefined;
  const b: Browser = { pc, transceiver, dtls, connected: false, failed: false, onPacket: () => undefined };
  browsers[i] = b;
  pc.connectionStateChange.subscribe((s) => {
    if (s === 'connected') b.connected = true;
    if (s === 'failed' || s === 'closed') b.failed = true;
  });
  dtls.onRtp.subscribe((p) => b.onPacket(p.payload));
  // werift cannot parse `a=rtcp:<port>` without an address (rtpengine's offers carry one beside
  // a=rtcp-mux); with rtcp-mux the line says nothing.
  await pc.setRemoteDescription({ type: 'offer', sdp: offer.replace(/^a=rtcp:\d+\r?\n/m, '') });
  const a = await pc.createAnswer();
  await pc.setLocalDescription({ type: 'answer', sdp: a.sdp.replace(/^a=setup:\w+/m, role === 'server' ? 'a=setup:passive' : 'a=setup:active') });
  dtls.role = role;
  process.send!({ type: 'answered', i, sdp: pc.localDescription!.sdp });
}

async function awaitConnected(ms: number): Promise<void> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    if (browsers.every((b) => b.connected || b.failed)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  process.send!({
    type: 'connected',
    connected: browsers.filter((b) => b.connected && !b.failed).length,
    failed: browsers.filter((b) => b.failed).length,
    ms: performance.now() - t0,
  });
}

function percentile(hist: Uint32Array, p: number): number {
  let total = 0;
  for (const c of hist) total += c;
  if (!total) return NaN;
  const want = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i]!;
    if (seen >= want) return (i + 1) / 100;
  }
  return hist.length / 100;
}
const histMax = (hist: Uint32Array) => {
  for (let i = hist.length - 1; i >= 0; i--) if (hist[i]) return (i + 1) / 100;
  return NaN;
};

/** A continuous 400 Hz tone, one 20 ms frame (repeats seamlessly). */
function toneFrame(freq: number): Buffer {
  const pcm = new Int16Array(PAYLOAD);
  for (let i = 0; i < PAYLOAD; i++) pcm[i] = Math.round(4000 * Math.sin((2 * Math.PI * freq * i) / 8000));
  const out = Buffer.alloc(PAYLOAD);
  encodeG711(pcm, 'pcmu', out);
  return out;
}

/** Per-direction bookkeeping: stream `i` is sent by one end of relay i and received by the other. */
class Stream {
  readonly idx: Uint32Array;
  readonly times: Float64Array;
  readonly winStart: Uint32Array;
  readonly winEnd: Uint32Array;
  readonly recv: Uint32Array;
  readonly lat = new Uint32Array(HIST + 1);
  constructor(n: number) {
    this.idx = new Uint32Array(n);
    this.times = new Float64Array(n * RING);
    this.winStart = new Uint32Array(n);
    this.winEnd = new Uint32Array(n).fill(0xffffffff);
    this.recv = new Uint32Array(n);
  }
  sent(i: number, now: number): number {
    const k = this.idx[i]!;
    this.times[i * RING + (k % RING)] = now;
    this.idx[i] = k + 1;
    return k;
  }
  received(i: number, payload: Uint8Array): void {
    if (payload.length !== PAYLOAD) return;
    const tag = ((payload[PAYLOAD - 4]! << 24) | (payload[PAYLOAD - 3]! << 16) | (payload[PAYLOAD - 2]! << 8) | payload[PAYLOAD - 1]!) >>> 0;
    if (tag >= this.winStart[i]! && tag < this.winEnd[i]!) this.recv[i]!++;
    if (this.idx[i]! - tag < RING) {
      const l = performance.now() - this.times[i * RING + (tag % RING)]!;
      this.lat[Math.min(HIST, Math.max(0, Math.floor(l * 100)))]!++;
    }
  }
  result(): Direction {
    let sent = 0;
    let received = 0;
    let worst = 0;
    for (let i = 0; i < this.idx.length; i++) {
      const s = this.winEnd[i]! - this.winStart[i]!;
      sent += s;
      received += this.recv[i]!;
      if (s > 0) worst = Math.max(worst, (1 - this.recv[i]! / s) * 100);
    }
    return { sent, received, worst, latency: { p50: percentile(this.lat, 0.5), p99: percentile(this.lat, 0.99), max: histMax(this.lat) } };
  }
}

async function run(m: RunMsg): Promise<void> {
  const n = phones.length;
  const frame = toneFrame(400);
  const toPhone = new Stream(n);
  const toBrowser = new Stream(n);
  const lateHist = new Uint32Array(HIST + 1);
  const ssrc = (i: number) => (0x20000000 + i * 7919) >>> 0;

  phones.forEach((s, i) => {
    s.removeAllListeners('message');
    s.on('message', (msg: Buffer) => {
      if (msg.length === SIZE) toPhone.received(i, msg.subarray(12));
    });
  });
  browsers.forEach((b, i) => {
    b.onPacket = (payload) => toBrowser.received(i, payload);
  });
  plainB.forEach((s, i) => {
    s.removeAllListeners('message');
    s.on('message', (msg: Buffer) => {
      if (msg.length === SIZE) toBrowser.received(i, msg.subarray(12));
    });
  });

  // Browser i sends at slot 2i, phone i at slot 2i+1 of 2n slots spread over each 20 ms.
  const slots = 2 * n;
  const step = FRAME_MS / slots;
  const t0 = performance.now() + 50;
  const winStartT = t0 + m.warmupS * 1000;
  const winEndT = winStartT + m.seconds * 1000;
  let p = 0;
  let cpu0 = process.cpuUsage();
  let tWin = 0;
  let state: 'warmup' | 'window' | 'done' = 'warmup';

  const sendBrowser = (i: number, now: number) => {
    if (plainB.length) return sendPlainB(i, now);
    const b = browsers[i]!;
    const k = toPhone.sent(i, now);
    const payload = Buffer.allocUnsafe(PAYLOAD);
    frame.copy(payload);
    payload.writeUInt32BE(k >>> 0, PAYLOAD - 4);
    const header = new RtpHeader({ payloadType: 0, sequenceNumber: (i * 977 + k) & 0xffff, timestamp: (i * 104_729 + k * PAYLOAD) >>> 0, marker: k === 0, ssrc: b.transceiver.sender.ssrc });
    if (b.dtls.state === 'connected') void b.dtls.sendRtp(payload, header).catch(() => undefined);
  };
  const plainPacket = (i: number, k: number, ssrcOf: number) => {
    const pkt = Buffer.allocUnsafe(SIZE);
    pkt[0] = 0x80;
    pkt[1] = 0;
    pkt.writeUInt16BE((i * 331 + k) & 0xffff, 2);
    pkt.writeUInt32BE((i * 7_001 + k * PAYLOAD) >>> 0, 4);
    pkt.writeUInt32BE(ssrcOf, 8);
    frame.copy(pkt, 12);
    pkt.writeUInt32BE(k >>> 0, SIZE - 4);
    return pkt;
  };
  const sendPhone = (i: number, now: number) => {
    const k = toBrowser.sent(i, now);
    phones[i]!.send(plainPacket(i, k, ssrc(i)), m.targets[i]!, m.targetHost);
  };
  const sendPlainB = (i: number, now: number) => {
    const k = toPhone.sent(i, now);
    plainB[i]!.send(plainPacket(i, k, ssrc(i) ^ 0x40000000), m.targetsB[i]!, m.targetHost);
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      let now = performance.now();
      if (state === 'warmup' && now >= winStartT) {
        state = 'window';
        toPhone.winStart.set(toPhone.idx);
        toBrowser.winStart.set(toBrowser.idx);
        toPhone.recv.fill(0);
        toBrowser.recv.fill(0);
        toPhone.lat.fill(0);
        toBrowser.lat.fill(0);
        lateHist.fill(0);
        cpu0 = process.cpuUsage();
        tWin = now;
        process.send!({ type: 'window-start' });
      }
      if (state === 'window' && now >= winEndT) {
        state = 'done';
        toPhone.winEnd.set(toPhone.idx);
        toBrowser.winEnd.set(toBrowser.idx);
        clearInterval(timer);
        resolve();
        return;
      }
      let c = 0;
      while (t0 + p * step <= now) {
        const due = t0 + p * step;
        if (state === 'window') lateHist[Math.min(HIST, Math.floor((now - due) * 100))]!++;
        const slot = p % slots;
        if (slot & 1) sendPhone(slot >> 1, now);
        else sendBrowser(slot >> 1, now);
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
  const res: LoadResult = {
    type: 'result',
    legs: n,
    toPhone: toPhone.result(),
    toBrowser: toBrowser.result(),
    late: { p50: percentile(lateHist, 0.5), p99: percentile(lateHist, 0.99), max: histMax(lateHist) },
    cpuMs: (cpu.user + cpu.system) / 1000,
    windowMs,
    notConnected: plainB.length ? 0 : browsers.filter((b) => !b.connected || b.failed).length,
  };
  process.send!(res);
}

type Msg =
  | { type: 'init'; host: string; portRange: [number, number] }
  | { type: 'bind'; legs: number; plain: boolean; address: string }
  | { type: 'answer'; i: number; offer: string; role: 'server' | 'client' }
  | { type: 'await'; ms: number }
  | RunMsg
  | { type: 'close' }
  | { type: 'exit' };

process.on('message', (msg: Msg) => {
  if (msg.type === 'init') {
    host = msg.host;
    portRange = msg.portRange;
  } else if (msg.type === 'bind') void bindPhones(msg.legs, msg.plain, msg.address);
  else if (msg.type === 'answer')
    answer(msg.i, msg.offer, msg.role).catch((e: Error) => process.send!({ type: 'answered', i: msg.i, error: e.message }));
  else if (msg.type === 'await') void awaitConnected(msg.ms);
  else if (msg.type === 'run') void run(msg);
  else if (msg.type === 'close') {
    void (async () => {
      for (const s of [...phones, ...plainB]) s.close();
      sink?.close();
      phones = [];
      plainB = [];
      sink = null;
      await Promise.all(browsers.splice(0).map((b) => b.pc.close().catch(() => undefined)));
      process.send!({ type: 'closed' });
    })();
  } else process.disconnect();
});
