/**
 * The engine end to end: relays in a real worker thread, real UDP on loopback. Each suite uses its
 * own port range below Linux's ephemeral range (32768+), so test endpoints never collide with it.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaEngine, MediaError, type MediaEngineEvent, type MediaEngineOptions } from './index.js';
import { startMediaEngine } from './engine.js';

const engines: MediaEngine[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
  for (const s of sockets.splice(0)) s.close();
});

/** A range of `size` ports unique to this call (vitest may run files in parallel processes). */
let rangeCursor = 24000 + (process.pid % 20) * 400;
function range(size: number): { portMin: number; portMax: number } {
  const portMin = rangeCursor;
  rangeCursor += size + 2;
  return { portMin, portMax: portMin + size - 1 };
}

async function start(opts: Partial<MediaEngineOptions> = {}, testHooks = false): Promise<MediaEngine> {
  const e = await startMediaEngine({ host: '127.0.0.1', ...range(40), ...opts }, { testHooks });
  engines.push(e);
  return e;
}

interface Ep {
  s: Socket;
  port: number;
  got: Buffer[];
  from: number[];
}
async function endpoint(host = '127.0.0.1'): Promise<Ep> {
  const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  sockets.push(s);
  await new Promise<void>((r) => s.bind(0, host, () => r()));
  const ep: Ep = { s, port: s.address().port, got: [], from: [] };
  s.on('message', (m, r) => {
    ep.got.push(m);
    ep.from.push(r.port);
  });
  return ep;
}

/** An RTP packet (RFC 3550 §5.1): V=2, PT 0, sequence number `seq`, then `payload`. */
const rtp = (seq: number, payload = `hello ${seq}`) =>
  Buffer.concat([Buffer.from([0x80, 0x00, seq >> 8, seq & 255, 0, 0, 0, 160, 0xde, 0xad, 0xbe, 0xef]), Buffer.from(payload)]);
/** An RTCP receiver report without blocks (RFC 3550 §6.4.2): V=2, PT 201, length 1. */
const rtcp = (ssrc: number) => Buffer.from([0x81 & 0xc0, 201, 0, 1, ssrc >> 24, (ssrc >> 16) & 255, (ssrc >> 8) & 255, ssrc & 255]);
const send = (s: Socket, buf: Buffer, port: number, host = '127.0.0.1') => new Promise<void>((r) => s.send(buf, port, host, () => r()));

async function until(cond: () => boolean, what: string, ms = 3_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
const pause = (ms = 100) => new Promise((r) => setTimeout(r, ms));

const bindable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

describe('MediaEngine relay', () => {
  it('relays RTP both ways with the payload intact', async () => {
    const engine = await start();
    const relay = await engine.createRelay();
    expect(relay.a.address).toBe('127.0.0.1');
    expect(relay.a.port % 2).toBe(0);
    expect(relay.b.port % 2).toBe(0);
    const alice = await endpoint();
    const bob = await endpoint();
    await relay.setPeer('a', { address: '127.0.0.1', rtpPort: alice.port });
    await relay.setPeer('b', { address: '127.0.0.1', rtpPort: bob.port });

    for (let i = 0; i < 20; i++) await send(alice.s, rtp(i, `a→b ${i} ${'x'.repeat(i * 7)}`), relay.a.port);
    for (let i = 0; i < 20; i++) await send(bob.s, rtp(1000 + i, `b→a ${i}`), relay.b.port);
    await until(() => bob.got.length === 20 && alice.got.length === 20, 'both directions');

    expect(bob.got.map((m) => m.toString('latin1'))).toEqual([...Array(20).keys()].map((i) => rtp(i, `a→b ${i} ${'x'.repeat(i * 7)}`).toString('latin1')));
    expect(alice.got.map((m) => m.toString('latin1'))).toEqual([...Array(20).keys()].map((i) => rtp(1000 + i, `b→a ${i}`).toString('latin1')));
    // symmetric RTP: each party hears from the very port it sends to
    expect(new Set(bob.from)).toEqual(new Set([relay.b.port]));
    expect(new Set(alice.from)).toEqual(new Set([relay.a.port]));

    const st = await relay.stats();
    const bytesAB = bob.got.reduce((n, m) => n + m.length, 0);
    expect(st.a).toMatchObject({ packetsIn: 20, bytesIn: bytesAB, packetsOut: 20, dropped: 0, invalid: 0, latched: { address: '127.0.0.1', port: alice.port } });
    expect(st.b).toMatchObject({ packetsIn: 20, packetsOut: 20, bytesOut: bytesAB, latched: { address: '127.0.0.1', port: bob.port } });
    expect(await engine.stats()).toEqual({ relays: 1, workers: 1 });
  });

  it('sets peers given at creation, and a bad one fails the creation without leaking the relay', async () => {
    const engine = await start();
    const alice = await endpoint();
    const bob = await endpoint();
    const relay = await engine.createRelay({ a: { address: '127.0.0.1', rtpPort: alice.port }, b: { address: '127.0.0.1', rtpPort: bob.port } });
    await send(alice.s, rtp(1, 'hello'), relay.a.port);
    await until(() => bob.got.length === 1, 'relayed without setPeer');
    await relay.close();
    await expect(engine.createRelay({ a: { address: 'example.com', rtpPort: 5000 } })).rejects.toMatchObject({ code: 'MEDIA_BAD_PEER' });
    expect(await engine.stats()).toEqual({ relays: 0, workers: 1 });
  });

  it('relays over IPv6 and matches peers written in any IPv6 form', async () => {
    const engine = await start({ host: '::1' });
    const relay = await engine.createRelay();
    expect(relay.a.address).toBe('::1');
    const alice = await endpoint('::1');
    const bob = await endpoint('::1');
    await relay.setPeer('a', { address: '0:0:0:0:0:0:0:1', rtpPort: alice.port });
    await relay.setPeer('b', { address: '::1', rtpPort: bob.port });
    await send(alice.s, rtp(1), relay.a.port, '::1');
    await until(() => bob.got.length === 1, 'IPv6 A → B');
    await send(bob.s, rtp(2), relay.b.port, '::1');
    await until(() => alice.got.length === 1, 'IPv6 B → A');
    expect((await relay.stats()).a.latched).toEqual({ address: '::1', port: alice.port });
    await expect(relay.setPeer('a', { address: '127.0.0.1', rtpPort: 5000 })).rejects.toMatchObject({ code: 'MEDIA_BAD_PEER' });
  });

  it('writes publicAddress as the relay address', async () => {
    const engine = await start({ publicAddress: '203.0.113.9' });
    const relay = await engine.createRelay();
    expect(relay.a.address).toBe('203.0.113.9');
    expect(relay.b.address).toBe('203.0.113.9');
  });

  it('drops packets from a stranger (another IP, or another port while the peer is live)', async () => {
    const engine = await start();
    const relay = await engine.createRelay();
    const alice = await endpoint();
    const bob = await endpoint();
    const stranger = await endpoint('127.0.0.2');
    const sameIpStranger = await endpoint();
    await relay.setPeer('a', { address: '127.0.0.1', rtpPort: alice.port });
    await relay.setPeer('b', { address: '127.0.0.1', rtpPort: bob.port });

    await send(stranger.s, rtp(666), relay.a.port);
    await send(stranger.s, rtp(667), relay.b.port);
    await send(stranger.s, rtcp(1), relay.a.port + 1);
    await send(alice.s, rtp(1), relay.a.port);
    await until(() => bob.got.length === 1, 'the peer packet');
    await send(sameIpStranger.s, rtp(668), relay.a.port); // latched port is live: not a takeover
    await send(alice.s, rtp(2), relay.a.port);
    await until(() => bob.got.length === 2, 'the second peer packet');
    await pause();

    expect(bob.got.map((m) => m.readUInt16BE(2))).toEqual([1, 2]);
    expect(alice.got).toEqual([]);
    const st = await relay.stats();
    expect(st.a.dropped).toBe(2);
    expect(st.b.dropped).toBe(1);
    expect(st.a.rtcp.dropped).toBe(1);
    expect(st.a.packetsIn).toBe(2);
  });

  it('drops everything before setPeer, and counts what could not be sent', async () => {
    const engine = await start();
    const relay = await engine.createRelay();
    const alice = await endpoint();
    let st = await relay.stats();
    await send(alice.s, rtp(1), relay.a.port);
    for (const t0 = Date.now(); st.a.dropped === 0 && Date.now() - t0 < 3000; ) st = await relay.stats();
    await relay.setPeer('a', { address: '127.0.0.1', rtpPort: alice.port });
    await send(alice.s, rtp(2), relay.a.port); // accepted, but side b has no peer yet
    for (const t0 = Date.now(); st.b.unsent === 0 && Date.now() - t0 < 3000; ) st = await relay.stats();
    expect(st.a).toMatchObject({ dropped: 1, packetsIn: 1 });
    expect(st.b).toMatchObject({ unsent: 1, packetsOut: 0 });
  });

  it('latches the port the peer really sends from (same IP, not the SDP port)', async () => {
    const engine = await start();
    const relay = await engine.createRelay();
    const sdpSocket = await endpoint(); // what Alice's SDP announced
    const natted = await endpoint(); // where her packets really come from (a NAT, RFC 4961)
    const bob = await endpoint();
    await relay.setPeer('a', { address: '127.0.0.1', rtpPort: sdpSocket.port });
    await relay.setPeer('b', { address: '127.0.0.1', rtpPort: bob.port });

    // before Alice sends anything, Bob's media goes to the SDP address
    await send(bob.s, rtp(1), relay.b.port);
    await until(() => sdpSocket.got.length === 1, 'media to the SDP port');
    expect((await relay.stats()).a.latched).toBeNull();

    await send(natted.s, rtp(2), relay.a.port);
    await until(() => bob.got.length === 1, 'Alice via the relay');
    expect((await relay.stats()).a.latched).toEqual({ address: '127.0.0.1', port: natted.port });

    await send(bob.s, rtp(3), relay.b.port);
    await until(() => natted.got.length === 1, 'media to the latched port');
    await pause();
    expect(sdpSocket.got).toHaveLength(1);
    expect(natted.got[0]!.readUInt16BE(2)).toBe(3);
  });

  it('relays RTCP on port + 1, to rtcpPort when given (RFC 3605)', async () => {
    const engine = await start();
    const relay = await engine.createRelay();
    const aRtp = await endpoint();
    const aRtcp = await endpoint();
    const bRtp = await endpoint();
    const bRtcp = await endpoint();
    await relay.setPeer('a', { address: '127.0.0.1', rtpPort: aRtp.port, rtcpPort: aRtcp.port });
    await relay.setPeer('b', { address: '127.0.0.1', rtpPort: bRtp.port, rtcpPort: bRtcp.port });

    await send(aRtcp.s, rtcp(0x11111111), relay.a.port + 1);
    await send(bRtcp.s, rtcp(0x22222222), relay.b.port + 1);
    await until(() => bRtcp.got.length === 1 && aRtcp.got.length === 1, 'RTCP both ways');
    expect(bRtcp.got[0]).toEqual(rtcp(0x11111111));
    expect(aRtcp.got[0]).toEqual(rtcp(0x22222222));
    expect(bRtcp.from).toEqual([relay.b.port + 1]);
    expect(bRtp.got).toEqual([]);
    const st = await relay.stats();
    expect(st.a.rtcp).toMatchObject({ packetsIn: 1, packetsOut: 1, latched: { port: aRtcp.port } });
    expect(st.a.packetsIn).toBe(0);
  });

  it('an old-style hold peer (0.0.0.0, RFC 3264 §8.4) gets nothing', async () => {
    const engine = await start();
    const relay = await engine.createRelay();
    const alice = await endpoint();
    const bob = await endpoint();
    await relay.setPeer('a', { address: '127.0.0.1', rtpPort: alice.port });
    await relay.setPeer('b', { address: '0.0.0.0', rtpPort: bob.port });
    await send(alice.s, rtp(1), relay.a.port);
    let st = await relay.stats();
    for (const t0 = Date.now(); st.b.unsent === 0 && Date.now() - t0 < 3000; ) st = await relay.stats();
    await pause();
    expect(bob.got).toEqual([]);
    expect(st.a.packetsIn).toBe(1);
    expect(st.b.unsent).toBe(1);
  });

  it('survives garbage datagrams', async () => {
    const engine = await start();
    const relay = await engine.createRelay();
    const alice = await endpoint();
    const bob = await endpoint();
    const stranger = await endpoint('127.0.0.2');
    await relay.setPeer('a', { address: '127.0.0.1', rtpPort: alice.port });
    await relay.setPeer('b', { address: '127.0.0.1', rtpPort: bob.port });
    const garbage = [
      Buffer.alloc(0),
      Buffer.from([0x80]),
      Buffer.alloc(11, 0x80), // one byte short of an RTP header
      Buffer.from('INVITE sip:x SIP/2.0\r\n\r\n'), // version 1 ('I' = 0x49)
      Buffer.alloc(200, 0x00), // version 0
      Buffer.alloc(200, 0xff), // version 3
      Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), // a STUN request
      Buffer.alloc(9000, 0x55),
    ];
    for (let i = 0; i < 50; i++) garbage.push(Buffer.from(Array.from({ length: (i * 37) % 300 }, (_, j) => (j * 131 + i) & 0x3f)));
    for (const g of garbage) {
      for (const port of [relay.a.port, relay.a.port + 1, relay.b.port, relay.b.port + 1]) {
        await send(alice.s, g, port);
        await send(stranger.s, g, port);
      }
    }
    await send(alice.s, rtp(7), relay.a.port);
    await until(() => bob.got.length === 1, 'a good packet after the garbage');
    expect(bob.got[0]!.readUInt16BE(2)).toBe(7);
    const st = await relay.stats();
    expect(st.a.invalid).toBe(garbage.length);
    expect(st.a.dropped).toBe(garbage.length);
    expect(st.a.rtcp.invalid).toBeGreaterThan(40); // RTCP takes 8 bytes and more: some random ones pass as v2
    expect(await engine.stats()).toEqual({ relays: 1, workers: 1 });
  });
});

describe('MediaEngine ports', () => {
  it('fails with MEDIA_PORTS_EXHAUSTED when the range is used up, and close frees ports', async () => {
    const r = range(8); // 4 pairs = 2 relays
    const engine = await start(r);
    const one = await engine.createRelay();
    const two = await engine.createRelay();
    const all = [one.a.port, one.b.port, two.a.port, two.b.port];
    expect(new Set(all).size).toBe(4);
    for (const p of all) {
      expect(p).toBeGreaterThanOrEqual(r.portMin);
      expect(p + 1).toBeLessThanOrEqual(r.portMax);
    }
    const err = await engine.createRelay().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect(err).toMatchObject({ code: 'MEDIA_PORTS_EXHAUSTED', kind: 'unavailable' });

    expect(await bindable(one.a.port)).toBe(false);
    await one.close();
    await one.close(); // safe to repeat
    for (const p of [one.a.port, one.a.port + 1, one.b.port, one.b.port + 1]) expect(await bindable(p)).toBe(true);
    await expect(one.setPeer('a', { address: '127.0.0.1', rtpPort: 5000 })).rejects.toMatchObject({ code: 'MEDIA_RELAY_CLOSED' });
    await expect(one.stats()).rejects.toMatchObject({ code: 'MEDIA_RELAY_CLOSED' });

    const three = await engine.createRelay();
    expect([three.a.port, three.b.port].sort()).toEqual([one.a.port, one.b.port].sort());
    expect(await engine.stats()).toEqual({ relays: 2, workers: 1 });
  });

  it('skips ports another process holds', async () => {
    const r = range(12); // 6 pairs
    const squatter = createSocket('udp4');
    sockets.push(squatter);
    await new Promise<void>((res) => squatter.bind(r.portMin + 1, '127.0.0.1', () => res())); // the first pair's RTCP port
    const engine = await start(r);
    const relay = await engine.createRelay();
    expect([relay.a.port, relay.b.port]).not.toContain(r.portMin);
  });

  it('close() closes every relay, frees the ports and is safe to repeat', async () => {
    const engine = await start();
    const relays = await Promise.all([engine.createRelay(), engine.createRelay(), engine.createRelay()]);
    await engine.close();
    await engine.close();
    for (const rl of relays) for (const p of [rl.a.port, rl.a.port + 1, rl.b.port, rl.b.port + 1]) expect(await bindable(p)).toBe(true);
    await expect(engine.createRelay()).rejects.toMatchObject({ code: 'MEDIA_ENGINE_CLOSED' });
    await expect(relays[0]!.setPeer('a', { address: '127.0.0.1', rtpPort: 5000 })).rejects.toMatchObject({ code: 'MEDIA_RELAY_CLOSED' });
    await relays[0]!.close();
    expect(await engine.stats()).toEqual({ relays: 0, workers: 0 });
  });
});

describe('MediaEngine validation', () => {
  it('refuses bad options', async () => {
    const bad = (o: Partial<MediaEngineOptions>) => MediaEngine.start({ host: '127.0.0.1', portMin: 20000, portMax: 20100, ...o });
    await expect(bad({ host: 'localhost' })).rejects.toMatchObject({ code: 'MEDIA_BAD_OPTIONS' });
    await expect(bad({ host: '0.0.0.0' })).rejects.toMatchObject({ code: 'MEDIA_BAD_OPTIONS' });
    await expect(bad({ portMin: 20100, portMax: 20000 })).rejects.toMatchObject({ code: 'MEDIA_BAD_OPTIONS' });
    await expect(bad({ portMax: 20002 })).rejects.toMatchObject({ code: 'MEDIA_BAD_OPTIONS' });
    await expect(bad({ workers: 0 })).rejects.toMatchObject({ code: 'MEDIA_BAD_OPTIONS' });
    await expect(bad({ publicAddress: 'relay.example.com' })).rejects.toMatchObject({ code: 'MEDIA_BAD_OPTIONS' });
  });

  it('refuses a bad peer with a coded error', async () => {
    const engine = await start();
    const relay = await engine.createRelay();
    await expect(relay.setPeer('a', { address: '::1', rtpPort: 5000 })).rejects.toMatchObject({ code: 'MEDIA_BAD_PEER', kind: 'invalid' });
    await expect(relay.setPeer('a', { address: 'example.com', rtpPort: 5000 })).rejects.toMatchObject({ code: 'MEDIA_BAD_PEER' });
    await expect(relay.setPeer('a', { address: '127.0.0.1', rtpPort: 70000 })).rejects.toMatchObject({ code: 'MEDIA_BAD_PEER' });
    await expect(relay.setPeer('a', { address: '127.0.0.1', rtpPort: 5000, rtcpPort: -1 })).rejects.toMatchObject({ code: 'MEDIA_BAD_PEER' });
    await expect(relay.setPeer('c' as 'a', { address: '127.0.0.1', rtpPort: 5000 })).rejects.toMatchObject({ code: 'MEDIA_BAD_PEER' });
  });
});

describe('MediaEngine workers', () => {
  it('spreads relays over workers round-robin', async () => {
    const events: MediaEngineEvent[] = [];
    const engine = await start({ workers: 2, onEvent: (e) => events.push(e) }, true);
    const relays = [];
    for (let i = 0; i < 4; i++) relays.push(await engine.createRelay());
    expect(await engine.stats()).toEqual({ relays: 4, workers: 2 });
    // crashing worker 0 loses exactly the relays it held: the 1st and the 3rd
    await expect(engine._crashWorker(0)).rejects.toMatchObject({ code: 'MEDIA_WORKER_CRASHED' });
    await until(() => events.some((e) => e.type === 'worker-respawned'), 'the respawn');
    const crashed = events.find((e) => e.type === 'worker-crashed');
    expect(crashed).toMatchObject({ worker: 0, lostRelays: [relays[0]!.id, relays[2]!.id] });
    expect(await engine.stats()).toEqual({ relays: 2, workers: 2 });
  });

  it('with lazyWorkers, starts one worker and the others with the first call', async () => {
    const engine = await start({ workers: 2, lazyWorkers: true });
    expect(await engine.stats()).toEqual({ relays: 0, workers: 1 });
    const relays = [await engine.createRelay(), await engine.createRelay()];
    expect(await engine.stats()).toEqual({ relays: 2, workers: 2 });
    await Promise.all(relays.map((r) => r.close()));
  });

  it('a worker crash rejects pending requests, is reported, and the worker is respawned', async () => {
    const events: MediaEngineEvent[] = [];
    const engine = await start({ onEvent: (e) => events.push(e) }, true);
    const relay = await engine.createRelay();
    const alice = await endpoint();
    const bob = await endpoint();
    await relay.setPeer('a', { address: '127.0.0.1', rtpPort: alice.port });
    const portsBefore = engine._portsInUse;
    expect(portsBefore).toBe(2);

    // the crash op never answers and throws an uncaught error on the next turn: it is the
    // request pending when the worker dies
    await expect(engine._crashWorker(0)).rejects.toMatchObject({ code: 'MEDIA_WORKER_CRASHED', kind: 'unavailable' });
    await until(() => events.some((e) => e.type === 'worker-respawned'), 'the respawn');
    expect(events[0]).toMatchObject({ type: 'worker-crashed', worker: 0, exitCode: 1, lostRelays: [relay.id] });
    expect((events[0] as { error?: string }).error).toMatch(/crash requested by a test/);

    // the lost relay is closed, its ports are free for the OS and for us
    expect(engine._portsInUse).toBe(0);
    await expect(relay.setPeer('b', { address: '127.0.0.1', rtpPort: bob.port })).rejects.toMatchObject({ code: 'MEDIA_RELAY_CLOSED' });
    await relay.close();
    for (const p of [relay.a.port, relay.a.port + 1]) expect(await bindable(p)).toBe(true);

    // the new worker relays
    const again = await engine.createRelay();
    await again.setPeer('a', { address: '127.0.0.1', rtpPort: alice.port });
    await again.setPeer('b', { address: '127.0.0.1', rtpPort: bob.port });
    await send(alice.s, rtp(1), again.a.port);
    await until(() => bob.got.length === 1, 'relay on the respawned worker');
    expect(await engine.stats()).toEqual({ relays: 1, workers: 1 });
  });

  it('gives a slot up after repeated crashes', async () => {
    const events: MediaEngineEvent[] = [];
    const engine = await start({ onEvent: (e) => events.push(e) }, true);
    for (let i = 0; i < 6; i++) {
      await until(() => events.filter((e) => e.type === 'worker-respawned').length === i, `respawn ${i}`, 10_000);
      await engine._crashWorker(0).catch(() => undefined);
      await until(() => events.filter((e) => e.type === 'worker-crashed').length === i + 1, `crash ${i + 1}`, 10_000);
    }
    expect(events.at(-1)).toMatchObject({ type: 'worker-failed', worker: 0 });
    await expect(engine.createRelay()).rejects.toMatchObject({ code: 'MEDIA_WORKER_FAILED' });
    expect(await engine.stats()).toEqual({ relays: 0, workers: 0 });
  });

  it('the crash hook is refused unless tests enabled it', async () => {
    const engine = await start();
    await expect(engine._crashWorker(0)).rejects.toMatchObject({ code: 'MEDIA_INTERNAL' });
    expect(await engine.stats()).toEqual({ relays: 0, workers: 1 });
  });
});
