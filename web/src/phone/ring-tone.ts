/**
 * The ring tone, made with WebAudio: 440 Hz + 480 Hz, 2 s on, 4 s off (the North American ringback
 * cadence, ITU-T E.180 Suppl. 2). Browsers keep an AudioContext suspended until the user has
 * interacted with the page (autoplay policy); then the tone is `blocked` and starts as soon as a
 * click or key press lets it (`unlock`).
 */
export type RingSound = 'off' | 'audible' | 'blocked';

const ON_S = 2;
const CYCLE_S = 6;
const LEVEL = 0.12;

type SinkableContext = AudioContext & { setSinkId?: (id: string) => Promise<void> };

export class RingTone {
  private ctx: SinkableContext | null = null;
  private ringing = false;
  private nodes: { oscillators: OscillatorNode[]; gain: GainNode } | null = null;
  private scheduler: ReturnType<typeof setInterval> | null = null;
  private nextCycle = 0;
  private sinkId: string | null = null;
  private readonly listeners = new Set<(s: RingSound) => void>();
  sound: RingSound = 'off';

  constructor(private readonly createContext: () => AudioContext = () => new AudioContext()) {}

  onChange(listener: (s: RingSound) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    this.ringing = true;
    let ctx: SinkableContext;
    try {
      ctx = this.context();
    } catch {
      this.set('blocked'); // no WebAudio: the visual alerts remain
      return;
    }
    if (ctx.state === 'running') this.play();
    else {
      this.set('blocked');
      // Resolves at once where autoplay is allowed; otherwise stays suspended until `unlock`.
      void ctx.resume().then(() => this.afterResume(), () => undefined);
    }
  }

  stop(): void {
    this.ringing = false;
    this.silence();
    this.set('off');
  }

  /** From a user gesture: lets the context run, and rings if a call is waiting. */
  unlock(): void {
    try {
      void this.context().resume().then(() => this.afterResume(), () => undefined);
    } catch {
      // no WebAudio
    }
  }

  /** Ring on this output device (HTMLMediaElement.setSinkId's sibling on AudioContext). */
  setSink(deviceId: string | null): void {
    this.sinkId = deviceId;
    if (this.ctx?.setSinkId) void this.ctx.setSinkId(deviceId ?? '').catch(() => undefined);
  }

  close(): void {
    this.stop();
    void this.ctx?.close().catch(() => undefined);
    this.ctx = null;
  }

  private context(): SinkableContext {
    if (!this.ctx) {
      this.ctx = this.createContext() as SinkableContext;
      if (this.sinkId && this.ctx.setSinkId) void this.ctx.setSinkId(this.sinkId).catch(() => undefined);
    }
    return this.ctx;
  }

  private afterResume(): void {
    if (this.ringing && this.ctx?.state === 'running' && !this.nodes) this.play();
  }

  private play(): void {
    const ctx = this.ctx;
    if (!ctx || this.nodes) return;
    const gain = ctx.createGain();
    gain.gain.value = 0;
    gain.connect(ctx.destination);
    const oscillators = [440, 480].map((f) => {
      const o = ctx.createOscillator();
      o.frequency.value = f;
      o.connect(gain);
      o.start();
      return o;
    });
    this.nodes = { oscillators, gain };
    this.nextCycle = ctx.currentTime + 0.05;
    this.schedule();
    // Cadence steps are queued on the audio clock a cycle ahead, so a busy main thread does not
    // stretch them.
    this.scheduler = setInterval(() => this.schedule(), 1000);
    this.set('audible');
  }

  private schedule(): void {
    const ctx = this.ctx;
    const nodes = this.nodes;
    if (!ctx || !nodes) return;
    while (this.nextCycle < ctx.currentTime + CYCLE_S) {
      const t = this.nextCycle;
      nodes.gain.gain.setValueAtTime(0, t);
      nodes.gain.gain.linearRampToValueAtTime(LEVEL, t + 0.02);
      nodes.gain.gain.setValueAtTime(LEVEL, t + ON_S - 0.02);
      nodes.gain.gain.linearRampToValueAtTime(0, t + ON_S);
      this.nextCycle += CYCLE_S;
    }
  }

  private silence(): void {
    if (this.scheduler) clearInterval(this.scheduler);
    this.scheduler = null;
    const nodes = this.nodes;
    this.nodes = null;
    if (!nodes) return;
    for (const o of nodes.oscillators) {
      try {
        o.stop();
      } catch {
        // already stopped
      }
      o.disconnect();
    }
    nodes.gain.disconnect();
  }

  private set(sound: RingSound): void {
    if (this.sound === sound) return;
    this.sound = sound;
    for (const l of this.listeners) l(sound);
  }
}
