import { describe, expect, it } from 'vitest';
import { msToNtpShort, ntpFromUnixMs, ntpMiddle32, ntpMiddle32FromUnixMs, ntpShortToMs } from './ntp.js';

describe('NTP timestamps (RFC 3550 §4)', () => {
  it('converts Unix ms to NTP seconds and fraction', () => {
    expect(ntpFromUnixMs(0)).toEqual({ msw: 2_208_988_800, lsw: 0 });
    const t = ntpFromUnixMs(1_700_000_000_500);
    expect(t.msw).toBe(1_700_000_000 + 2_208_988_800);
    expect(t.lsw).toBe(0x80000000);
    // Reuses the object it is given.
    const out = { msw: 0, lsw: 0 };
    expect(ntpFromUnixMs(250.5, out)).toBe(out);
    expect(out.lsw / 2 ** 32).toBeCloseTo(0.2505, 6);
  });

  it('takes the middle 32 bits', () => {
    expect(ntpMiddle32(0x12345678, 0x9abcdef0)).toBe(0x56789abc);
    expect(ntpMiddle32(0xffffffff, 0xffffffff)).toBe(0xffffffff);
    for (const ms of [0, 1234.5, 1_700_000_000_999, 2_085_978_496_000]) {
      const t = ntpFromUnixMs(ms);
      expect(ntpMiddle32FromUnixMs(ms)).toBe(ntpMiddle32(t.msw, t.lsw));
    }
  });

  it('converts 1/65536 s units', () => {
    expect(ntpShortToMs(65536)).toBe(1000);
    expect(msToNtpShort(1000)).toBe(65536);
    expect(msToNtpShort(0.01)).toBe(0); // truncated
    expect(msToNtpShort(-5)).toBe(0);
    expect(msToNtpShort(1e12)).toBe(0xffffffff);
    expect(ntpShortToMs(msToNtpShort(123))).toBeCloseTo(123, 1);
  });
});
