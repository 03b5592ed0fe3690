import { describe, expect, it, vi } from 'vitest';
import { RingTone } from './ring-tone';

/** Just enough of an AudioContext: oscillators, a gain, a state the autoplay policy controls. */
class FakeAudioContext {
  state: 'suspended' | 'running' = 'suspended';
  currentTime = 0;
  destination = {};
  allowed: boolean;
  oscillators: Array<{ frequency: { value: number }; started: boolean; stopped: boolean }> = [];
  steps: Array<[string, number, number]> = [];
  constructor(allowed: boolean) {
    this.allowed = allowed;
  }
  resume() {
    if (this.allowed) this.state = 'running';
    return Promise.resolve();
  }
  close() {
    return Promise.resolve();
  }
  createGain() {
    const steps = this.steps;
    return {
      gain: {
        value: 0,
        setValueAtTime: (v: number, t: number) => steps.push(['set', v, t]),
        linearRampToValueAtTime: (v: number, t: number) => steps.push(['ramp', v, t]),
      },
      connect() {},
      disconnect() {},
    };
  }
  createOscillator() {
    const o = { frequency: { value: 0 }, started: false, stopped: false, connect() {}, disconnect() {}, start: () => (o.started = true), stop: () => (o.stopped = true) };
    this.oscillators.push(o);
    return o;
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('RingTone', () => {
  it('plays 440 + 480 Hz, 2 s on and 4 s off', async () => {
    const ctx = new FakeAudioContext(true);
    ctx.state = 'running';
    const ring = new RingTone(() => ctx as unknown as AudioContext);
    vi.useFakeTimers();
    ring.start();
    expect(ring.sound).toBe('audible');
    // The next cycle is queued on the audio clock once it comes within reach.
    ctx.currentTime = 1;
    vi.advanceTimersByTime(1000);
    vi.useRealTimers();
    expect(ctx.oscillators.map((o) => o.frequency.value)).toEqual([440, 480]);
    const starts = ctx.steps.filter(([kind, v]) => kind === 'ramp' && v > 0).map(([, , t]) => t);
    const stops = ctx.steps.filter(([kind, v]) => kind === 'ramp' && v === 0).map(([, , t]) => t);
    expect(stops[0]! - starts[0]!).toBeCloseTo(2 - 0.02, 5);
    expect(starts[1]! - starts[0]!).toBeCloseTo(6, 5);
    ring.stop();
    expect(ring.sound).toBe('off');
    expect(ctx.oscillators.every((o) => o.stopped)).toBe(true);
  });

  it('says it is blocked until a user gesture lets the audio context run', async () => {
    const ctx = new FakeAudioContext(false);
    const ring = new RingTone(() => ctx as unknown as AudioContext);
    const seen: string[] = [];
    ring.onChange((s) => seen.push(s));
    ring.start();
    await flush();
    expect(ring.sound).toBe('blocked');
    expect(ctx.oscillators).toHaveLength(0);
    ctx.allowed = true; // the user clicked
    ring.unlock();
    await flush();
    expect(ring.sound).toBe('audible');
    expect(seen).toEqual(['blocked', 'audible']);
    ring.close();
  });

  it('does not start ringing on unlock when no call rings', async () => {
    const ctx = new FakeAudioContext(true);
    const ring = new RingTone(() => ctx as unknown as AudioContext);
    ring.unlock();
    await flush();
    expect(ring.sound).toBe('off');
    expect(ctx.oscillators).toHaveLength(0);
  });
});
