/**
 * The agent's browser phone on a real call: headless Chromium (fake microphone playing 1000 Hz)
 * signed in as alice answers a call from a baresip phone playing 440 Hz. Each side hears the
 * other's tone (by frequency: the page with WebAudio, baresip in its recording), the agent's DTMF
 * reaches the server as RFC 4733 events, a hold plays the hold music (a 600 Hz tone here) to the
 * phone and a resume brings the agent back, and the call's recording has the customer left and
 * the agent right.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { PROJECT_ROOT, seedDemo } from '../../src/app/index.js';
import type { DomainEvent } from '../../src/kit/index.js';
import { dominantFrequency, goertzelPower, parseWav } from '../../src/media/audio/index.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import { baresipAvailable, startBaresip, type Baresip } from '../interop/support/baresip.js';
import { installAudioProbe } from '../interop/support/chromium.js';
import { readWav, writeToneWav } from '../interop/support/audio.js';

const WEB = join(PROJECT_ROOT, 'web', 'dist');
const PASSWORD = 'demo-password-1';
const ci = process.env.CI === 'true';
const runnable = ci || (chromiumAvailable() && baresipAvailable());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const near = (hz: number | null | undefined, want: number, tol = 15) => typeof hz === 'number' && Math.abs(hz - want) <= tol;

type CallData = { call: { id: string; heldBy: string | null }; digit?: string; by?: string; recordings?: { path: string; sha256: string }[] };

/** The dominant frequency of the call audio the browser phone plays (page code as text: no DOM types here). */
function heardInPage(page: Page, ms = 1500): Promise<{ dominantHz: number | null }> {
  return page.evaluate(`window.hotlineProbe.dominantHz(document.querySelector('[data-testid="phone-remote-audio"]').srcObject, ${ms})`);
}

/** Power (dB, averaged spectrum) at each of `freqs` in the browser phone's call audio. */
function powersInPage(page: Page, freqs: number[], ms = 2000): Promise<number[]> {
  return page.evaluate(`(async () => {
    const stream = document.querySelector('[data-testid="phone-remote-audio"]').srcObject;
    const ctx = new AudioContext({ sampleRate: 48000 });
    await ctx.resume();
    const an = ctx.createAnalyser();
    an.fftSize = 8192;
    an.smoothingTimeConstant = 0;
    ctx.createMediaStreamSource(stream).connect(an);
    const bins = new Float32Array(an.frequencyBinCount);
    const sum = new Float64Array(an.frequencyBinCount);
    const end = performance.now() + ${ms};
    while (performance.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      an.getFloatFrequencyData(bins);
      for (let i = 0; i < bins.length; i++) sum[i] += 10 ** (bins[i] / 10);
    }
    await ctx.close();
    const hz = 48000 / an.fftSize;
    return ${JSON.stringify(freqs)}.map((f) => {
      const k = Math.round(f / hz);
      return 10 * Math.log10(Math.max(sum[k - 1], sum[k], sum[k + 1]) + 1e-20);
    });
  })()`);
}

/** The median power per 20 ms frame at `freq` over the last `ms` of a recording. */
function tail(samples: Float32Array, rate: number, freq: number, ms = 2000): number {
  const frame = rate / 50;
  const start = Math.max(0, samples.length - (rate * ms) / 1000);
  const p: number[] = [];
  for (let o = start; o + frame <= samples.length; o += frame) p.push(goertzelPower(samples, rate, freq, o, frame));
  p.sort((a, b) => a - b);
  return p[Math.floor(p.length / 2)] ?? 0;
}

/** Which of the tones dominates each 500 ms of a recording (null: quiet). */
function timeline(samples: Float32Array, rate: number, tones: number[]): (number | null)[] {
  const win = rate / 2;
  const out: (number | null)[] = [];
  for (let o = 0; o + win <= samples.length; o += win) {
    const part = samples.subarray(o, o + win);
    const best = dominantFrequency(part, rate, tones);
    out.push(best.ratio > 0.5 && goertzelPower(part, rate, best.freq) > 1e-4 ? best.freq : null);
  }
  return out;
}

describe.runIf(runnable)('an agent answers a phone call in the browser', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let bob: Baresip;
  let base: string;
  const events: DomainEvent[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'hotline-agent-call-'));

  const event = async (type: string, pred: (d: CallData) => boolean = () => true, timeoutMs = 15_000): Promise<CallData> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const e = events.find((x) => x.type === type && pred(x.data as CallData));
      if (e) return e.data as CallData;
      if (Date.now() > end) throw new Error(`no ${type} event; saw ${events.map((x) => x.type).join(', ')}`);
      await sleep(50);
    }
  };

  beforeAll(async () => {
    if (!existsSync(join(WEB, 'index.html'))) execFileSync('npm', ['run', 'build:web'], { cwd: PROJECT_ROOT, stdio: 'ignore' });
    const mic = join(dir, 'agent-mic.wav');
    writeToneWav(mic, { frequencyHz: 1000, durationMs: 60_000, sampleRate: 48_000, amplitude: 0.4 });
    const music = join(dir, 'hold.wav');
    writeToneWav(music, { frequencyHz: 600, durationMs: 10_000, sampleRate: 16_000, amplitude: 0.4 });
    t = await createTestApp(
      'sqlite',
      { demoPassword: PASSWORD, sipHost: '127.0.0.1', sipPort: 0, rtpPortMin: 41000, rtpPortMax: 41199, holdMusic: music, sipRateLimit: 0, dataDir: dir, toneRegion: 'jp' },
      { webRoot: WEB },
    );
    await seedDemo(t.app);
    base = await t.app.listen();
    t.app.bus.subscribe((e) => void events.push(e));
    browser = await launchChromium([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${mic}`,
      '--autoplay-policy=no-user-gesture-required',
    ]);
    page = await (await browser.newContext({ locale: 'en-US' })).newPage();
    await page.goto(base + '/');
    await page.getByTestId('signin-email').fill('alice@demo.test');
    await page.getByTestId('signin-password').fill(PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.locator('[data-testid="phone-status"][data-state="registered"]').waitFor({ timeout: 20_000 });
    await installAudioProbe(page);
    const sipPort = t.app.phone.sip()!.port('udp')!;
    bob = await startBaresip({
      name: 'bob',
      account: { username: '1002', password: PASSWORD, domain: `127.0.0.1:${sipPort}`, transport: 'udp', regint: 600 },
      toneHz: 440,
    });
    await bob.waitRegistered(15_000);
  }, 120_000);

  afterAll(async () => {
    await bob?.stop();
    await browser?.close();
    await t?.dispose();
  });

  it('talks both ways, sends DTMF, holds with music, resumes and records', { timeout: 120_000 }, async () => {
    const sipPort = t.app.phone.sip()!.port('udp')!;
    await bob.dial(`sip:1001@127.0.0.1:${sipPort}`);
    await page.getByTestId('incoming-call').waitFor({ timeout: 15_000 });
    await page.getByTestId('incoming-call-answer').click();
    const answered = await event('call.answered');
    const callId = answered.call.id;
    await bob.waitEvent((e) => e.type === 'CALL_ESTABLISHED', 15_000);

    // The agent starts the recording from the phone panel; the state shown is the server's.
    if (!(await page.getByTestId('phone-record').isVisible())) await page.getByTestId('phone-status').click();
    await page.getByTestId('phone-record').click();
    await page.getByTestId('phone-recording').waitFor({ timeout: 10_000 });
    expect(await event('call.updated', (d) => d.call.id === callId && (d.call as { recording?: string }).recording === 'on')).toBeTruthy();

    // The agent hears the phone's 440 Hz.
    const heard = await heardInPage(page);
    expect(near(heard.dominantHz, 440), JSON.stringify(heard)).toBe(true);

    // DTMF from the dialpad arrives at the server as RFC 4733 events from the agent's side.
    if (!(await page.getByTestId('phone-key-5').isVisible())) await page.getByTestId('phone-status').click();
    await page.getByTestId('phone-key-5').click();
    expect(await event('call.dtmf', (d) => d.digit === '5')).toMatchObject({ by: 'callee' });

    await sleep(1500);
    await page.getByTestId('phone-hold').click();
    await event('call.updated', (d) => d.call.heldBy === 'callee');
    await sleep(2500);
    await page.getByTestId('phone-hold').click();
    await event('call.updated', (d) => d.call.heldBy === null && events.some((e) => e.type === 'call.updated' && (e.data as CallData).call.heldBy === 'callee'));
    await sleep(2000);

    await bob.hangup();
    const media = await event('call.media');
    await event('call.ended');

    // The phone heard the agent, then the hold music, then the agent again.
    const bobHeard = readWav(bob.recordingPath);
    const seq = timeline(bobHeard.samples, bobHeard.sampleRate, [1000, 600, 440]).filter((x) => x !== null);
    const runs = seq.filter((x, i) => i === 0 || x !== seq[i - 1]);
    expect(runs, JSON.stringify(seq)).toEqual([1000, 600, 1000]);

    // The recording: customer (the phone) left, what the customer heard right; checksum on close.
    expect(media.recordings).toHaveLength(1);
    const file = media.recordings![0]!;
    const wav = parseWav(readFileSync(file.path));
    expect(wav).toMatchObject({ sampleRate: 8000, channels: 2 });
    const [left, right] = wav.channelData as [Float32Array, Float32Array];
    const first = (ch: Float32Array) => ch.subarray(0, 8000);
    expect(dominantFrequency(first(left), 8000, [440, 1000, 600])).toMatchObject({ freq: 440 });
    expect(dominantFrequency(first(right), 8000, [440, 1000, 600])).toMatchObject({ freq: 1000 });
    expect(timeline(right, 8000, [1000, 600, 440]).filter((x) => x !== null)).toContain(600);
    expect(readFileSync(`${file.path}.sha256`, 'utf8')).toContain(file.sha256);
  });

  it('joins the agent and two phones in a conference room: each hears the other two', { timeout: 120_000 }, async () => {
    const sipPort = t.app.phone.sip()!.port('udp')!;
    const carol = await startBaresip({
      name: 'carol',
      account: { username: '1003', password: PASSWORD, domain: `127.0.0.1:${sipPort}`, transport: 'udp', regint: 600 },
      toneHz: 700,
    });
    try {
      await carol.waitRegistered(15_000);
      if (!(await page.getByTestId('phone-dial-input').isVisible())) await page.getByTestId('phone-status').click();
      await page.getByTestId('phone-dial-input').fill('8000');
      await page.getByTestId('phone-dial-call').click();
      await event('call.answered', (d) => (d.call as { to?: string }).to === '8000');
      await bob.dial(`sip:8000@127.0.0.1:${sipPort}`);
      await carol.dial(`sip:8000@127.0.0.1:${sipPort}`);
      await bob.waitEvent((e) => e.type === 'CALL_ESTABLISHED', 15_000);
      await carol.waitEvent((e) => e.type === 'CALL_ESTABLISHED', 15_000);
      await sleep(2500);

      // The agent hears both phones, not itself.
      const [p440, p700, p1000] = await powersInPage(page, [440, 700, 1000]);
      expect(p440! - p1000!, `440 ${p440} 700 ${p700} 1000 ${p1000}`).toBeGreaterThan(20);
      expect(p700! - p1000!, `440 ${p440} 700 ${p700} 1000 ${p1000}`).toBeGreaterThan(20);

      await bob.hangup();
      await carol.hangup();
      await sleep(300);
      // Each phone heard the agent and the other phone, and not itself.
      const heard = (b: Baresip) => {
        const w = readWav(b.recordingPath);
        return Object.fromEntries([440, 700, 1000].map((f) => [f, tail(w.samples, w.sampleRate, f, 1500)]));
      };
      const byBob = heard(bob);
      const byCarol = heard(carol);
      // Chrome's audio processing (noise suppression, gain control) takes the agent's steady tone
      // down by some 20 dB, so the agent is checked against the phone's own tone with less margin.
      expect(byBob[1000]!, JSON.stringify(byBob)).toBeGreaterThan(3 * byBob[440]!);
      expect(byBob[700]!, JSON.stringify(byBob)).toBeGreaterThan(100 * byBob[440]!);
      expect(byCarol[1000]!, JSON.stringify(byCarol)).toBeGreaterThan(3 * byCarol[700]!);
      expect(byCarol[440]!, JSON.stringify(byCarol)).toBeGreaterThan(100 * byCarol[700]!);
      for (const by of [byBob, byCarol]) expect(by[1000]!, JSON.stringify(by)).toBeGreaterThan(1e-4);
      await page.getByTestId('phone-hangup').click();
      await expect.poll(() => t.app.phone.calls((events[0]!.tenantId as string) ?? '').length, { timeout: 10_000 }).toBe(0);
    } finally {
      await carol.stop();
    }
  });

  it('dials a phone from the browser: ringback while it rings, then each hears the other', { timeout: 120_000 }, async () => {
    if (!(await page.getByTestId('phone-dial-input').isVisible())) await page.getByTestId('phone-status').click();
    await page.getByTestId('phone-dial-input').fill('1002');
    await page.getByTestId('phone-dial-call').click();
    await bob.waitEvent((e) => e.type === 'CALL_INCOMING', 15_000);
    // Japan's ringback (400 Hz, 1 s on, 2 s off) from Hotline while bob's phone rings.
    await event('call.ringing');
    await page.waitForFunction(`!!document.querySelector('[data-testid="phone-remote-audio"]').srcObject`, undefined, { timeout: 10_000 });
    const ringing = await heardInPage(page, 3000);
    expect(near(ringing.dominantHz, 400, 20), JSON.stringify(ringing)).toBe(true);
    await bob.answer();
    await event('call.answered', (d) => (d.call as { from?: string; to?: string }).to === '1002' && (d.call as { from?: string }).from === '1001');
    await sleep(500);
    const talking = await heardInPage(page);
    expect(near(talking.dominantHz, 440, 10), JSON.stringify(talking)).toBe(true);
    await sleep(1000);
    await page.getByTestId('phone-hangup').click();
    await bob.waitEvent((e) => e.type === 'CALL_CLOSED', 15_000);
    const w = readWav(bob.recordingPath);
    expect(tail(w.samples, w.sampleRate, 1000, 800), 'bob hears the agent').toBeGreaterThan(1e-4);
  });
});
