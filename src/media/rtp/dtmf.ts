import { MediaError } from '../errors.js';

/**
 * DTMF as RFC 4733 telephone-events: a 4-byte payload (§2.3) of event code, end bit, volume
 * (−dBm0, 6 bits) and a 16-bit duration in timestamp units since the event's timestamp.
 */

export interface DtmfEvent {
  digit: string;
  durationMs: number;
  /** Power level in −dBm0 (0..63), as sent. */
  volume: number;
}

/** Event codes 0..15 (RFC 4733 §3.2): digits, '*' 10, '#' 11, 'A'..'D' 12..15. */
const DIGITS = '0123456789*#ABCD';
const MAX_DTMF_EVENT = 15;
/** An event whose end packets were all lost is reported this long after its last packet. */
export const DTMF_END_TIMEOUT_MS = 200;

/** The event code of a digit, or -1 (lower-case 'a'..'d' accepted). */
export const dtmfEventCode = (digit: string): number => (digit.length === 1 ? DIGITS.indexOf(digit.toUpperCase()) : -1);

interface Current {
  ts: number;
  event: number;
  volume: number;
  /** Duration of earlier segments of a long event (§2.5.1.3), in timestamp units. */
  carried: number;
  duration: number;
  lastArrivalMs: number;
}

/**
 * Turns telephone-event packets into digits, each reported exactly once: on its first end packet
 * (§2.5.1.4; retransmitted ends are ignored), or, when every end packet was lost, on `poll` 200 ms
 * after its last packet or as soon as a packet of a newer event arrives. An event is identified by
 * its RTP timestamp (§2.5.1.1). Events arrive a few per call, so results are fresh objects.
 */
export class DtmfReceiver {
  private cur: Current | null = null;
  private doneTs = 0;
  private haveDone = false;
  /** Events concluded but not yet returned (a packet can end one event and carry another). */
  private readonly ready: DtmfEvent[] = [];
  private readonly msPerUnit: number;

  constructor(clockRate = 8000) {
    if (!(clockRate > 0)) throw new MediaError('MEDIA_BAD_REQUEST', `bad telephone-event clock rate ${clockRate}`);
    this.msPerUnit = 1000 / clockRate;
  }

  /** Forget the stream (SSRC change). */
  reset(): void {
    this.cur = null;
    this.haveDone = false;
    this.ready.length = 0;
  }

  onPacket(rtpTimestamp: number, payload: Uint8Array, marker: boolean, arrivalMs: number): DtmfEvent | null {
    // Several events may be packed back to back, each starting where the previous ended (§2.5.1.5).
    let ts = rtpTimestamp >>> 0;
    for (let o = 0; o + 4 <= payload.length; o += 4) {
      const event = payload[o]!;
      const end = (payload[o + 1]! & 0x80) !== 0;
      const volume = payload[o + 1]! & 0x3f;
      const duration = (payload[o + 2]! << 8) | payload[o + 3]!;
      if (event <= MAX_DTMF_EVENT) this.onEvent(ts, event, end, volume, duration, marker && o === 0, arrivalMs);
      ts = (ts + duration) >>> 0;
    }
    return this.ready.shift() ?? null;
  }

  poll(nowMs: number): DtmfEvent | null {
    const cur = this.cur;
    if (this.ready.length === 0 && cur && nowMs - cur.lastArrivalMs >= DTMF_END_TIMEOUT_MS) this.conclude();
    return this.ready.shift() ?? null;
  }

  private onEvent(ts: number, event: number, end: boolean, volume: number, duration: number, marker: boolean, arrivalMs: number): void {
    let cur = this.cur;
    if (cur && ts !== cur.ts) {
      const ahead = ((ts - cur.ts) | 0) > 0;
      if (!ahead) return; // a straggler of an older event
      if (!marker && event === cur.event && ts === ((cur.ts + cur.duration) >>> 0)) {
        // The next segment of an event too long for the 16-bit duration (§2.5.1.3).
        cur.carried += cur.duration;
        cur.ts = ts;
        cur.duration = 0;
      } else {
        this.conclude();
        cur = null;
      }
    }
    if (!cur) {
      // Nothing at or before the last reported event is new: its retransmitted ends, or older.
      if (this.haveDone && ((ts - this.doneTs) | 0) <= 0) return;
      cur = { ts, event, volume, carried: 0, duration: 0, lastArrivalMs: arrivalMs };
      this.cur = cur;
    }
    if (duration > cur.duration) cur.duration = duration;
    cur.volume = volume;
    cur.lastArrivalMs = arrivalMs;
    if (end) this.conclude();
  }

  private conclude(): void {
    const cur = this.cur;
    if (!cur) return;
    this.cur = null;
    this.doneTs = cur.ts;
    this.haveDone = true;
    this.ready.push({
      digit: DIGITS[cur.event]!,
      durationMs: (cur.carried + cur.duration) * this.msPerUnit,
      volume: cur.volume,
    });
  }
}

export interface DtmfPacket {
  /** 4 bytes, reused by the next call. */
  payload: Uint8Array;
  /** Set on the first packet of an event (§2.5.1.2). */
  marker: boolean;
  /** Always 0: every packet of an event carries the event's timestamp (§2.5.1.1). */
  timestampOffset: 0;
  /** A new event starts: the caller takes the current media timestamp as the event timestamp. */
  newEvent: boolean;
}

interface Queued {
  event: number;
  packets: number;
  volume: number;
}

/** Retransmissions of the end packet (§2.5.1.4 recommends three in total). */
const END_SENDS = 3;
/** Pause between queued digits, in 20 ms ticks (40 ms). */
const PAUSE_TICKS = 2;

/**
 * Sends digits as telephone-events, one packet per 20 ms `next()` call: the first with the marker
 * bit, durations growing by 20 ms, the final one with the end bit sent three times, then a 40 ms
 * pause before the next queued digit. The caller adds sequence numbers and the event timestamp.
 * `next()` returns the same object each time (no allocation per packet).
 */
export class DtmfSender {
  private readonly queue_: Queued[] = [];
  private readonly step: number;
  private readonly packet: DtmfPacket = { payload: new Uint8Array(4), marker: false, timestampOffset: 0, newEvent: false };
  private active: Queued | null = null;
  private sent = 0;
  private endsLeft = 0;
  private pause = 0;

  constructor(clockRate = 8000) {
    if (!(clockRate > 0) || clockRate % 50 !== 0) {
      throw new MediaError('MEDIA_BAD_REQUEST', `bad telephone-event clock rate ${clockRate}`);
    }
    this.step = clockRate / 50; // timestamp units per 20 ms
  }

  /** True while a digit is being sent or waits in the queue. */
  get busy(): boolean {
    return this.active !== null || this.queue_.length > 0;
  }

  /** Sends `digit` now, or after the digits already queued. */
  start(digit: string, durationMs = 100, volume = 10): void {
    this.queue_.push(this.entry(digit, durationMs, volume));
  }

  /** Queues each character of `digits` (all validated first). */
  queue(digits: string, durationMs = 100, volume = 10): void {
    const entries = Array.from(digits, (d) => this.entry(d, durationMs, volume));
    this.queue_.push(...entries);
  }

  next(): DtmfPacket | null {
    let ev = this.active;
    if (!ev) {
      if (this.pause > 0) {
        this.pause--;
        return null;
      }
      ev = this.queue_.shift() ?? null;
      if (!ev) return null;
      this.active = ev;
      this.sent = 0;
      this.endsLeft = END_SENDS;
    }
    const p = this.packet;
    p.newEvent = this.sent === 0;
    p.marker = p.newEvent;
    let end = false;
    if (this.sent < ev.packets) this.sent++;
    if (this.sent === ev.packets) {
      end = true;
      if (--this.endsLeft === 0) {
        this.active = null;
        this.pause = PAUSE_TICKS;
      }
    }
    const duration = Math.min(0xffff, this.sent * this.step);
    const b = p.payload;
    b[0] = ev.event;
    b[1] = (end ? 0x80 : 0) | ev.volume;
    b[2] = duration >> 8;
    b[3] = duration & 0xff;
    return p;
  }

  private entry(digit: string, durationMs: number, volume: number): Queued {
    const event = dtmfEventCode(digit);
    if (event < 0) throw new MediaError('MEDIA_BAD_REQUEST', `not a DTMF digit: ${JSON.stringify(digit)}`);
    if (!(durationMs >= 20) || durationMs > 8000) {
      throw new MediaError('MEDIA_BAD_REQUEST', `DTMF duration must be 20..8000 ms, got ${durationMs}`);
    }
    if (!Number.isInteger(volume) || volume < 0 || volume > 63) {
      throw new MediaError('MEDIA_BAD_REQUEST', `DTMF volume must be 0..63 (−dBm0), got ${volume}`);
    }
    return { event, packets: Math.ceil(durationMs / 20), volume };
  }
}
