/**
 * The relay as it runs inside the worker, driven in-process with real UDP on loopback and a fake
 * clock, so the 2 s re-latch rule is tested without sleeping.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../kit/index.js';
import { TickScheduler } from './graph/scheduler.js';
import { PromptCache } from './graph/sources.js';
import { RELATCH_AFTER_MS, RelayCore } from './relay-core.js';

const ctxOf = (clock: FakeClock) => ({ scheduler: new TickScheduler(() => clock.now()), prompts: new PromptCache(), notify: () => undefined, now: () => clock.now() });

const sockets: Socket[] = [];
const relays: RelayCore[] = [];
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
  for (const s of sockets.splice(0)) s.close();
});

let nextPort = 23000 + (process.pid % 50) * 40;
async function openRelay(clock: FakeClock): Promise<{ relay: RelayCore; aPort: number }> {
  for (;;) {
    const a = nextPort;
    nextPort += 4;
    try {
      const r = await RelayCore.open('t', '127.0.0.1', { a, b: a + 2 }, ctxOf(clock));
      relays.push(r);
      return { relay: r, aPort: a };
    } catch (e) {
      if ((e as { code?: string }).code !== 'MEDIA_PORT_IN_USE') throw e;
    }
  }
}

async function endpoint(host = '127.0.0.1') {
  const s = createSocket('udp4');
  sockets.push(s);
  await new Promise<void>((r) => s.bind(0, host, () => r()));
  const got: Buffer[] = [];
  s.on('message', (m) => got.push(m));
  return { s, port: s.address().port, got };
}

const rtp = (seq: number) => Buffer.concat([Buffer.from([0x80, 0, seq >> 8, seq & 255, 0, 0, 0, 0, 1, 2, 3, 4]), Buffer.from(`payload ${seq}`)]);
const send = (s: Socket, buf: Buffer, port: number) => new Promise<void>((r) => s.send(buf, port, '127.0.0.1', () => r()));
const settle = () => new Promise((r) => setTimeout(r, 50));

describe('RelayCore latching (RFC 4961 symmetric RTP)', () => {
  it('re-latches to another port of the peer IP only after 2 s of silence from the latched one', async () => {
    const clock = new FakeClock();
    const { relay, aPort } = await openRelay(clock);
    const first = await endpoint();
    const second = await endpoint();
    const b = await endpoint();
    relay.setPeer('a', { address: '127.0.0.1', rtpPort: 9 }); // SDP says port 9: both sources differ
    relay.setPeer('b', { address: '127.0.0.1', rtpPort: b.port });

    await send(first.s, rtp(1), aPort);
    await settle();
    expect(relay.stats().a.latched).toEqual({ address: '127.0.0.1', port: first.port });

    clock.advance(RELATCH_AFTER_MS - 1);
    await send(second.s, rtp(2), aPort);
    await settle();
    expect(relay.stats().a).toMatchObject({ latched: { port: first.port }, dropped: 1, packetsIn: 1 });

    // a packet from the latched source keeps it alive
    await send(first.s, rtp(3), aPort);
    await settle();
    clock.advance(RELATCH_AFTER_MS - 1);
    await send(second.s, rtp(4), aPort);
    await settle();
    expect(relay.stats().a).toMatchObject({ latched: { port: first.port }, dropped: 2, packetsIn: 2 });

    clock.advance(1);
    await send(second.s, rtp(5), aPort);
    await settle();
    expect(relay.stats().a).toMatchObject({ latched: { port: second.port }, dropped: 2, packetsIn: 3 });
    expect(b.got.map((m) => m.readUInt16BE(2))).toEqual([1, 3, 5]);
  });

  it('a new SDP address or port forgets the latched source', async () => {
    const clock = new FakeClock();
    const { relay, aPort } = await openRelay(clock);
    const ep = await endpoint();
    relay.setPeer('a', { address: '127.0.0.1', rtpPort: ep.port });
    await send(ep.s, rtp(1), aPort);
    await settle();
    expect(relay.stats().a.latched).not.toBeNull();
    relay.setPeer('a', { address: '127.0.0.1', rtpPort: ep.port }); // same SDP (a re-INVITE without change)
    expect(relay.stats().a.latched).not.toBeNull();
    relay.setPeer('a', { address: '127.0.0.1', rtpPort: ep.port + 100 });
    expect(relay.stats().a.latched).toBeNull();
  });
});
