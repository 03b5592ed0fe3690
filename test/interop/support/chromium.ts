/**
 * Headless Chromium for media tests: a fake microphone that plays a WAV, a fresh profile, and
 * an in-page probe that measures the dominant frequency of a (remote) MediaStream with WebAudio.
 * Uses Debian's /usr/bin/chromium through playwright-core (`CHROMIUM_BIN` overrides).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_BIN);
}

export interface Chromium {
  context: BrowserContext;
  /** Process ids of this Chromium (all of them carry its own profile directory). */
  pids(): number[];
  /** A page on http://localhost/ (a secure context, so getUserMedia works), probe installed. */
  page: Page;
  close(): Promise<void>;
}

/** Launch Chromium whose fake microphone loops `fakeAudioWav`. */
export async function launchChromium(opts: { fakeAudioWav: string }): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), 'hotline-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_BIN,
    headless: true,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${opts.fakeAudioWav}`,
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // Served from memory: no server, but a localhost origin counts as secure (getUserMedia needs it).
  await page.route('http://localhost/**', (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>media</title>' }));
  await page.goto('http://localhost/');
  await installAudioProbe(page);
  return {
    context,
    page,
    pids: () =>
      execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes(`--user-data-dir=${profile}`))
        .map((l) => Number.parseInt(l.trim(), 10))
        .filter((n) => n > 0 && n !== process.pid),
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface ProbeResult {
  /** Frequency of the strongest bin in 100..4000 Hz, or null when the stream is silent. */
  dominantHz: number | null;
  /** RMS of the time-domain signal, fraction of full scale. */
  rms: number;
}

/**
 * Defines `window.hotlineProbe.dominantHz(stream, ms)` → ProbeResult. Chrome feeds WebAudio from a
 * remote WebRTC stream only once it is also attached to a media element, so the probe plays it in
 * an <audio> first. The spectrum (AnalyserNode, 32768-point FFT at 48 kHz: 1.5 Hz bins) is
 * averaged over `ms` and its peak refined by parabolic interpolation. Page code is a string: the
 * project compiles without the DOM library.
 */
export async function installAudioProbe(page: Page): Promise<void> {
  await page.evaluate(PROBE);
}

const PROBE = `window.hotlineProbe = {
  async dominantHz(stream, ms) {
    const el = document.createElement('audio');
    el.srcObject = stream;
    el.autoplay = true;
    document.body.appendChild(el);
    await el.play().catch(() => undefined);
    const ctx = new AudioContext({ sampleRate: 48000 });
    await ctx.resume();
    const an = ctx.createAnalyser();
    an.fftSize = 32768;
    an.smoothingTimeConstant = 0;
    ctx.createMediaStreamSource(stream).connect(an);
    const bins = new Float32Array(an.frequencyBinCount);
    const sum = new Float64Array(an.frequencyBinCount);
    const time = new Float32Array(an.fftSize);
    let rmsSum = 0;
    let n = 0;
    const end = performance.now() + ms;
    while (performance.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      an.getFloatFrequencyData(bins);
      for (let i = 0; i < bins.length; i++) sum[i] += 10 ** (bins[i] / 10);
      an.getFloatTimeDomainData(time);
      let s = 0;
      for (const v of time) s += v * v;
      rmsSum += Math.sqrt(s / time.length);
      n++;
    }
    const hz = ctx.sampleRate / an.fftSize;
    await ctx.close();
    el.remove();
    let best = -1;
    for (let i = Math.ceil(100 / hz); i < Math.floor(4000 / hz); i++) if (best < 0 || sum[i] > sum[best]) best = i;
    const rms = n ? rmsSum / n : 0;
    if (best < 1 || rms < 0.001) return { dominantHz: null, rms };
    const a = sum[best - 1], b = sum[best], c = sum[best + 1];
    const d = a - 2 * b + c;
    const shift = d === 0 ? 0 : (0.5 * (a - c)) / d;
    return { dominantHz: (best + shift) * hz, rms };
  },
};`;
