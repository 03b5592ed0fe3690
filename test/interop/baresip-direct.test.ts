/**
 * Proves the baresip harness without Hotline: two baresip instances call each other
 * directly (no registrar) and each records the other's tone.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { analyzeWav } from './support/audio.js';
import { baresipAvailable, startBaresip, type Baresip } from './support/baresip.js';
import { liveChildren } from './support/proc.js';

const available = baresipAvailable();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const T = 15_000; // generous event timeout; nothing below asserts how fast things happen

function near(hz: number | null, want: number): boolean {
  return hz !== null && Math.abs(hz - want) <= 5;
}

describe.skipIf(!available && process.env.CI !== 'true')('baresip ↔ baresip, direct', () => {
  const started: Baresip[] = [];
  const start = async (o: Parameters<typeof startBaresip>[0]) => {
    const b = await startBaresip(o);
    started.push(b);
    return b;
  };
  const dumpLogsOnFailure = () =>
    onTestFailed(() => {
      for (const b of started) console.error(`--- baresip ${b.name} log ---\n${b.log()}`);
    });

  afterEach(async () => {
    await Promise.all(started.map((b) => b.stop()));
    started.length = 0;
  });
  afterAll(() => {
    expect(liveChildren()).toEqual([]);
  });

  it('baresip and the modules the harness uses are installed', () => {
    expect(available, 'baresip (Debian package baresip-core) is required when CI=true').toBe(true);
  });

  it('A (440 Hz) calls B (1000 Hz, auto-answer): each records the other’s tone', { timeout: 60_000 }, async () => {
    dumpLogsOnFailure();
    const [a, b] = await Promise.all([start({ name: 'a', toneHz: 440 }), start({ name: 'b', toneHz: 1000, autoAnswer: true })]);
    expect(a.sipPort).not.toBe(b.sipPort);

    await a.dial(`sip:b@127.0.0.1:${b.sipPort}`);
    // baresip 1.0.0 emits no CALL_INCOMING when it auto-answers.
    const estA = await a.waitEvent((e) => e.type === 'CALL_ESTABLISHED', T);
    const estB = await b.waitEvent((e) => e.type === 'CALL_ESTABLISHED', T);
    expect(estA.direction).toBe('outgoing');
    expect(estB.direction).toBe('incoming');
    expect(estB.peeruri).toBe(`sip:a@127.0.0.1:${a.sipPort}`);

    await sleep(3000); // let audio flow
    await a.hangup();
    const closedA = await a.waitEvent((e) => e.type === 'CALL_CLOSED', T);
    const closedB = await b.waitEvent((e) => e.type === 'CALL_CLOSED', T);
    expect(closedA.id).toBe(estA.id);
    expect(closedB.param ?? '').not.toBe('');

    const heardByA = analyzeWav(a.recordingPath);
    const heardByB = analyzeWav(b.recordingPath);
    expect(heardByA.silent).toBe(false);
    expect(heardByB.silent).toBe(false);
    expect(heardByA.dominantHz, `A heard ${heardByA.dominantHz} Hz`).toSatisfy((hz: number | null) => near(hz, 1000));
    expect(heardByB.dominantHz, `B heard ${heardByB.dominantHz} Hz`).toSatisfy((hz: number | null) => near(hz, 440));
    // G.711 keeps a clean tone clean.
    expect(heardByA.toneRatio).toBeGreaterThan(0.8);
    expect(heardByB.toneRatio).toBeGreaterThan(0.8);
    expect(heardByA.rms).toBeGreaterThan(0.1);
    // What each side sent is its own tone (the -enc recording).
    expect(near(analyzeWav(a.recordings().sent.at(-1)!).dominantHz, 440)).toBe(true);
    expect(near(analyzeWav(b.recordings().sent.at(-1)!).dominantHz, 1000)).toBe(true);
  });

  it('manual answer, callee hangs up, caller sees the call closed', { timeout: 60_000 }, async () => {
    dumpLogsOnFailure();
    const [a, b] = await Promise.all([start({ name: 'caller', toneHz: 600 }), start({ name: 'callee', toneHz: 1500 })]);
    await a.dial(`sip:callee@127.0.0.1:${b.sipPort}`);
    await b.waitEvent((e) => e.type === 'CALL_INCOMING', T);
    await a.waitEvent((e) => e.type === 'CALL_RINGING', T);
    await b.answer();
    await a.waitEvent((e) => e.type === 'CALL_ESTABLISHED', T);
    await b.waitEvent((e) => e.type === 'CALL_ESTABLISHED', T);
    await sleep(1500);
    await b.hangup();
    await b.waitEvent((e) => e.type === 'CALL_CLOSED', T);
    const closed = await a.waitEvent((e) => e.type === 'CALL_CLOSED', T);
    expect(closed.direction).toBe('outgoing');
    expect(near(analyzeWav(a.recordingPath).dominantHz, 1500)).toBe(true);
    expect(near(analyzeWav(b.recordingPath).dominantHz, 600)).toBe(true);
  });

  it('a call rejected by the callee closes on the caller with the reason', { timeout: 60_000 }, async () => {
    dumpLogsOnFailure();
    const [a, b] = await Promise.all([start({ name: 'rej-a', toneHz: 440 }), start({ name: 'rej-b', toneHz: 1000 })]);
    await a.dial(`sip:rej-b@127.0.0.1:${b.sipPort}`);
    await b.waitEvent((e) => e.type === 'CALL_INCOMING', T);
    await b.hangup(); // hangup of an unanswered incoming call rejects it
    const closed = await a.waitEvent((e) => e.type === 'CALL_CLOSED', T);
    expect(closed.param).toMatch(/\d{3}/); // a SIP status (baresip rejects with 486 Busy Here)
    expect(a.events.some((e) => e.type === 'CALL_ESTABLISHED')).toBe(false);
    expect(a.recordings().received).toEqual([]);
  });

  it('stop() leaves no process and no temp dir behind', { timeout: 30_000 }, async () => {
    const { existsSync } = await import('node:fs');
    const b = await start({ name: 'stopper', toneHz: 440 });
    const pid = b.pid!;
    expect(() => process.kill(pid, 0)).not.toThrow();
    await b.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(b.dir)).toBe(false);
    await b.stop(); // idempotent
  });
});
