/**
 * The worker's 20 ms clock. Every anchored leg, mixer and recorder runs in one pass per tick, in
 * phases (pull input, mix, send, record), so a frame taken from a jitter buffer is used by all who
 * need it in the same tick. Deadlines are absolute (start + n × 20 ms), so timer jitter does not
 * accumulate into drift; a tick that comes late runs at once, and ticks missed while the thread was
 * busy are run back to back, up to a second's worth, so no audio timeline gets shorter.
 */
import { FRAME_MS } from '../audio/frame.js';

export interface TickTarget {
  /** Phase 1: take this tick's input frame (jitter buffer pop). */
  pull?(now: number): void;
  /** Phase 2: mixers compute their members' outputs. */
  mix?(now: number): void;
  /** Phase 3: send generated audio, DTMF, RTCP. */
  push?(now: number): void;
  /** Phase 4: recorders write the frames of this tick. */
  record?(now: number): void;
}

/**
 * How many late ticks are run back to back before the rest are skipped: a second's worth, so a
 * thread that stalled keeps every recording and mix at its full length (the jitter buffers hold
 * what arrived meanwhile); only a longer stall loses time.
 */
const MAX_CATCH_UP = 50;
/** Lateness histogram: 0.1 ms buckets up to 100 ms. */
const BUCKETS = 1000;

export class TickScheduler {
  private readonly targets = new Set<TickTarget>();
  private timer: NodeJS.Timeout | null = null;
  private next = 0;
  private readonly lateness = new Uint32Array(BUCKETS + 1);
  ticks = 0;
  skipped = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  add(t: TickTarget): void {
    this.targets.add(t);
    if (!this.timer && this.targets.size > 0) this.start();
  }

  delete(t: TickTarget): void {
    this.targets.delete(t);
    if (this.targets.size === 0) this.stop();
  }

  get size(): number {
    return this.targets.size;
  }

  /** Run one tick now (tests drive the graph with this instead of the timer). */
  tick(now = this.now()): void {
    this.ticks++;
    const ts = [...this.targets];
    for (const t of ts) t.pull?.(now);
    for (const t of ts) t.mix?.(now);
    for (const t of ts) t.push?.(now);
    for (const t of ts) t.record?.(now);
  }

  /**
   * Run the tick now if it is due. Called by every anchored leg before it handles a packet: a
   * worker draining a burst of packets (hundreds of sockets become readable at once) would
   * otherwise reach its timer only after the whole burst, and every frame of that tick would go
   * out late. One clock read per packet buys a tick that is late by one packet's work at most.
   */
  poll(): void {
    if (this.timer !== null && this.now() >= this.next) {
      clearTimeout(this.timer);
      this.fire();
    }
  }

  /** Percentile (0..1) of tick lateness in ms since the last reset. */
  latenessPercentile(p: number): number {
    let total = 0;
    for (const c of this.lateness) total += c;
    if (total === 0) return 0;
    let seen = 0;
    const want = Math.ceil(p * total);
    for (let i = 0; i <= BUCKETS; i++) {
      seen += this.lateness[i]!;
      if (seen >= want) return i / 10;
    }
    return BUCKETS / 10;
  }

  resetLateness(): void {
    this.lateness.fill(0);
    this.skipped = 0;
  }

  private start(): void {
    this.next = this.now() + FRAME_MS;
    this.arm();
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    const delay = Math.max(0, this.next - this.now());
    this.timer = setTimeout(() => this.fire(), delay);
  }

  private fire(): void {
    this.timer = null;
    let now = this.now();
    let runs = 0;
    while (now >= this.next && runs < MAX_CATCH_UP) {
      const late = now - this.next;
      this.lateness[Math.min(BUCKETS, Math.floor(late * 10))]!++;
      this.tick(now);
      this.next += FRAME_MS;
      runs++;
      now = this.now();
    }
    if (now >= this.next) {
      // Blocked for longer than the catch-up allows: start counting again from now.
      const missed = Math.floor((now - this.next) / FRAME_MS) + 1;
      this.skipped += missed;
      this.next += missed * FRAME_MS;
    }
    if (this.targets.size > 0) this.arm();
  }
}
