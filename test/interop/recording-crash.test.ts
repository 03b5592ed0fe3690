/**
 * Crash safety of call recording, end to end: Hotline runs as its own process (`demo`), two
 * SIP phones talk through it with different tones, a supervisor starts recording over HTTP, and
 * the process is killed with SIGKILL mid-call. The WAV left behind must be playable as it is, with
 * each side's tone on its channel, and the next start-up must make its header cover the file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { verifyRecording } from '../../src/media/index.js';
import { dominantFrequency, encodeG711, FRAME_SAMPLES } from '../../src/media/audio/index.js';
import { SipPhone, sdpAudio } from '../support/sip-phone.js';
import { analyzeWav } from './support/audio.js';
import { freePort, track, waitFor } from './support/proc.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const PASSWORD = 'demo-password-1';
const RTP_MIN = 45400;
const RTP_MAX = 45499;
const CALLER_HZ = 500;
const CALLEE_HZ = 1300;
const T = 20_000; // generous waits; nothing here asserts how fast things happen
const BYTES_PER_SECOND = 8000 * 4; // stereo, 16-bit, 8 kHz
const ci = process.env.CI === 'true';
const haveTsx = existsSync(join(ROOT, 'node_modules', 'tsx'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Hotline {
  child: ChildProcess;
  http: string;
  sipPort: number;
  output: () => string;
  exited: Promise<void>;
}

const started: Hotline[] = [];
const phones: SipPhone[] = [];
const timers: NodeJS.Timeout[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'hotline-reccrash-'));

/** Hotline with its own data folder, loopback only, ports of its own; resolves once it says it is ready. */
async function startHotline(cmd: 'demo' | 'start'): Promise<Hotline> {
  const [httpPort, sipPort] = [await freePort(), await freePort()];
  // Only our settings: a HOTLINE_* variable of the developer's shell must not leak in.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('HOTLINE_') && v !== undefined) env[k] = v;
  Object.assign(env, {
    HOTLINE_DATA_DIR: dataDir,
    HOTLINE_HTTP_HOST: '127.0.0.1',
    HOTLINE_HTTP_PORT: String(httpPort),
    HOTLINE_SIP_HOST: '127.0.0.1',
    HOTLINE_SIP_PORT: String(sipPort),
    HOTLINE_RTP_PORT_MIN: String(RTP_MIN),
    HOTLINE_RTP_PORT_MAX: String(RTP_MAX),
    HOTLINE_DEMO_PASSWORD: PASSWORD,
    HOTLINE_LOG_LEVEL: 'info',
  });
  // Its own process group, so SIGKILL reaches anything it may have started.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', cmd], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const h: Hotline = { child, http: `http://127.0.0.1:${httpPort}`, sipPort, output: () => out, exited };
  started.push(h);
  await waitFor(() => / ready at /.test(out) || child.exitCode !== null, 30_000, `hotline ${cmd} did not become ready:\n${out}`, 50);
  if (child.exitCode !== null) throw new Error(`hotline ${cmd} exited with ${child.exitCode}:\n${out}`);
  return h;
}

async function killHard(h: Hotline): Promise<void> {
  if (h.child.exitCode !== null || h.child.signalCode !== null) return;
  try {
    process.kill(-h.child.pid!, 'SIGKILL');
  } catch {
    h.child.kill('SIGKILL');
  }
  await h.exited;
}

async function api<T>(h: Hotline, path: string, opts: { cookie?: string; body?: unknown } = {}): Promise<{ status: number; json: T; res: Response }> {
  const res = await fetch(`${h.http}/api/v1${path}`, {
    method: opts.body === undefined ? 'GET' : 'POST',
    headers: { ...(opts.cookie ? { cookie: opts.cookie } : {}), ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : null) as T, res };
}

async function signIn(h: Hotline, email: string): Promise<string> {
  const r = await api(h, '/auth/signin', { body: { email, password: PASSWORD } });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  const c = r.res.headers.getSetCookie().find((s) => s.startsWith('hotline_session='));
  expect(c).toBeTruthy();
  return c!.split(';')[0]!;
}

/** A PCMU tone in 20 ms packets from the phone's own RTP socket (the port its SDP names). */
function sendTone(phone: SipPhone, to: { address: string; port: number }, hz: number): void {
  const pcm = new Int16Array(FRAME_SAMPLES);
  const payload = Buffer.alloc(FRAME_SAMPLES);
  let phase = 0;
  let seq = 1;
  timers.push(
    setInterval(() => {
      for (let i = 0; i < FRAME_SAMPLES; i++) pcm[i] = Math.round(8000 * Math.sin(phase + (2 * Math.PI * hz * i) / 8000));
      phase = (phase + (2 * Math.PI * hz * FRAME_SAMPLES) / 8000) % (2 * Math.PI);
      encodeG711(pcm, 'pcmu', payload);
      phone.sendRtp(to, payload, seq++);
    }, 20),
  );
}

interface Header {
  riffSize: number;
  dataSize: number;
}

/** The canonical 44-byte header a player relies on, checked field by field. */
function readHeader(file: string): Header {
  const b = readFileSync(file).subarray(0, 44);
  expect(b.length).toBe(44);
  expect(b.toString('ascii', 0, 4)).toBe('RIFF');
  expect(b.toString('ascii', 8, 12)).toBe('WAVE');
  expect(b.toString('ascii', 12, 16)).toBe('fmt ');
  expect(b.readUInt32LE(16)).toBe(16);
  expect({ format: b.readUInt16LE(20), channels: b.readUInt16LE(22), rate: b.readUInt32LE(24), byteRate: b.readUInt32LE(28), blockAlign: b.readUInt16LE(32), bits: b.readUInt16LE(34) }).toEqual({
    format: 1,
    channels: 2,
    rate: 8000,
    byteRate: BYTES_PER_SECOND,
    blockAlign: 4,
    bits: 16,
  });
  expect(b.toString('ascii', 36, 40)).toBe('data');
  return { riffSize: b.readUInt32LE(4), dataSize: b.readUInt32LE(40) };
}

/** Left and right channels of exactly the frames the header describes, as a player would read them. */
function channels(file: string, dataSize: number): [Int16Array, Int16Array] {
  const data = readFileSync(file).subarray(44, 44 + dataSize);
  const frames = dataSize / 4;
  const l = new Int16Array(frames);
  const r = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    l[i] = data.readInt16LE(i * 4);
    r[i] = data.readInt16LE(i * 4 + 2);
  }
  return [l, r];
}

function expectTones(file: string, dataSize: number): void {
  const [left, right] = channels(file, dataSize);
  // Left is the caller (the customer), right the callee.
  const l = dominantFrequency(left, 8000, [CALLER_HZ, CALLEE_HZ]);
  const r = dominantFrequency(right, 8000, [CALLER_HZ, CALLEE_HZ]);
  expect(l.freq, JSON.stringify(l)).toBe(CALLER_HZ);
  expect(r.freq, JSON.stringify(r)).toBe(CALLEE_HZ);
  expect(l.ratio, JSON.stringify(l)).toBeGreaterThan(0.5);
  expect(r.ratio, JSON.stringify(r)).toBeGreaterThan(0.5);
  // A free scan too: the tone is the one sent, not merely the louder of two candidates.
  for (const [ch, hz] of [[0, CALLER_HZ], [1, CALLEE_HZ]] as const) {
    const a = analyzeWav(file, { channel: ch, windowMs: 800 });
    expect(a.silent).toBe(false);
    expect(Math.abs((a.dominantHz ?? 0) - hz), JSON.stringify(a)).toBeLessThanOrEqual(10);
  }
}

function wavFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? wavFiles(join(dir, e.name)) : e.name.endsWith('.wav') ? [join(dir, e.name)] : []));
}

afterAll(async () => {
  for (const t of timers) clearInterval(t);
  await Promise.all(phones.map((p) => p.close().catch(() => {})));
  await Promise.all(started.map((h) => killHard(h)));
  if (process.env.INTEROP_KEEP !== '1') rmSync(dataDir, { recursive: true, force: true });
});

describe.skipIf(!haveTsx && !ci)('a recorded call when Hotline is killed with SIGKILL', () => {
  it('leaves a playable recording that the next start-up repairs', { timeout: 90_000 }, async () => {
    onTestFailed(() => {
      for (const [i, h] of started.entries()) console.error(`--- hotline run ${i + 1} ---\n${h.output()}`);
    });
    const first = await startHotline('demo');

    const server = { host: '127.0.0.1', port: first.sipPort };
    const caller = await SipPhone.create({ server, user: '1001', password: PASSWORD });
    const callee = await SipPhone.create({ server, user: '1002', password: PASSWORD });
    phones.push(caller, callee);
    for (const p of [caller, callee]) expect((await p.register()).res.status).toBe(200);

    const { invite } = await caller.call('1002');
    const bInvite = await callee.waitRequest('INVITE', () => true, T);
    callee.answer(bInvite);
    const ok = await caller.waitResponse(invite, { status: 200 }, T);
    caller.ack2xx(invite, ok);
    await callee.waitRequest('ACK', (r) => r.callId === bInvite.callId, T);
    // Each phone sends to the relay address the SDP it received names.
    sendTone(caller, sdpAudio(ok.body), CALLER_HZ);
    sendTone(callee, sdpAudio(bInvite.body), CALLEE_HZ);

    const cookie = await signIn(first, 'admin@demo.test');
    const live = await api<{ items: Array<{ id: string; from: string; to: string; state: string }> }>(first, '/calls', { cookie });
    expect(live.status).toBe(200);
    const call = live.json.items.find((c) => c.from === '1001' && c.to === '1002' && c.state === 'answered');
    expect(call, JSON.stringify(live.json)).toBeTruthy();
    const rec = await api<{ recording: string }>(first, `/calls/${call!.id}/recording`, { cookie, body: { action: 'start' } });
    expect(rec.status, JSON.stringify(rec.json)).toBe(200);
    expect(rec.json.recording).toBe('on');

    // Wait until two 1 s chunks are on disk, then kill mid-chunk: audio still in memory is lost, nothing else.
    const recordings = join(dataDir, 'recordings');
    let file = '';
    await waitFor(
      () => {
        file = wavFiles(recordings)[0] ?? '';
        return !!file && statSync(file).size >= 44 && readFileSync(file).readUInt32LE(40) >= 2 * BYTES_PER_SECOND;
      },
      T,
      'the recording did not reach two flushed chunks',
      50,
    );
    await sleep(500);
    await killHard(first);
    expect(first.child.signalCode).toBe('SIGKILL');
    for (const t of timers.splice(0)) clearInterval(t);

    // The file the call was recorded to, never closed.
    expect(wavFiles(recordings)).toEqual([file]);
    expect(basename(file)).toBe(`${call!.id}.wav`);
    expect(existsSync(`${file}.sha256`)).toBe(false);

    // Playable as it is: the header describes whole frames that exist in the file.
    const size = statSync(file).size;
    const h1 = readHeader(file);
    expect(h1.dataSize).toBeGreaterThan(0);
    expect(h1.dataSize % 4).toBe(0);
    expect(h1.dataSize).toBeLessThanOrEqual(size - 44);
    expect(h1.riffSize).toBe(36 + h1.dataSize);
    expectTones(file, h1.dataSize);

    // A SIGKILL almost never lands between a chunk's data write and its header rewrite, so the file
    // is usually consistent already. Add the tail such a kill leaves (a chunk the header does not
    // cover, ending in a torn frame) so the start-up has something to repair and says so.
    const covered = readFileSync(file).subarray(44 + h1.dataSize - BYTES_PER_SECOND / 2, 44 + h1.dataSize);
    appendFileSync(file, Buffer.concat([covered, Buffer.from([1, 2, 3])]));
    const tornSize = statSync(file).size;
    expect((tornSize - 44) % 4).not.toBe(0);

    // The next start-up repairs it: the header covers the whole file, cut to whole frames.
    const second = await startHotline('start');
    const wholeFrames = Math.floor((tornSize - 44) / 4) * 4;
    expect(statSync(file).size).toBe(44 + wholeFrames);
    const h2 = readHeader(file);
    expect(h2).toEqual({ riffSize: 36 + wholeFrames, dataSize: wholeFrames });
    // Sealed: the call ended with the crash, so the repaired file gets its checksum now.
    expect(await verifyRecording(file)).toBe(true);
    expectTones(file, h2.dataSize);
    const repairs = second
      .output()
      .split('\n')
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as { msg?: string; repaired?: string[] }];
        } catch {
          return [];
        }
      })
      .filter((l) => l.msg === 'recordings repaired after an unclean stop');
    expect(repairs.flatMap((l) => l.repaired ?? []), second.output()).toContain(file);

    // Stopped cleanly.
    second.child.kill('SIGTERM');
    await second.exited;
    expect(second.child.exitCode, second.output()).toBe(0);
    expect(second.output()).toContain('hotline: stopping');
  });
});
