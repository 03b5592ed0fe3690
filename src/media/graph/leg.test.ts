/**
 * An anchored leg in-process, over fake packet paths and a hand-driven clock: its RTCP (sender
 * reports with SDES, RTT from the peer's report blocks, RFC 5761 demultiplexing) and its handling
 * of bad RTCP and unnegotiated payload types.
 */
import { describe, expect, it } from 'vitest';
import type { Endpoint, FlowStats } from '../protocol.js';
import { buildCompound, buildReceiverReport, buildSdesCname, msToNtpShort, ntpMiddle32, parseRtcp, writeRtpHeader, type RtcpPacket } from '../rtp/index.js';
import { emptyFlow, type PacketPath } from './flow.js';
import { RtpLeg } from './leg.js';

class FakePath implements PacketPath {
  onPacket: (msg: Buffer, now: number) => void = () => undefined;
  readonly stats: FlowStats = emptyFlow();
  readonly sent: Buffer[] = [];
  readonly canSend = true;
  send(msg: Uint8Array): void {
    this.sent.push(Buffer.from(msg));
  }
  setPeer(): void {}
  local(): Endpoint {
    return { address: '127.0.0.1', port: 4000 };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function leg(wallMs: () => number) {
  const rtp = new FakePath();
  const rtcp = new FakePath();
  const dtmf: string[] = [];
  const l = new RtpLeg('call/a', rtp, rtcp, { dtmf: (_l, d) => dtmf.push(d), playDone: () => undefined }, wallMs);
  l.setPayload({ codec: 'pcmu', pt: 0, dtmfPt: 101 });
  return { l, rtp, rtcp, dtmf };
}

const rtpPacket = (seq: number, pt = 0, ssrc = 0x1234) => {
  const b = Buffer.alloc(12 + 160, 0xff);
  writeRtpHeader(b, 0, { marker: false, payloadType: pt, sequence: seq, timestamp: seq * 160, ssrc });
  return b;
};

describe('an anchored leg’s RTCP', () => {
  it('sends sender reports with SDES CNAME, and takes the round trip from the peer’s report block', () => {
    let wall = 1_700_000_000_000;
    const { l, rtp, rtcp } = leg(() => wall);
    const other = leg(() => wall);
    l.partner = other.l;
    other.l.partner = l;
    // The peer sends 50 packets; we forward them to the partner, and the partner's leg sends them on.
    for (let i = 0; i < 50; i++) rtp.onPacket(rtpPacket(i), i * 20);
    expect(other.rtp.sent).toHaveLength(50);
    for (let i = 0; i < 50; i++) other.rtp.onPacket(rtpPacket(i, 0, 0x9999), i * 20);
    expect(rtp.sent).toHaveLength(50);
    // Within 1.5 × the 5 s interval a compound SR + SDES goes out.
    for (let t = 0; t < 400 && rtcp.sent.length === 0; t++) l.push(1000 + t * 20);
    expect(rtcp.sent.length).toBe(1);
    const pk = parseRtcp(rtcp.sent[0]!) as RtcpPacket[];
    expect(pk.map((p) => p.kind)).toEqual(['sr', 'sdes']);
    const sr = pk[0] as Extract<RtcpPacket, { kind: 'sr' }>;
    expect(sr.ssrc).toBe(l.ssrc);
    expect(sr.packetCount).toBe(50);
    expect(sr.reports[0]).toMatchObject({ ssrc: 0x1234, cumulativeLost: 0 });

    // The peer answers 30 ms later with a report block on our SR, holding it 10 ms: RTT = 20 ms.
    wall += 30;
    const lsr = ntpMiddle32(sr.ntpMsw, sr.ntpLsw);
    const rr = buildCompound([
      buildReceiverReport(0x1234, [{ ssrc: l.ssrc, fractionLost: 0, cumulativeLost: 0, highestSeq: 49, jitter: 8, lsr, dlsr: msToNtpShort(10) }]),
      buildSdesCname(0x1234, 'phone@example'),
    ]);
    // Multiplexed on the RTP port (RFC 5761): still read as RTCP.
    rtp.onPacket(Buffer.from(rr), 2000);
    const q = l.quality();
    expect(q.rttMs).toBeGreaterThanOrEqual(19);
    expect(q.rttMs).toBeLessThanOrEqual(21);
    // The first packet is on probation (RFC 3550 A.1) and not counted.
    expect(q).toMatchObject({ packetsIn: 49, lost: 0, remoteLossPercent: 0, rtcpInvalid: 0 });
    expect(q.mos).toBeGreaterThan(4.3);
  });

  it('counts invalid RTCP and payload types that were not negotiated, and goes on', () => {
    const { l, rtp, rtcp } = leg(() => Date.now());
    rtcp.onPacket(Buffer.from([0x80, 201, 0, 9, 1, 2, 3, 4]), 0); // length says more than there is
    rtcp.onPacket(Buffer.from([0x81, 202, 0, 1, 0, 0, 0, 1]), 0); // an SDES cannot start a compound
    rtp.onPacket(rtpPacket(1, 96), 0);
    rtp.onPacket(Buffer.from([0x80, 0, 0]), 0);
    rtp.onPacket(rtpPacket(2), 20);
    const q = l.quality();
    expect(q).toMatchObject({ rtcpInvalid: 2, unknownPayload: 1 });
    expect(rtp.stats.invalid).toBe(1);
  });
});
