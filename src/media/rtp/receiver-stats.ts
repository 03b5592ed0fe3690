import { MediaError } from '../errors.js';
import { msToNtpShort } from './ntp.js';

/** RFC 3550 A.1: packets in sequence needed before a source is valid, and the tolerated gaps. */
export const MIN_SEQUENTIAL = 2;
export const MAX_DROPOUT = 3000;
export const MAX_MISORDER = 100;
const RTP_SEQ_MOD = 0x1_0000;

/** How many recent sequence numbers are remembered to tell duplicates from reordered packets. */
const SEEN_WINDOW = 128; // > MAX_MISORDER, power of two
const SEEN_MASK = SEEN_WINDOW - 1;

/** One reception report block (RFC 3550 §6.4.1). */
export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the previous report, in 1/256 (0..255). */
  fractionLost: number;
  /** Cumulative packets lost, clamped to the signed 24-bit field; negative with duplicates. */
  cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | max seq), uint32. */
  highestSeq: number;
  /** Interarrival jitter in timestamp units (A.8), uint32. */
  jitter: number;
  /** Middle 32 bits of the last SR's NTP timestamp, 0 when none was received. */
  lsr: number;
  /** Delay since that SR in 1/65536 s, 0 when none was received. */
  dlsr: number;
}

const clamp24 = (n: number) => (n > 0x7fffff ? 0x7fffff : n < -0x800000 ? -0x800000 : n);

/**
 * Reception statistics of one RTP source: validation and sequence tracking (RFC 3550 A.1), loss
 * (A.3) and interarrival jitter (A.8). One instance per SSRC; nothing is allocated per packet.
 */
export class ReceiverStats {
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private probation = MIN_SEQUENTIAL;
  private started = false;
  private validated = false;
  private nReceived = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private nDuplicates = 0;
  private nLate = 0;
  private nDiscarded = 0;
  // A.8, in timestamp units; the previous packet's arrival (in timestamp units) and timestamp.
  private jitter = 0;
  private haveTransit = false;
  private lastArrivalUnits = 0;
  private lastTs = 0;
  private lastSr = 0;
  private lastSrArrivalMs = 0;
  private haveSr = false;
  /** Extended sequence number last seen in each slot, -1 when empty. */
  private readonly seen = new Float64Array(SEEN_WINDOW).fill(-1);
  private readonly unitsPerMs: number;

  constructor(private readonly clockRate = 8000) {
    if (!(clockRate > 0)) throw new MediaError('MEDIA_BAD_REQUEST', `bad RTP clock rate ${clockRate}`);
    this.unitsPerMs = clockRate / 1000;
  }

  /**
   * Accounts one packet. Returns false when A.1 does not accept it (source still on probation, or a
   * large jump that is not yet confirmed by the next packet) and for a duplicate, which A.1 counts
   * as received (so cumulative loss can go negative, §6.4.1) but should not be played twice.
   */
  onPacket(seq: number, rtpTimestamp: number, arrivalMs: number): boolean {
    seq &= 0xffff;
    if (!this.started) {
      this.started = true;
      this.initSeq(seq);
      this.maxSeq = (seq - 1) & 0xffff;
      this.probation = MIN_SEQUENTIAL;
    }
    const udelta = (seq - this.maxSeq) & 0xffff;
    if (this.probation > 0) {
      if (seq === ((this.maxSeq + 1) & 0xffff)) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.initSeq(seq);
          this.validated = true;
          this.nReceived++;
          this.markSeen(this.cycles + seq);
          this.updateJitter(rtpTimestamp, arrivalMs);
          return true;
        }
      } else {
        this.probation = MIN_SEQUENTIAL - 1;
        this.maxSeq = seq;
      }
      this.nDiscarded++;
      return false;
    }
    let ext: number;
    if (udelta < MAX_DROPOUT) {
      // In order, with a permissible gap; a smaller number means the 16-bit counter wrapped.
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD;
      this.maxSeq = seq;
      ext = this.cycles + seq;
      if (udelta === 0 && this.seen[ext & SEEN_MASK] === ext) return this.duplicate();
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // A very large jump: restart only if the next packet confirms it (the source restarted).
      if (seq === this.badSeq) {
        this.initSeq(seq);
        this.haveTransit = false;
        ext = seq;
      } else {
        this.badSeq = (seq + 1) & (RTP_SEQ_MOD - 1);
        this.nDiscarded++;
        return false;
      }
    } else {
      // Behind the highest: reordered or duplicated.
      ext = this.cycles + this.maxSeq - ((this.maxSeq - seq) & 0xffff);
      if (this.seen[ext & SEEN_MASK] === ext) return this.duplicate();
      this.nLate++;
    }
    this.nReceived++;
    this.markSeen(ext);
    this.updateJitter(rtpTimestamp, arrivalMs);
    return true;
  }

  /** Remembers the middle 32 bits of a received SR's NTP timestamp and when it arrived (§6.4.1). */
  onSenderReport(ntpMiddle32: number, arrivalMs: number): void {
    this.lastSr = ntpMiddle32 >>> 0;
    this.lastSrArrivalMs = arrivalMs;
    this.haveSr = true;
  }

  /**
   * The report block about this source, as of `nowMs` (needed for DLSR). Like A.3, it starts a new
   * interval for the fraction lost. Allocates one object: reports are sent every few seconds.
   */
  reportBlock(ssrcOfSource: number, nowMs: number): ReportBlock {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.nReceived - this.receivedPrior;
    this.receivedPrior = this.nReceived;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost =
      expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
    return {
      ssrc: ssrcOfSource >>> 0,
      fractionLost,
      cumulativeLost: clamp24(this.lost),
      highestSeq: this.validated ? (this.cycles + this.maxSeq) >>> 0 : 0,
      jitter: Math.min(0xffffffff, Math.floor(this.jitter)) >>> 0,
      lsr: this.haveSr ? this.lastSr : 0,
      dlsr: this.haveSr ? msToNtpShort(nowMs - this.lastSrArrivalMs) : 0,
    };
  }

  /** Packets accepted since the source was validated, duplicates included (A.3). */
  get received(): number {
    return this.nReceived;
  }
  /** Packets expected from the first validated sequence number to the highest (A.3). */
  get expected(): number {
    return this.validated ? this.cycles + this.maxSeq - this.baseSeq + 1 : 0;
  }
  /** Cumulative lost, unclamped; negative when duplicates outnumber losses (A.3). */
  get lost(): number {
    return this.expected - this.nReceived;
  }
  /** Interarrival jitter (A.8) in milliseconds. */
  get jitterMs(): number {
    return this.jitter / this.unitsPerMs;
  }
  get duplicates(): number {
    return this.nDuplicates;
  }
  /** Packets that arrived after a higher sequence number (reordered), duplicates excluded. */
  get late(): number {
    return this.nLate;
  }
  /** Packets not accepted: during probation or an unconfirmed jump. */
  get discarded(): number {
    return this.nDiscarded;
  }
  get isValid(): boolean {
    return this.validated;
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
    this.nReceived = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
    this.seen.fill(-1);
  }

  private markSeen(ext: number): void {
    this.seen[ext & SEEN_MASK] = ext;
  }

  private duplicate(): boolean {
    this.nReceived++;
    this.nDuplicates++;
    return false;
  }

  /**
   * A.8: J += (|D| - J) / 16 where D is the change in transit time. The timestamp difference is
   * taken as a signed 32-bit value so the wrap at 2^32 does not look like a jump.
   */
  private updateJitter(ts: number, arrivalMs: number): void {
    const arrival = arrivalMs * this.unitsPerMs;
    if (this.haveTransit) {
      let d = arrival - this.lastArrivalUnits - ((ts - this.lastTs) | 0);
      if (d < 0) d = -d;
      this.jitter += (d - this.jitter) / 16;
    }
    this.haveTransit = true;
    this.lastArrivalUnits = arrival;
    this.lastTs = ts >>> 0;
  }
}
