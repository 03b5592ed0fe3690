import { randomBytes } from 'node:crypto';
import { ProtectionProfileAes128CmHmacSha1_80, RtcpRrPacket, RtpHeader, SrtcpSession, SrtpSession } from 'werift';
import { describe, expect, it } from 'vitest';
import { isRtcp, rtpHeaderLength, srtcpAuthentic, srtpAuthentic, type SrtpContextLike } from './srtp-auth.js';

const keys = { a: randomBytes(16), as: randomBytes(14), b: randomBytes(16), bs: randomBytes(14) };
const config = (local: 'a' | 'b') => ({
  keys:
    local === 'a'
      ? { localMasterKey: keys.a, localMasterSalt: keys.as, remoteMasterKey: keys.b, remoteMasterSalt: keys.bs }
      : { localMasterKey: keys.b, localMasterSalt: keys.bs, remoteMasterKey: keys.a, remoteMasterSalt: keys.as },
  profile: ProtectionProfileAes128CmHmacSha1_80,
});
const sender = new SrtpSession(config('a'));
const receiver = new SrtpSession(config('b'));
const ctx = (receiver as unknown as { remoteContext: SrtpContextLike }).remoteContext;
const rtp = (seq: number, ssrc = 42) => sender.encrypt(Buffer.alloc(160, 0x55), new RtpHeader({ payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc }));

describe('srtpAuthentic (RFC 3711 HMAC-SHA1-80)', () => {
  it('accepts what a peer with the keys sent', () => {
    for (let seq = 100; seq < 110; seq++) expect(srtpAuthentic(ctx, rtp(seq))).toBe(true);
  });

  it('refuses a flipped bit anywhere, a cut tag, and other keys', () => {
    const good = rtp(200);
    for (const i of [1, 5, 12, 100, good.length - 1]) {
      const bad = Buffer.from(good);
      bad[i]! ^= 0x04;
      expect(srtpAuthentic(ctx, bad)).toBe(false);
    }
    expect(srtpAuthentic(ctx, good.subarray(0, good.length - 1))).toBe(false);
    expect(srtpAuthentic(ctx, good.subarray(0, 12))).toBe(false);
    const stranger = new SrtpSession({ ...config('a'), keys: { ...config('a').keys, localMasterKey: randomBytes(16) } });
    expect(srtpAuthentic(ctx, stranger.encrypt(Buffer.alloc(20), new RtpHeader({ sequenceNumber: 1, ssrc: 42 })))).toBe(false);
  });

  it('follows the rollover counter across a sequence wrap', () => {
    const wrapSender = new SrtpSession(config('a'));
    const wrapReceiver = new SrtpSession(config('b'));
    const wctx = (wrapReceiver as unknown as { remoteContext: SrtpContextLike }).remoteContext;
    for (const seq of [65533, 65534, 65535, 0, 1, 2]) {
      const p = wrapSender.encrypt(Buffer.alloc(160), new RtpHeader({ payloadType: 0, sequenceNumber: seq, ssrc: 7 }));
      expect(srtpAuthentic(wctx, p)).toBe(true);
      wrapReceiver.decrypt(p); // werift updates its rollover state as it decrypts
    }
  });

  it('checks SRTCP tags too', () => {
    const s = new SrtcpSession(config('a'));
    const good = s.encrypt(new RtcpRrPacket({ ssrc: 1, reports: [] }).serialize());
    expect(isRtcp(good)).toBe(true);
    expect(srtcpAuthentic(ctx, good)).toBe(true);
    const bad = Buffer.from(good);
    bad[9]! ^= 1;
    expect(srtcpAuthentic(ctx, bad)).toBe(false);
    expect(srtcpAuthentic(ctx, good.subarray(0, 10))).toBe(false);
  });

  it('measures RTP headers and refuses malformed ones', () => {
    expect(rtpHeaderLength(Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe(12);
    expect(rtpHeaderLength(Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe(-1);
    expect(rtpHeaderLength(Buffer.from([0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe(-1); // 15 CSRCs missing
    expect(rtpHeaderLength(Buffer.from([0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 9]))).toBe(-1); // extension overruns
  });
});
