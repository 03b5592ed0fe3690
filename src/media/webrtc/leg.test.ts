import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { WebRtcLeg, type WebRtcLegEvent } from './index.js';

const legs: WebRtcLeg[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  await Promise.all(legs.splice(0).map((l) => l.close()));
  for (const s of sockets.splice(0)) s.close();
});

async function leg(opts: Partial<Parameters<typeof WebRtcLeg.create>[0]> = {}) {
  const events: WebRtcLegEvent[] = [];
  const l = await WebRtcLeg.create({ host: '127.0.0.1', onEvent: (e) => events.push(e), ...opts });
  legs.push(l);
  return { l, events };
}

const hold = (port: number) =>
  new Promise<void>((r) => {
    const s = createSocket('udp4');
    sockets.push(s);
    s.bind(port, '127.0.0.1', () => r());
  });

/** A browser-like answer to `offer` whose only candidate is a port nobody answers on. */
function deadAnswer(offer: string, port: number): string {
  const mid = /^a=mid:(\S+)/m.exec(offer)![1];
  return [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    `a=group:BUNDLE ${mid}`,
    'm=audio 9 UDP/TLS/RTP/SAVPF 0 101',
    'c=IN IP4 127.0.0.1',
    `a=candidate:1 1 udp 2122194687 127.0.0.1 ${port} typ host`,
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    `a=fingerprint:sha-256 ${Array(32).fill('AB').join(':')}`,
    'a=setup:passive',
    `a=mid:${mid}`,
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    '',
  ].join('\r\n');
}

describe('WebRtcLeg without a browser', () => {
  it('offers PCMU + telephone-event/8000 with one host candidate, complete, as DTLS client', async () => {
    const { l } = await leg({ portRange: [45100, 45199] });
    const sdp = await l.createOffer();
    expect(sdp).toMatch(/^m=audio 9 UDP\/TLS\/RTP\/SAVPF 0 101\r$/m);
    expect(sdp).toContain('a=rtpmap:101 telephone-event/8000\r\n');
    expect(sdp.match(/^a=candidate:.*$/gm)).toEqual([expect.stringMatching(/ udp \d+ 127\.0\.0\.1 451\d\d typ host /)]);
    expect(sdp).toContain('a=end-of-candidates');
    expect(sdp).toContain('a=rtcp-mux');
    expect(sdp).toContain('a=setup:active');
    expect(sdp).not.toContain('trickle');
    expect(sdp).not.toMatch(/opus|VP8|extmap:/);
  });

  it('validates its options', async () => {
    for (const host of ['', 'nope', '0.0.0.0', '::', '203.0.113.7']) {
      await expect(WebRtcLeg.create({ host })).rejects.toMatchObject({ code: 'MEDIA_BAD_REQUEST' });
    }
    await expect(WebRtcLeg.create({ host: '127.0.0.1', portRange: [5000, 5000] })).rejects.toMatchObject({ code: 'MEDIA_BAD_REQUEST' });
    await expect(WebRtcLeg.create({ host: '127.0.0.1', iceServers: [{ urls: 'turns:t.example:5349', username: 'u', credential: 'c' }] })).rejects.toMatchObject({
      code: 'MEDIA_BAD_REQUEST',
    });
    await expect(WebRtcLeg.create({ host: '127.0.0.1', iceServers: [{ urls: 'turn:t.example' }] })).rejects.toThrow(/username/);
  });

  it('fails cleanly when the port range is taken, and spreads concurrent legs over it', async () => {
    // Below Linux's ephemeral range (32768+), so no other socket of the machine takes these.
    const base = 22000 + (process.pid % 40) * 16;
    await hold(base);
    await hold(base + 1);
    const { l, events } = await leg({ portRange: [base, base + 1] });
    await expect(l.createOffer()).rejects.toMatchObject({ code: 'MEDIA_WEBRTC_FAILED', message: expect.stringMatching(/no ICE candidate/) });
    expect(events).toEqual([{ type: 'failed', reason: expect.stringMatching(/no ICE candidate/) }]);

    const many = await Promise.all([1, 2, 3].map(() => leg({ portRange: [base, base + 5] })));
    const ports = (await Promise.all(many.map(({ l }) => l.createOffer()))).map((sdp) => Number(/127\.0\.0\.1 (\d+) typ host/.exec(sdp)![1]));
    expect(new Set(ports).size).toBe(3);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(base + 2);
  });

  it('reports failed when nothing answers, and close is repeatable', async () => {
    const { l, events } = await leg({ connectTimeoutMs: 1500 });
    const offer = await l.createOffer();
    l.sendRtp({ payloadType: 0, sequence: 1, timestamp: 160, marker: false, payload: Buffer.alloc(160) });
    await l.setAnswer(deadAnswer(offer, 9));
    await new Promise((r) => setTimeout(r, 2500));
    expect(events).toEqual([{ type: 'failed', reason: expect.any(String) }]);
    expect(l.stats()).toMatchObject({ state: 'failed', packetsIn: 0, packetsOut: 0, dropped: { unsent: 1 } });
    await l.close();
    await l.close();
    expect(l.connectionState).toBe('closed');
    expect(events.map((e) => e.type)).toEqual(['failed', 'closed']);
  });

  it('refuses an answer that takes the DTLS client role, and a second negotiation', async () => {
    const { l, events } = await leg();
    const offer = await l.createOffer();
    await expect(l.setAnswer(deadAnswer(offer, 9).replace('a=setup:passive', 'a=setup:active'))).rejects.toMatchObject({ code: 'MEDIA_WEBRTC_FAILED' });
    expect(events.map((e) => e.type)).toEqual(['failed']);
    await expect(l.createOffer()).rejects.toMatchObject({ code: 'MEDIA_BAD_REQUEST' });
  });
});
