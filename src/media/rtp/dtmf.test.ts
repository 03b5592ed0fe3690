import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DtmfReceiver, DtmfSender, type DtmfEvent } from './dtmf.js';

interface Sent {
  ts: number;
  payload: Uint8Array;
  marker: boolean;
  at: number;
}

/** Drives the sender every 20 ms like the media clock does; the event timestamp is the media clock's. */
function send(sender: DtmfSender, ticks: number, ts0 = 0): Sent[] {
  const out: Sent[] = [];
  let eventTs = 0;
  for (let i = 0; i < ticks; i++) {
    const p = sender.next();
    if (!p) continue;
    if (p.newEvent) eventTs = (ts0 + i * 160) >>> 0;
    out.push({ ts: (eventTs + p.timestampOffset) >>> 0, payload: Uint8Array.from(p.payload), marker: p.marker, at: i * 20 });
  }
  return out;
}

function receive(rx: DtmfReceiver, packets: Sent[], pollUntil = 0): DtmfEvent[] {
  const got: DtmfEvent[] = [];
  for (const p of packets) {
    const e = rx.onPacket(p.ts, p.payload, p.marker, p.at);
    if (e) got.push(e);
    const q = rx.poll(p.at);
    if (q) got.push(q);
  }
  const last = packets.at(-1)?.at ?? 0;
  for (let t = last; t <= pollUntil; t += 20) {
    const e = rx.poll(t);
    if (e) got.push(e);
  }
  return got;
}

const ev = (event: number, end: boolean, volume: number, duration: number) =>
  Uint8Array.from([event, (end ? 0x80 : 0) | volume, duration >> 8, duration & 0xff]);

describe('DtmfSender (RFC 4733)', () => {
  it('sends a digit: marker first, growing duration, end packet three times', () => {
    const s = new DtmfSender();
    s.start('5', 100, 10);
    expect(s.busy).toBe(true);
    const packets = send(s, 10);
    expect(packets).toHaveLength(7);
    expect(packets.map((p) => p.marker)).toEqual([true, false, false, false, false, false, false]);
    expect(packets.map((p) => (p.payload[2]! << 8) | p.payload[3]!)).toEqual([160, 320, 480, 640, 800, 800, 800]);
    expect(packets.map((p) => p.payload[1]! >> 7)).toEqual([0, 0, 0, 0, 1, 1, 1]);
    expect(packets.every((p) => p.payload[0] === 5 && (p.payload[1]! & 0x3f) === 10)).toBe(true);
    expect(new Set(packets.map((p) => p.ts)).size).toBe(1);
    expect(s.busy).toBe(false);
    expect(s.next()).toBeNull();
  });

  it('reuses its packet object', () => {
    const s = new DtmfSender();
    s.queue('12');
    const a = s.next();
    const b = s.next();
    expect(a).toBe(b);
    expect(a!.payload).toBe(b!.payload);
  });

  it('queues digits with a 40 ms pause between them', () => {
    const s = new DtmfSender();
    s.queue('1#', 60);
    const kinds: string[] = [];
    for (let i = 0; i < 16; i++) {
      const p = s.next();
      kinds.push(!p ? '-' : p.newEvent ? 'N' : (p.payload[1]! & 0x80) !== 0 ? 'E' : 'c');
    }
    // 60 ms: 3 packets, the third the end one, sent three times; 2 silent ticks; next digit.
    expect(kinds.join('')).toBe('NcEEE--NcEEE----');
  });

  it('maps digits to events and refuses others', () => {
    const s = new DtmfSender();
    s.queue('0123456789*#ABCDabcd', 20);
    const codes: number[] = [];
    for (let i = 0; i < 200; i++) {
      const p = s.next();
      if (p?.newEvent) codes.push(p.payload[0]!);
    }
    expect(codes).toEqual([...Array(16).keys(), 12, 13, 14, 15]);
    expect(() => s.start('E')).toThrow(/not a DTMF digit/);
    expect(() => s.start('12')).toThrow(/not a DTMF digit/);
    expect(() => s.queue('12x')).toThrow(/not a DTMF digit/);
    expect(s.busy).toBe(false); // nothing of the bad string was queued
    expect(() => s.start('1', 5)).toThrow(/duration/);
    expect(() => s.start('1', 100, 64)).toThrow(/volume/);
  });
});

describe('DtmfReceiver (RFC 4733)', () => {
  it('receives what the sender sends, each digit once', () => {
    const s = new DtmfSender();
    s.queue('12*#D', 100, 7);
    const got = receive(new DtmfReceiver(), send(s, 100));
    expect(got).toEqual(['1', '2', '*', '#', 'D'].map((digit) => ({ digit, durationMs: 100, volume: 7 })));
  });

  it('reports on the first end packet, ignoring its retransmissions', () => {
    const rx = new DtmfReceiver();
    expect(rx.onPacket(1000, ev(3, false, 10, 160), true, 0)).toBeNull();
    expect(rx.onPacket(1000, ev(3, true, 10, 320), false, 20)).toEqual({ digit: '3', durationMs: 40, volume: 10 });
    expect(rx.onPacket(1000, ev(3, true, 10, 320), false, 21)).toBeNull();
    expect(rx.onPacket(1000, ev(3, true, 10, 320), false, 22)).toBeNull();
    expect(rx.poll(1000)).toBeNull();
  });

  it('reports an event whose end packets were all lost 200 ms after its last packet', () => {
    const s = new DtmfSender();
    s.start('9', 100);
    const packets = send(s, 10).filter((p) => (p.payload[1]! & 0x80) === 0);
    const rx = new DtmfReceiver();
    const got = receive(rx, packets);
    expect(got).toEqual([]);
    const last = packets.at(-1)!.at;
    expect(rx.poll(last + 199)).toBeNull();
    expect(rx.poll(last + 200)).toEqual({ digit: '9', durationMs: 80, volume: 10 });
    expect(rx.poll(last + 400)).toBeNull();
  });

  it('reports an event with lost end packets when the next event starts', () => {
    const s = new DtmfSender();
    s.queue('47', 100);
    const packets = send(s, 40).filter((p) => !(p.payload[0] === 4 && (p.payload[1]! & 0x80) !== 0));
    const got = receive(new DtmfReceiver(), packets);
    expect(got.map((e) => e.digit)).toEqual(['4', '7']);
  });

  it('survives a lost first packet, reordering and duplicates', () => {
    const s = new DtmfSender();
    s.queue('8', 100);
    const p = send(s, 10);
    const mangled = [p[2]!, p[1]!, p[3]!, p[3]!, p[4]!, p[6]!, p[5]!];
    const got = receive(new DtmfReceiver(), mangled, 1000);
    expect(got).toEqual([{ digit: '8', durationMs: 100, volume: 10 }]);
  });

  it('ignores late packets of a reported event', () => {
    const rx = new DtmfReceiver();
    rx.onPacket(1000, ev(1, true, 10, 800), true, 0);
    rx.onPacket(2000, ev(2, true, 10, 800), true, 200);
    expect(rx.onPacket(1000, ev(1, false, 10, 480), false, 210)).toBeNull();
    expect(rx.onPacket(1000, ev(1, true, 10, 800), false, 210)).toBeNull();
    expect(rx.poll(1000)).toBeNull();
  });

  it('reads events packed into one packet (§2.5.1.5)', () => {
    const rx = new DtmfReceiver();
    const packed = Uint8Array.from([...ev(1, true, 10, 800), ...ev(2, true, 12, 640)]);
    expect(rx.onPacket(5000, packed, true, 0)).toEqual({ digit: '1', durationMs: 100, volume: 10 });
    expect(rx.poll(0)).toEqual({ digit: '2', durationMs: 80, volume: 12 });
    // The same packet again (retransmission) adds nothing.
    expect(rx.onPacket(5000, packed, false, 10)).toBeNull();
    expect(rx.poll(1000)).toBeNull();
  });

  it('joins the segments of a long event (§2.5.1.3)', () => {
    const rx = new DtmfReceiver();
    expect(rx.onPacket(0, ev(0, false, 10, 0xffff), true, 0)).toBeNull();
    expect(rx.onPacket(0xffff, ev(0, false, 10, 1600), false, 8200)).toBeNull();
    expect(rx.onPacket(0xffff, ev(0, true, 10, 3200), false, 8400)).toEqual({
      digit: '0',
      durationMs: ((0xffff + 3200) * 1000) / 8000,
      volume: 10,
    });
  });

  it('handles the timestamp wrap', () => {
    const s = new DtmfSender();
    s.queue('123', 60);
    const got = receive(new DtmfReceiver(), send(s, 40, 2 ** 32 - 320));
    expect(got.map((e) => e.digit)).toEqual(['1', '2', '3']);
  });

  it('ignores malformed payloads and unknown events', () => {
    const rx = new DtmfReceiver();
    expect(rx.onPacket(0, new Uint8Array(3), true, 0)).toBeNull();
    expect(rx.onPacket(0, ev(16, true, 10, 800), true, 0)).toBeNull(); // flash: not a digit
    expect(rx.onPacket(800, ev(200, true, 10, 800), true, 0)).toBeNull();
    expect(rx.poll(10_000)).toBeNull();
    expect(rx.onPacket(2000, ev(11, true, 10, 800), true, 0)).toEqual({ digit: '#', durationMs: 100, volume: 10 });
  });

  it('never throws on random payloads', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.uint8Array({ maxLength: 13 }), fc.boolean()), { maxLength: 60 }),
        (packets) => {
          const rx = new DtmfReceiver();
          let n = 0;
          let t = 0;
          for (const [tsStep, payload, marker] of packets) {
            t += 20;
            if (rx.onPacket(tsStep * 1000, payload, marker, t)) n++;
            if (rx.poll(t)) n++;
          }
          expect(n).toBeLessThanOrEqual(packets.length * 4);
        },
      ),
    );
  });
});
