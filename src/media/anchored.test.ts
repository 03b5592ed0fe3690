/**
 * Anchored (G.711) calls through a real worker: audio checked by frequency at the far ends, hold
 * music and prompts, DTMF both ways, recording by channel, µ-law/A-law transcoding, conferences.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dominantFrequency, encodeWav16, parseWav } from './audio/index.js';
import { startMediaEngine } from './engine.js';
import type { MediaEngine, MediaNotice, PayloadSpec } from './index.js';
import { RtpPeer } from './test-support.js';

const engines: MediaEngine[] = [];
const peers: RtpPeer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

let rangeCursor = 26000 + (process.pid % 20) * 200;
async function start(): Promise<MediaEngine> {
  const portMin = rangeCursor;
  rangeCursor += 60;
  const e = await startMediaEngine({ host: '127.0.0.1', portMin, portMax: portMin + 49 }, {});
  engines.push(e);
  return e;
}
async function peer(law: 'pcmu' | 'pcma' = 'pcmu'): Promise<RtpPeer> {
  const p = await RtpPeer.open(law);
  peers.push(p);
  return p;
}
const PCMU: PayloadSpec = { codec: 'pcmu', pt: 0, dtmfPt: 101 };
const PCMA: PayloadSpec = { codec: 'pcma', pt: 8, dtmfPt: 101 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tones = [440, 1000, 700, 1300, 350, 620];

async function until(cond: () => boolean, what: string, ms = 3_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function call(engine: MediaEngine, a: RtpPeer, b: RtpPeer, pa: PayloadSpec = PCMU, pb: PayloadSpec = PCMU) {
  const relay = await engine.createRelay({
    a: { address: '127.0.0.1', rtpPort: a.port, payload: pa },
    b: { address: '127.0.0.1', rtpPort: b.port, payload: pb },
  });
  const notices: MediaNotice[] = [];
  relay.onNotice((n) => notices.push(n));
  return { relay, notices };
}

describe('anchored G.711 calls', () => {
  it('each party hears the other, re-stamped with the leg’s own SSRC and continuous sequence numbers', async () => {
    const engine = await start();
    const [a, b] = [await peer(), await peer()];
    const { relay } = await call(engine, a, b);
    a.sendTone(440, relay.a.port);
    b.sendTone(1000, relay.b.port);
    await sleep(600);
    expect(b.heard(tones, 5)).toMatchObject({ freq: 440 });
    expect(a.heard(tones, 5)).toMatchObject({ freq: 1000 });
    const ssrcs = new Set(b.got.map((g) => g.ssrc));
    expect(ssrcs.size).toBe(1);
    expect([...ssrcs][0]).not.toBe(a.ssrc);
    const seqs = b.got.map((g) => g.seq);
    for (let i = 1; i < seqs.length; i++) expect((seqs[i]! - seqs[i - 1]! + 65536) % 65536).toBe(1);
    const st = await relay.stats();
    expect(st.a.quality).toMatchObject({ lost: 0 });
    expect(st.a.quality!.packetsIn).toBeGreaterThan(20);
    expect(st.a.quality!.mos).toBeGreaterThan(4);
  });

  it('plays hold music to one side instead of the other party, then resumes the call', async () => {
    const engine = await start();
    const [a, b] = [await peer(), await peer()];
    const { relay } = await call(engine, a, b);
    a.sendTone(440, relay.a.port);
    b.sendTone(1000, relay.b.port);
    await sleep(300);
    const dir = mkdtempSync(join(tmpdir(), 'hotline-prompt-'));
    const music = join(dir, 'music.wav');
    // A 44.1 kHz stereo file: resampled and mixed down at load.
    const n = 44100;
    const pcm = new Int16Array(n * 2);
    for (let i = 0; i < n; i++) pcm[2 * i] = pcm[2 * i + 1] = Math.round(9000 * Math.sin((2 * Math.PI * 700 * i) / 44100));
    writeFileSync(music, encodeWav16(pcm, 44100, 2));
    await relay.play('a', { kind: 'file', path: music, loop: true });
    await sleep(100);
    const mark = a.got.length;
    await sleep(500);
    expect(a.heard(tones, mark)).toMatchObject({ freq: 700 });
    expect(b.heard(tones, b.got.length - 15)).toMatchObject({ freq: 440 }); // b still hears a
    const ts = a.got.slice(mark).map((g) => g.ts);
    for (let i = 1; i < ts.length; i++) expect((ts[i]! - ts[i - 1]! + 2 ** 32) % 2 ** 32).toBe(160);
    await relay.stopPlay('a');
    await sleep(100);
    const back = a.got.length;
    await sleep(400);
    expect(a.heard(tones, back)).toMatchObject({ freq: 1000 });
    expect(new Set(a.got.map((g) => g.ssrc)).size).toBe(1); // one stream throughout
  });

  it('reports a prompt that ended, and plays call-progress tones', async () => {
    const engine = await start();
    const [a, b] = [await peer(), await peer()];
    const { relay, notices } = await call(engine, a, b);
    const id = await relay.play('b', { kind: 'tone', tone: 'busy', region: 'us', durationMs: 300 });
    await until(() => notices.some((n) => n.type === 'play-done'), 'play-done');
    expect(notices.find((n) => n.type === 'play-done')).toMatchObject({ side: 'b', playId: id });
    expect(b.heard([480, 620, 440, 1000]).freq === 480 || b.heard([480, 620, 440, 1000]).freq === 620).toBe(true);
  });

  it('decodes RFC 4733 DTMF from a party, passes it on, and sends DTMF of its own', async () => {
    const engine = await start();
    const [a, b] = [await peer(), await peer()];
    const { relay, notices } = await call(engine, a, b);
    a.sendTone(440, relay.a.port);
    await sleep(100);
    for (let d = 160; d <= 800; d += 160) a.sendEvent(5, false, d, relay.a.port, 101, 9_000, d === 160);
    for (let i = 0; i < 3; i++) a.sendEvent(5, true, 960, relay.a.port, 101, 9_000);
    await until(() => notices.some((n) => n.type === 'dtmf'), 'dtmf notice');
    expect(notices.filter((n) => n.type === 'dtmf')).toEqual([expect.objectContaining({ side: 'a', digit: '5', durationMs: 120 })]);
    await until(() => b.got.some((g) => g.pt === 101), 'dtmf passed on');
    await relay.sendDtmf('a', '#1');
    await until(() => a.got.filter((g) => g.pt === 101 && (g.payload[1]! & 0x80) !== 0).length >= 6, 'dtmf sent', 4_000);
    const events = [...new Set(a.got.filter((g) => g.pt === 101).map((g) => g.payload[0]))];
    expect(events).toEqual([11, 1]);
    await expect(relay.sendDtmf('a', 'x')).rejects.toMatchObject({ code: 'MEDIA_BAD_REQUEST' });
  });

  it('transcodes between µ-law and A-law', async () => {
    const engine = await start();
    const [a, b] = [await peer('pcmu'), await peer('pcma')];
    const { relay } = await call(engine, a, b, PCMU, PCMA);
    a.sendTone(440, relay.a.port);
    b.sendTone(1000, relay.b.port);
    await sleep(700);
    expect(b.got.every((g) => g.pt === 8)).toBe(true);
    expect(b.heard(tones, 10)).toMatchObject({ freq: 440 });
    expect(a.heard(tones, 10)).toMatchObject({ freq: 1000 });
  });

  it('records the customer left and what the customer hears right, with pause leaving silence', async () => {
    const engine = await start();
    const [a, b] = [await peer(), await peer()];
    const { relay } = await call(engine, a, b);
    a.sendTone(440, relay.a.port);
    b.sendTone(1000, relay.b.port);
    await sleep(200);
    const dir = mkdtempSync(join(tmpdir(), 'hotline-rec-'));
    const path = join(dir, 'call.wav');
    await relay.startRecording(path, 'a');
    await sleep(1200);
    await relay.pauseRecording();
    await sleep(500);
    await relay.resumeRecording();
    await sleep(600);
    const r = await relay.stopRecording();
    expect(r).toMatchObject({ path });
    expect(r!.durationMs).toBeGreaterThan(2000);
    expect(readFileSync(`${path}.sha256`, 'utf8')).toContain(r!.sha256);
    const wav = parseWav(readFileSync(path));
    expect(wav).toMatchObject({ sampleRate: 8000, channels: 2 });
    const [left, right] = wav.channelData as [Float32Array, Float32Array];
    const part = (ch: Float32Array, fromMs: number, toMs: number) => ch.subarray((fromMs * 8000) / 1000, (toMs * 8000) / 1000);
    expect(dominantFrequency(part(left, 300, 1000), 8000, tones)).toMatchObject({ freq: 440 });
    expect(dominantFrequency(part(right, 300, 1000), 8000, tones)).toMatchObject({ freq: 1000 });
    // The pause: about 500 ms of exact silence on both channels somewhere after 1.1 s.
    let silentRun = 0;
    let best = 0;
    for (let i = 0; i < left.length; i++) {
      silentRun = left[i] === 0 && right[i] === 0 ? silentRun + 1 : 0;
      best = Math.max(best, silentRun);
    }
    expect(best).toBeGreaterThan(8000 * 0.4);
    expect(await relay.stopRecording()).toBeNull();
  });

  it('refuses media features on a side relayed untouched', async () => {
    const engine = await start();
    const relay = await engine.createRelay({ a: { address: '127.0.0.1', rtpPort: 4000 }, b: { address: '127.0.0.1', rtpPort: 4002 } });
    await expect(relay.play('a', { kind: 'silence' })).rejects.toMatchObject({ code: 'MEDIA_BAD_REQUEST' });
    await expect(relay.startRecording(join(tmpdir(), 'x.wav'), 'a')).rejects.toMatchObject({ code: 'MEDIA_BAD_REQUEST' });
    await expect(relay.play('a', { kind: 'file', path: '/nonexistent.wav' })).rejects.toMatchObject({ code: 'MEDIA_BAD_REQUEST' });
  });
});

describe('conferences', () => {
  it('each member hears everyone but themself; mute, listen and whisper', async () => {
    const engine = await start();
    const conf = await engine.createConference();
    const ps = [await peer(), await peer(), await peer(), await peer()];
    const freqs = [440, 1000, 1300, 620];
    const members = [];
    for (const [i, p] of ps.entries()) {
      const m = await conf.addMember({ peer: { address: '127.0.0.1', rtpPort: p.port, payload: PCMU }, ...(i === 3 ? { mode: { role: 'listen' } } : {}) });
      members.push(m);
      p.sendTone(freqs[i]!, m.local.port);
    }
    await sleep(400);
    await until(() => ps.every((p) => p.got.length > 40), 'mixed audio', 5_000);
    const power = (p: RtpPeer, f: number, from: number) => p.framePower(f, from);
    const check = (i: number, from: number) => {
      const heard = freqs.map((f) => power(ps[i]!, f, from));
      return heard;
    };
    let h = check(0, ps[0]!.got.length - 25);
    expect(h[1]).toBeGreaterThan(0.01);
    expect(h[2]).toBeGreaterThan(0.01);
    expect(h[0]).toBeLessThan(h[1]! / 100); // not itself
    expect(h[3]).toBeLessThan(h[1]! / 100); // the listener is never heard
    h = check(3, ps[3]!.got.length - 25); // the listener hears the three speakers
    expect(Math.min(h[0]!, h[1]!, h[2]!)).toBeGreaterThan(0.01);

    await members[1]!.setMode({ muted: true });
    await members[3]!.setMode({ role: 'whisper', whisperTo: members[0]!.id });
    await sleep(200);
    const m0 = ps[0]!.got.length;
    const m2 = ps[2]!.got.length;
    await sleep(500);
    const h0 = check(0, m0);
    const h2 = check(2, m2);
    expect(h0[1]).toBeLessThan(h0[2]! / 100); // muted member not heard
    expect(h0[3]).toBeGreaterThan(0.01); // the whisper reaches member 0...
    expect(h2[3]).toBeLessThan(h2[0]! / 100); // ...and nobody else
    await expect(members[2]!.setMode({ role: 'whisper', whisperTo: members[2]!.id })).rejects.toMatchObject({ code: 'MEDIA_BAD_REQUEST' });
    await members[0]!.remove();
    await members[0]!.remove();
    await conf.close();
    await conf.close();
    expect((await engine.stats()).relays).toBe(0);
  });
});
