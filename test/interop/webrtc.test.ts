/**
 * Browser media against WebRtcLeg with real Chromium: both offer directions carry PCMU both ways
 * (a 1000 Hz fake microphone heard by Node, a 440 Hz tone from Node heard by the page), browser
 * DTMF arrives as RFC 4733 events at 8 kHz, a leg inside a worker thread connects, and garbage
 * datagrams or a forged fingerprint do not crash anything.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProtectionProfileAes128CmHmacSha1_80, RtpHeader, SrtpSession } from 'werift';
import { verifyDtlsPeer, type DtlsClientLike } from '../../src/media/webrtc/dtls-peer.js';
import { parseFingerprints } from '../../src/media/webrtc/sdp.js';
import { WebRtcLeg, type RtpIn, type WebRtcLegEvent } from '../../src/media/webrtc/index.js';
import { analyzeSamples, writeToneWav } from './support/audio.js';
import { chromiumAvailable, launchChromium, type Chromium } from './support/chromium.js';

const ci = process.env.CI === 'true';
const haveChromium = chromiumAvailable();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const near = (hz: number | null | undefined, want: number, tol = 10) => hz != null && Math.abs(hz - want) <= tol;

/**
 * The address the leg binds: Chromium leaves loopback out of its ICE candidates, so a host
 * interface is used when there is one (traffic to it still stays on this machine).
 */
const HOST = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address ?? '127.0.0.1';

// G.711 µ-law (ITU-T G.711), enough for a test tone.
function ulawDecode(u: number): number {
  u = ~u & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return (u & 0x80 ? 0x84 - t : t - 0x84) / 32768;
}
function ulawEncode(x: number): number {
  let s = Math.max(-32635, Math.min(32635, Math.round(x * 32767)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  s += 0x84;
  let exp = 7;
  for (let m = 0x4000; (s & m) === 0 && exp > 0; m >>= 1) exp--;
  return ~(sign | (exp << 4) | ((s >> (exp + 3)) & 0x0f)) & 0xff;
}
const pcmuSamples = (payloads: Buffer[]) => Float32Array.from(payloads.flatMap((p) => [...p].map(ulawDecode)));

/** The werift objects behind a leg, for feeding datagrams into its receive path. */
function asInternals(leg: WebRtcLeg) {
  const dtls = (leg as unknown as { transceiver: { dtlsTransport: unknown } }).transceiver.dtlsTransport as {
    dtls: { extractSessionKeys(keyLen: number, saltLen: number): { localKey: Buffer; localSalt: Buffer; remoteKey: Buffer; remoteSalt: Buffer } };
    iceTransport: {
      connection: {
        nominated?: {
          protocol: { datagramReceived(data: Buffer, addr: [string, number]): void };
          remoteCandidate: { host: string; port: number };
        };
      };
    };
  };
  return { dtls: dtls.dtls, connection: dtls.iceTransport.connection };
}

/** Sends a 440 Hz µ-law tone in 20 ms packets until stopped. */
function sendTone(leg: WebRtcLeg, hz = 440): () => void {
  let seq = Math.floor(Math.random() * 65536);
  let ts = Math.floor(Math.random() * 2 ** 32);
  let n = 0;
  const timer = setInterval(() => {
    const payload = Buffer.alloc(160);
    for (let i = 0; i < 160; i++) payload[i] = ulawEncode(0.5 * Math.sin((2 * Math.PI * hz * (n + i)) / 8000));
    n += 160;
    leg.sendRtp({ payloadType: 0, sequence: seq, timestamp: ts, marker: false, payload });
    seq = (seq + 1) & 0xffff;
    ts = (ts + 160) >>> 0;
  }, 20);
  return () => clearInterval(timer);
}

/** A leg with its events and received packets recorded. */
async function newLeg(opts: { mediaTimeoutMs?: number } = {}) {
  const events: WebRtcLegEvent[] = [];
  const rtp: RtpIn[] = [];
  const leg = await WebRtcLeg.create({ host: HOST, portRange: [46000, 46999], onEvent: (e) => events.push(e), ...opts });
  leg.onRtp((p) => rtp.push(p));
  legs.push(leg);
  return { leg, events, rtp };
}

async function until<T>(what: string, probe: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// Page-side code is plain JS strings: the project compiles without the DOM library.
const PAGE_SETUP = `async () => {
  const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
  const pc = new RTCPeerConnection({ iceServers: [] });
  for (const t of mic.getTracks()) pc.addTrack(t, mic);
  window.remote = new Promise((r) => { pc.ontrack = (e) => r(e.streams[0] ?? new MediaStream([e.track])); });
  window.pc = pc;
  window.gathered = () => new Promise((r) => {
    if (pc.iceGatheringState === 'complete') return r();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r());
  });
}`;
const PAGE_ANSWER = `async (sdp) => {
  await pc.setRemoteDescription({ type: 'offer', sdp });
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered();
  return pc.localDescription.sdp;
}`;
const PAGE_OFFER = `async () => {
  await pc.setLocalDescription(await pc.createOffer());
  await gathered();
  return pc.localDescription.sdp;
}`;
const PAGE_SET_ANSWER = `async (sdp) => { await pc.setRemoteDescription({ type: 'answer', sdp }); }`;
const PAGE_CONNECTED = `() => pc.connectionState`;
const PAGE_LISTEN = `async (ms) => hotlineProbe.dominantHz(await remote, ms)`;
const PAGE_DTMF = `(tones) => { pc.getSenders()[0].dtmf.insertDTMF(tones, 100, 70); }`;
const PAGE_CLOSE = `() => { window.pc?.close(); }`;

const run = <T>(page: Chromium['page'], fn: string, arg?: unknown): Promise<T> => page.evaluate(`(${fn})(${JSON.stringify(arg ?? null)})`) as Promise<T>;

let dir = '';
let wav = '';
let browser: Chromium | undefined;
const legs: WebRtcLeg[] = [];

beforeAll(async () => {
  if (!haveChromium) return;
  dir = mkdtempSync(join(tmpdir(), 'hotline-webrtc-'));
  wav = join(dir, 'mic-1000.wav');
  writeToneWav(wav, { frequencyHz: 1000, durationMs: 10_000, sampleRate: 48000, amplitude: 0.5 });
  browser = await launchChromium({ fakeAudioWav: wav });
});
afterEach(async () => {
  if (browser) await run(browser.page, PAGE_CLOSE).catch(() => undefined);
  await Promise.all(legs.splice(0).map((l) => l.close()));
});
afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Hotline offers, the page answers; resolves once the leg reports `connected`. */
async function hotlineOffers(opts: { alterAnswer?: (sdp: string) => string; mediaTimeoutMs?: number } = {}) {
  const page = browser!.page;
  const l = await newLeg({ mediaTimeoutMs: opts.mediaTimeoutMs });
  const offer = await l.leg.createOffer();
  await run(page, PAGE_SETUP);
  const answer = await run<string>(page, PAGE_ANSWER, offer);
  await l.leg.setAnswer(opts.alterAnswer ? opts.alterAnswer(answer) : answer);
  return { ...l, page, offer, answer };
}

/** The page offers, Hotline answers. */
async function browserOffers() {
  const page = browser!.page;
  const l = await newLeg();
  await run(page, PAGE_SETUP);
  const offer = await run<string>(page, PAGE_OFFER);
  const answer = await l.leg.answer(offer);
  await run(page, PAGE_SET_ANSWER, answer);
  return { ...l, page, offer, answer };
}

/** Both directions of audio and DTMF over a connected leg. */
async function checkMedia(l: Awaited<ReturnType<typeof hotlineOffers>>) {
  await until('connected', () => l.events.find((e) => e.type === 'connected'));
  const stop = sendTone(l.leg, 440);
  try {
    // Node hears the page's 1000 Hz microphone through PCMU.
    await until('2 s of PCMU', () => l.rtp.filter((p) => p.payloadType === 0).length >= 100);
    const pcmu = l.rtp.filter((p) => p.payloadType === 0).slice(-75);
    const heard = analyzeSamples(pcmuSamples(pcmu.map((p) => p.payload)), 8000, { skipMs: 0 });
    expect(heard.silent).toBe(false);
    expect(near(heard.dominantHz, 1000)).toBe(true);

    // The page hears Node's 440 Hz.
    const probe = await run<{ dominantHz: number | null; rms: number }>(l.page, PAGE_LISTEN, 1500);
    expect(near(probe.dominantHz, 440), `page heard ${JSON.stringify(probe)}`).toBe(true);

    // RTCDTMFSender → RFC 4733 events with the negotiated type and 8 kHz durations.
    const te = l.leg.negotiated?.telephoneEvent;
    expect(te).toBeDefined();
    expect(l.answer + l.offer).toMatch(new RegExp(`a=rtpmap:${te} telephone-event/8000`));
    await run(l.page, PAGE_DTMF, '5#');
    const ends = await until('two DTMF end packets', () => {
      const done = new Map<number, number>();
      for (const p of l.rtp) if (p.payloadType === te && p.payload.length >= 4 && p.payload[1]! & 0x80) done.set(p.payload[0]!, p.payload.readUInt16BE(2));
      return done.size >= 2 ? done : undefined;
    });
    expect([...ends.keys()]).toEqual([5, 11]);
    // 100 ms of tone is 800 units at 8 kHz (4800 would mean a 48 kHz event clock).
    for (const d of ends.values()) expect(d).toBeGreaterThanOrEqual(640), expect(d).toBeLessThanOrEqual(1280);
    expect(l.rtp.every((p) => p.payloadType === 0 || p.payloadType === te)).toBe(true);
  } finally {
    stop();
  }
  const s = l.leg.stats();
  expect(s.state).toBe('connected');
  expect(s.packetsIn).toBeGreaterThan(100);
  expect(s.packetsOut).toBeGreaterThan(50);
  expect(s.selectedPair?.local.address).toBe(HOST);
}

describe.skipIf(!haveChromium && !ci)('WebRtcLeg with Chromium', () => {
  it('Chromium is installed', () => {
    expect(haveChromium).toBe(true);
  });

  it('Hotline offers: PCMU both ways and DTMF at 8 kHz', async () => {
    const l = await hotlineOffers();
    expect(l.offer).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0 101\r$/m);
    expect(l.offer).toMatch(/a=candidate:.* typ host/);
    expect(l.offer).toContain('a=end-of-candidates');
    expect(l.offer).not.toContain('trickle');
    await checkMedia(l);
    await l.leg.close();
    await l.leg.close();
    expect(l.events.filter((e) => e.type === 'closed')).toHaveLength(1);
  });

  it('Chromium offers: Hotline answers PCMU + telephone-event/8000 only', async () => {
    const l = await browserOffers();
    expect(l.offer).toMatch(/telephone-event\/48000/); // what werift would otherwise have picked
    const m = /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF ([\d ]+)\r$/m.exec(l.answer);
    expect(m?.[1]?.split(' ').sort()).toEqual(['0', String(l.leg.negotiated?.telephoneEvent)].sort());
    expect(l.answer).not.toMatch(/opus|telephone-event\/48000/i);
    await checkMedia(l);
    // The agent hangs up in the browser: the leg learns it from DTLS close_notify.
    await run(l.page, PAGE_CLOSE);
    const end = await until('the leg to end', () => l.events.find((e) => e.type !== 'connected'));
    expect(end).toEqual({ type: 'closed', by: 'peer' });
  });

  it('refuses an offer without PCMU', async () => {
    const page = browser!.page;
    await run(page, PAGE_SETUP);
    const offer = await run<string>(page, PAGE_OFFER);
    const noPcmu = offer.replace(/^(m=audio \S+ \S+) (.*)$/m, (_, a: string, pts: string) => `${a} ${pts.split(' ').filter((p) => p !== '0').join(' ')}`);
    const { leg, events } = await newLeg();
    await expect(leg.answer(noPcmu)).rejects.toMatchObject({ code: 'MEDIA_WEBRTC_FAILED' });
    expect(events.map((e) => e.type)).toEqual(['failed']);
  });

  it('a forged browser fingerprint fails the leg with an event', async () => {
    const forge = (sdp: string) => sdp.replace(/^(a=fingerprint:\S+ )([0-9A-F]{2})/m, (_, a: string, h: string) => a + (h === '00' ? '01' : '00'));
    const l = await hotlineOffers({ alterAnswer: forge });
    const failed = await until('failed', () => l.events.find((e) => e.type === 'failed'));
    expect(failed).toMatchObject({ reason: expect.stringMatching(/fingerprint/) });
    expect(l.events.some((e) => e.type === 'connected')).toBe(false);
    expect(l.rtp).toHaveLength(0);
  });

  it('a browser that vanishes without closing fails the leg', async () => {
    const l = await hotlineOffers({ mediaTimeoutMs: 3000 });
    await until('connected', () => l.events.find((e) => e.type === 'connected'));
    await until('media', () => l.rtp.length > 10);
    const pids = browser!.pids();
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    try {
      const failed = await until('failed', () => l.events.find((e) => e.type === 'failed'), 10_000);
      expect(failed).toMatchObject({ reason: expect.stringMatching(/nothing heard/) });
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
  });

  it('the DTLS peer check needs the ServerKeyExchange signed by the fingerprinted certificate', async () => {
    const l = await hotlineOffers();
    await until('connected', () => l.events.find((e) => e.type === 'connected'));
    const client = (asInternals(l.leg).dtls as unknown as DtlsClientLike);
    const fingerprints = parseFingerprints(l.answer);
    expect(verifyDtlsPeer(client, fingerprints)).toBeUndefined();
    const ske = Object.values(client.dtls.handshakeCache).flatMap((f) => f.data).find((h) => h.msg_type === 12)!.fragment;
    const withSke = (fragment: Buffer): DtlsClientLike => ({ cipher: client.cipher, dtls: { handshakeCache: { 4: { data: [{ msg_type: 12, fragment }] } } } });
    const otherKey = Buffer.from(ske);
    otherKey[10]! ^= 0x01; // inside the ECDHE public key: as if a man in the middle swapped it
    expect(verifyDtlsPeer(withSke(otherKey), fingerprints)).toMatch(/signature/);
    const badSig = Buffer.from(ske);
    badSig[badSig.length - 1]! ^= 0x01;
    expect(verifyDtlsPeer(withSke(badSig), fingerprints)).toMatch(/signature/);
    expect(verifyDtlsPeer(client, [])).toMatch(/no fingerprint/);
  });

  it('garbage datagrams to the ICE port are dropped and the call keeps its audio', async () => {
    const l = await hotlineOffers();
    await until('connected', () => l.events.find((e) => e.type === 'connected'));
    const port = l.leg.stats().selectedPair!.local.port;
    const sock = createSocket('udp4');
    const junk: Buffer[] = [
      Buffer.alloc(0),
      Buffer.from([0x00]),
      Buffer.from([0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42]), // truncated STUN binding request
      Buffer.concat([Buffer.from([0x00, 0x01, 0xff, 0xf0, 0x21, 0x12, 0xa4, 0x42]), Buffer.alloc(12, 7)]), // STUN, bad length
      Buffer.from([0x16, 0xfe, 0xfd]), // truncated DTLS record header
      Buffer.concat([Buffer.from([0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 9, 0x00, 0x40]), Buffer.alloc(64, 1)]), // DTLS handshake garbage
      Buffer.from([0x15, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 5, 0, 2, 1, 0, 0]), // epoch-1 alert
      Buffer.from([0x15, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 9, 0, 2, 2, 0]), // plaintext close_notify
      Buffer.from([0x17, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 20, 0, 30, ...Buffer.alloc(30, 3)]), // application data
      Buffer.from([0x80, 0x00, 0x00]), // truncated RTP
      Buffer.concat([Buffer.from([0x80, 0x00, 0x12, 0x34, 0, 0, 0, 0, 1, 2, 3, 4]), Buffer.alloc(170, 0xff)]), // RTP, no valid tag
      Buffer.from([0x80, 0xc8, 0x00, 0x01]), // truncated RTCP
      Buffer.concat([Buffer.from([0x81, 0xc9, 0x00, 0x07]), Buffer.alloc(40, 9)]), // RTCP, no valid tag
      Buffer.alloc(9000, 0xab),
      ...Array.from({ length: 50 }, () => Buffer.from(Array.from({ length: 1 + Math.floor(Math.random() * 300) }, () => Math.floor(Math.random() * 256)))),
    ];
    for (const j of junk) await new Promise<void>((r) => sock.send(j, port, HOST, () => r()));
    sock.close();

    // The same junk as if it came from the browser's own address (a spoofed source, or a broken
    // peer): fed to the socket's receive path past the address filter.
    const internals = asInternals(l.leg);
    const pair = internals.connection.nominated!;
    const fromPeer = (b: Buffer) => pair.protocol.datagramReceived(b, [pair.remoteCandidate.host, pair.remoteCandidate.port]);
    for (const j of junk) fromPeer(j);

    // SRTP keyed like the browser's: authentic packets pass, a flipped tag bit does not.
    const keys = internals.dtls.extractSessionKeys(16, 14);
    const browserSide = new SrtpSession({
      keys: { localMasterKey: keys.remoteKey, localMasterSalt: keys.remoteSalt, remoteMasterKey: keys.localKey, remoteMasterSalt: keys.localSalt },
      profile: ProtectionProfileAes128CmHmacSha1_80,
    });
    const forgedSsrc = 0x11223344;
    const srtp = (seq: number) => browserSide.encrypt(Buffer.alloc(160, 0xff), new RtpHeader({ payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc: forgedSsrc }));
    const authBefore = l.leg.stats().dropped.srtpAuth;
    const bad = srtp(1);
    bad[bad.length - 1]! ^= 0x01;
    fromPeer(bad);
    fromPeer(srtp(2).subarray(0, 30)); // truncated: tag cut off
    fromPeer(srtp(3));
    await sleep(300);
    expect(l.rtp.filter((p) => p.ssrc === forgedSsrc).map((p) => p.sequence)).toEqual([3]);
    expect(l.leg.stats().dropped.srtpAuth).toBe(authBefore + 2);
    const before = l.rtp.length;
    await checkMedia(l);
    expect(l.rtp.length).toBeGreaterThan(before + 50);
    const s = l.leg.stats();
    expect(s.dropped.stranger).toBeGreaterThanOrEqual(10);
    expect(s.dropped.invalid).toBeGreaterThan(0);
    expect(s.dropped.srtcpAuth).toBeGreaterThan(0);
    expect(s.dtlsState).toBe('connected');
    expect(l.events.map((e) => e.type)).toEqual(['connected']);
  });

  it('a leg inside a worker thread connects with Chromium and receives audio', async () => {
    const require = createRequire(import.meta.url);
    const leg = fileURLToPath(new URL('../../src/media/webrtc/index.ts', import.meta.url));
    // The engine's own TypeScript loading (src/media/engine.ts): tsx's CJS hook, per thread.
    const source = `
      require(${JSON.stringify(require.resolve('tsx/cjs'))});
      const { WebRtcLeg } = require(${JSON.stringify(leg)});
      const { parentPort } = require('node:worker_threads');
      let l;
      parentPort.on('message', async (m) => {
        try {
          if (m.type === 'offer') {
            l = await WebRtcLeg.create({ host: m.host, onEvent: (e) => parentPort.postMessage({ type: 'event', event: e }) });
            l.onRtp((p) => p.payloadType === 0 && parentPort.postMessage({ type: 'rtp', payload: p.payload }));
            parentPort.postMessage({ type: 'offer', sdp: await l.createOffer() });
          } else if (m.type === 'answer') {
            await l.setAnswer(m.sdp);
          } else if (m.type === 'close') {
            await l.close();
            parentPort.postMessage({ type: 'closed', stats: l.stats() });
          }
        } catch (e) {
          parentPort.postMessage({ type: 'error', message: String(e && e.stack || e) });
        }
      });`;
    const worker = new Worker(source, { eval: true });
    const got: { type: string; sdp?: string; payload?: Uint8Array; event?: WebRtcLegEvent; message?: string }[] = [];
    worker.on('message', (m) => got.push(m));
    try {
      worker.postMessage({ type: 'offer', host: HOST });
      const offer = await until('offer from the worker', () => got.find((m) => m.type === 'offer' || m.type === 'error'), 20_000);
      expect(offer.message).toBeUndefined();
      await run(browser!.page, PAGE_SETUP);
      worker.postMessage({ type: 'answer', sdp: await run<string>(browser!.page, PAGE_ANSWER, offer.sdp) });
      await until('connected in the worker', () => got.find((m) => m.type === 'event' && m.event?.type === 'connected'));
      await until('1.5 s of PCMU in the worker', () => got.filter((m) => m.type === 'rtp').length >= 75);
      const payloads = got.filter((m) => m.type === 'rtp').slice(-50).map((m) => Buffer.from(m.payload!));
      expect(near(analyzeSamples(pcmuSamples(payloads), 8000, { skipMs: 0 }).dominantHz, 1000)).toBe(true);
      worker.postMessage({ type: 'close' });
      await until('closed', () => got.find((m) => m.type === 'closed'));
      expect(got.filter((m) => m.type === 'error')).toEqual([]);
    } finally {
      await worker.terminate();
    }
  });
});
