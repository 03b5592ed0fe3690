import { FRAME_SAMPLES as FRAME, SAMPLE_RATE } from '../audio/frame.js';
import { MediaError } from '../errors.js';

/** A module constant, not the re-exported binding: read in per-sample loops (a getter under tsx). */
const FRAME_SAMPLES = FRAME;

export type PopResult = 'audio' | 'concealed' | 'silence';

export interface JitterBufferOptions {
  minDelayMs?: number;
  maxDelayMs?: number;
  /** RTP clock rate of the stream's timestamps; samples are always 8 kHz PCM. */
  clockRate?: number;
}

export interface JitterBufferStats {
  pushed: number;
  /** Arrived after their playout point. */
  late: number;
  duplicate: number;
  /** Further ahead than the ring holds. */
  overflow: number;
  /** Frames made up from the previous one (loss concealment, or a frame inserted to add delay). */
  concealed: number;
  /** Frames that carried received audio. */
  played: number;
  /** Restarts: `reset()` calls and timestamp jumps. */
  resets: number;
  /** Pops that found nothing at or beyond the playout point (the sender is behind): the point waited. */
  underruns: number;
}

const SPM = SAMPLE_RATE / 1000; // samples per ms
/** Repeats of the last frame, in Q15 gains, before going silent. */
const CONCEAL_GAINS = [24576, 16384, 8192] as const; // 0.75, 0.5, 0.25
/** A packet this far from where the playout clock expects it means the source jumped: restart. */
const JUMP_SAMPLES = 1000 * SPM;
/** Gradual adaptation drops or inserts at most one frame per this many frames. */
const ADAPT_EVERY = 10;
/** Dead band around the target, one frame, so a drop never calls for an insert and back. */
const HYSTERESIS = FRAME_SAMPLES;
/** The 10 ms granularity of the target. */
const TARGET_STEP = 10 * SPM;

/**
 * Adaptive jitter buffer on decoded PCM. Packets are placed by RTP timestamp on a sample timeline
 * in a fixed ring (maxDelay + 1 s, allocated once), so any packet duration works; `pop` takes the
 * next 20 ms frame every 20 ms.
 *
 * The target delay follows the interarrival jitter (RFC 3550 A.8): 3 × jitter + 10 ms, rounded up
 * to 10 ms, within [min, max]. It is applied when a talkspurt starts (marker bit, RFC 3551 §4.1),
 * where moving the playout point is inaudible, and otherwise by dropping or inserting one frame when
 * the measured delay is off the target by more than a frame.
 */
export class JitterBuffer {
  readonly stats: JitterBufferStats = { pushed: 0, late: 0, duplicate: 0, overflow: 0, concealed: 0, played: 0, resets: 0, underruns: 0 };

  private readonly minDelay: number; // samples
  private readonly maxDelay: number;
  private readonly scale: number; // samples per timestamp unit
  private readonly size: number;
  private readonly ring: Int16Array;
  /** 1 where the ring holds a received sample; only ever set within [playPos, playPos + size). */
  private readonly filled: Uint8Array;
  private readonly last = new Int16Array(FRAME_SAMPLES);
  private haveLast = false;
  private concealRun = 0;

  private started = false;
  private anchored = false;
  // Timestamps are unwrapped against the newest packet: extended units and the raw uint32.
  private lastTs = 0;
  private lastExt = 0;
  /** Next sample position to play. */
  private playPos = 0;
  /** Positions below were played or skipped: a packet ending there is late. */
  private playedTo = 0;
  private highestEnd = 0;
  /** The position played at `clockMs`: where the playout clock is between pops. */
  private clockPos = 0;
  private clockMs = 0;

  private jitter = 0; // samples
  private lastTransit = 0;
  private haveTransit = false;
  private target: number; // samples
  /** Smoothed wait of packets between arrival and playout, in samples. */
  private delayEst: number;
  private sinceAdapt = 0;

  private spurtPending = false;
  private spurtPos = 0;
  private spurtArrivalMs = 0;
  private spurtPrevEnd = 0;

  constructor(opts: JitterBufferOptions = {}) {
    const minDelayMs = opts.minDelayMs ?? 20;
    const maxDelayMs = opts.maxDelayMs ?? 200;
    const clockRate = opts.clockRate ?? 8000;
    if (!(minDelayMs >= 0) || !(maxDelayMs >= minDelayMs) || maxDelayMs > 10_000 || !(clockRate > 0)) {
      throw new MediaError('MEDIA_BAD_REQUEST', `bad jitter buffer options ${minDelayMs}/${maxDelayMs} ms at ${clockRate} Hz`);
    }
    this.minDelay = Math.round(minDelayMs * SPM);
    this.maxDelay = Math.round(maxDelayMs * SPM);
    this.scale = SAMPLE_RATE / clockRate;
    this.size = this.maxDelay + 1000 * SPM;
    this.ring = new Int16Array(this.size);
    this.filled = new Uint8Array(this.size);
    this.target = this.minDelay;
    this.delayEst = this.target;
  }

  /** Current playout delay: how long packets wait between arrival and playout, smoothed. */
  get delayMs(): number {
    return this.started ? this.delayEst / SPM : 0;
  }
  get targetMs(): number {
    return this.target / SPM;
  }
  /** Interarrival jitter estimate (RFC 3550 A.8) in ms. */
  get jitterMs(): number {
    return this.jitter / SPM;
  }

  /** Forgets the stream (call on an SSRC change); the jitter estimate, a path property, is kept. */
  reset(): void {
    this.stats.resets++;
    this.clear();
  }

  /** Copies `sampleCount` samples of a packet stamped `rtpTimestamp` into the buffer. */
  push(rtpTimestamp: number, samples: Int16Array, sampleCount: number, arrivalMs: number, marker: boolean): void {
    if (!(sampleCount >= 0) || sampleCount > samples.length || sampleCount > this.size) {
      throw new MediaError('MEDIA_BAD_REQUEST', `bad sample count ${sampleCount} for ${samples.length} samples`);
    }
    if (sampleCount === 0) return;
    const st = this.stats;
    st.pushed++;
    const ts = rtpTimestamp >>> 0;
    if (!this.started) this.begin(ts, arrivalMs);
    // Signed 32-bit difference to the newest timestamp: the wrap at 2^32 is just a step.
    let ext = this.lastExt + ((ts - this.lastTs) | 0);
    let pos = Math.round(ext * this.scale);
    let lead = pos - (this.clockPos + (arrivalMs - this.clockMs) * SPM);
    if (lead > JUMP_SAMPLES || lead < -JUMP_SAMPLES) {
      st.resets++;
      this.clear();
      this.begin(ts, arrivalMs);
      ext = 0;
      pos = 0;
      lead = this.target;
    }
    if (ext > this.lastExt) {
      this.lastExt = ext;
      this.lastTs = ts;
    }
    const end = pos + sampleCount;
    if (end <= this.playedTo) {
      st.late++;
      this.observe(pos, arrivalMs, lead);
      return;
    }
    if (end > this.playPos + this.size) {
      st.overflow++;
      return;
    }
    const start = pos > this.playedTo ? pos : this.playedTo; // a partly late packet keeps its tail
    const filled = this.filled;
    if (filled[this.index(start)] === 1 && filled[this.index(end - 1)] === 1) {
      st.duplicate++;
      return;
    }
    const ring = this.ring;
    // At most two runs (the ring wraps once); the flags are set natively.
    for (let i = start - pos, k = this.index(start); i < sampleCount; k = 0) {
      const run = sampleCount - i < this.size - k ? sampleCount - i : this.size - k;
      for (let j = 0; j < run; j++) ring[k + j] = samples[i + j]!;
      filled.fill(1, k, k + run);
      i += run;
    }
    this.observe(pos, arrivalMs, lead);
    const prevEnd = this.highestEnd;
    if (end > prevEnd) this.highestEnd = end;
    if (marker && this.anchored && pos >= prevEnd) {
      this.spurtPending = true;
      this.spurtPos = pos;
      this.spurtArrivalMs = arrivalMs;
      this.spurtPrevEnd = prevEnd;
    } else if (this.spurtPending && end <= this.spurtPos && end > this.spurtPrevEnd) {
      this.spurtPrevEnd = end; // a straggler of the previous talkspurt still to be played
    }
  }

  /** Writes the next 20 ms frame into `out[0..160)`. Call exactly every 20 ms. */
  pop(out: Int16Array, nowMs: number): PopResult {
    if (out.length < FRAME_SAMPLES) throw new MediaError('MEDIA_BAD_REQUEST', `pop needs ${FRAME_SAMPLES} samples of room`);
    if (!this.started) return this.silence(out);
    if (!this.anchored) {
      // The first packet (position 0) plays `target` after it arrived, on its 20 ms grid.
      this.anchored = true;
      const desired = this.clockPos + (nowMs - this.clockMs) * SPM;
      const aligned = Math.round(desired / FRAME_SAMPLES) * FRAME_SAMPLES;
      this.delayEst -= aligned - desired;
      this.moveTo(aligned);
    } else if (this.spurtPending) {
      if (this.playPos >= this.spurtPos) {
        this.spurtPending = false; // already reached: gradual adaptation takes over
      } else if (this.playPos >= this.spurtPrevEnd) {
        // The previous talkspurt is out: re-anchor so this one starts `target` after it arrived.
        this.spurtPending = false;
        const desired = this.spurtPos - this.target + (nowMs - this.spurtArrivalMs) * SPM;
        let at = this.spurtPos - Math.round((this.spurtPos - desired) / FRAME_SAMPLES) * FRAME_SAMPLES;
        if (at > this.spurtPos) at = this.spurtPos;
        // The old talkspurt's delays say nothing about the new anchor: start from this packet's wait.
        this.delayEst = this.spurtPos - at + (nowMs - this.spurtArrivalMs) * SPM;
        this.moveTo(at);
        this.sinceAdapt = 0;
      }
    }
    let insert = false;
    if (++this.sinceAdapt >= ADAPT_EVERY) {
      if (this.delayEst > this.target + HYSTERESIS && this.filled[this.index(this.playPos)] === 1) {
        this.moveTo(this.playPos + FRAME_SAMPLES);
        this.delayEst -= FRAME_SAMPLES;
        this.sinceAdapt = 0;
      } else if (this.delayEst < this.target - HYSTERESIS) {
        insert = true;
        this.delayEst += FRAME_SAMPLES;
        this.sinceAdapt = 0;
      }
    }
    this.clockPos = this.playPos;
    this.clockMs = nowMs;
    if (insert) return this.conceal(out);
    return this.read(out);
  }

  private begin(ts: number, arrivalMs: number): void {
    this.started = true;
    this.anchored = false;
    this.lastTs = ts;
    this.lastExt = 0;
    // Until the first pop anchors it, the clock puts the first packet (position 0) `target` ahead.
    this.clockPos = -this.target;
    this.clockMs = arrivalMs;
    // Lowest point the anchor can land on, so the ring window never has to move backwards then.
    this.playPos = -this.maxDelay - FRAME_SAMPLES;
    this.playedTo = this.playPos;
    this.highestEnd = this.playPos;
    this.haveTransit = false;
    this.delayEst = this.target;
    this.sinceAdapt = 0;
    this.spurtPending = false;
  }

  private clear(): void {
    this.filled.fill(0);
    this.started = false;
    this.anchored = false;
    this.haveLast = false;
    this.concealRun = 0;
    this.spurtPending = false;
  }

  /** Jitter (A.8 on the sample timeline), the target it implies, and the smoothed delay. */
  private observe(pos: number, arrivalMs: number, lead: number): void {
    const transit = arrivalMs * SPM - pos;
    if (this.haveTransit) {
      const d = transit > this.lastTransit ? transit - this.lastTransit : this.lastTransit - transit;
      this.jitter += (d - this.jitter) / 16;
    }
    this.haveTransit = true;
    this.lastTransit = transit;
    const t = Math.ceil((3 * this.jitter + 10 * SPM) / TARGET_STEP) * TARGET_STEP;
    this.target = t < this.minDelay ? this.minDelay : t > this.maxDelay ? this.maxDelay : t;
    this.delayEst += (lead - this.delayEst) / 16;
  }

  private index(pos: number): number {
    const k = pos % this.size;
    return k < 0 ? k + this.size : k;
  }

  /**
   * Moves the playout point, keeping `filled` true to its window: forward, skipped samples are
   * cleared; backward, the top of the old window (the same ring slots) is.
   */
  private moveTo(pos: number): void {
    const from = pos < this.playPos ? pos : this.playPos;
    const to = pos < this.playPos ? this.playPos : pos;
    const n = to - from < this.size ? to - from : this.size;
    const k = this.index(from);
    if (k + n <= this.size) {
      this.filled.fill(0, k, k + n);
    } else {
      this.filled.fill(0, k);
      this.filled.fill(0, 0, k + n - this.size);
    }
    this.playPos = pos;
    if (pos > this.playedTo) this.playedTo = pos;
  }

  private read(out: Int16Array): PopResult {
    const size = this.size;
    const filled = this.filled;
    const ring = this.ring;
    const k0 = this.index(this.playPos);
    const last = this.last;
    if (k0 + FRAME_SAMPLES <= size) {
      // Fast path, a whole frame without a ring wrap: one native scan tells it is complete.
      const gap = filled.indexOf(0, k0);
      if (gap === -1 || gap >= k0 + FRAME_SAMPLES) {
        for (let i = 0; i < FRAME_SAMPLES; i++) out[i] = last[i] = ring[k0 + i]!;
        filled.fill(0, k0, k0 + FRAME_SAMPLES);
        return this.played();
      }
    }
    let got = 0;
    for (let i = 0, k = k0; i < FRAME_SAMPLES; i++) {
      got += filled[k]!;
      if (++k === size) k = 0;
    }
    if (got === 0) {
      // Nothing received at or beyond the playout point: the sender is behind us (its clock runs
      // slower, or it paused), not lost. Hold the point so its next packet still plays, instead of
      // marching ahead and dropping every later packet as late.
      // A packet lost while the buffer still holds its usual delay is concealed and skipped.
      if (this.highestEnd > this.playPos || this.delayEst >= this.target / 2) this.advance();
      else this.stats.underruns++;
      return this.conceal(out);
    }
    // Samples missing from a partly received frame are filled from the previous frame, attenuated.
    const g = this.haveLast ? CONCEAL_GAINS[0] : 0;
    for (let i = 0, k = k0; i < FRAME_SAMPLES; i++) {
      if (filled[k] === 1) {
        out[i] = ring[k]!;
        filled[k] = 0;
      } else {
        out[i] = (last[i]! * g) >> 15;
      }
      if (++k === size) k = 0;
    }
    for (let i = 0; i < FRAME_SAMPLES; i++) last[i] = out[i]!;
    return this.played();
  }

  private played(): PopResult {
    this.haveLast = true;
    this.concealRun = 0;
    this.stats.played++;
    this.advance();
    return 'audio';
  }

  private advance(): void {
    this.playPos += FRAME_SAMPLES;
    if (this.playPos > this.playedTo) this.playedTo = this.playPos;
  }

  /** Repeats the last frame with decaying gain for up to three frames, then silence. */
  private conceal(out: Int16Array): PopResult {
    if (!this.haveLast || this.concealRun >= CONCEAL_GAINS.length) return this.silence(out);
    const g = CONCEAL_GAINS[this.concealRun++]!;
    const last = this.last;
    for (let i = 0; i < FRAME_SAMPLES; i++) out[i] = (last[i]! * g) >> 15;
    this.stats.concealed++;
    return 'concealed';
  }

  private silence(out: Int16Array): PopResult {
    out.fill(0, 0, FRAME_SAMPLES);
    return 'silence';
  }
}
