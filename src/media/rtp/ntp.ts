/**
 * NTP timestamps as RTCP carries them (RFC 3550 §4): 32 bits of seconds since 1900-01-01 and 32
 * bits of fraction. LSR and DLSR (§6.4.1) use the middle 32 bits, i.e. units of 1/65536 s.
 */

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
export const NTP_UNIX_OFFSET_S = 2_208_988_800;

export interface NtpTime {
  /** Seconds, modulo 2^32 (NTP era rollover in 2036 is harmless: only differences matter). */
  msw: number;
  /** Fraction of a second in units of 2^-32 s. */
  lsw: number;
}

/** Converts a wall-clock value (ms since the Unix epoch) into `out` (reused, returned). */
export function ntpFromUnixMs(unixMs: number, out: NtpTime = { msw: 0, lsw: 0 }): NtpTime {
  const seconds = Math.floor(unixMs / 1000);
  const fracMs = unixMs - seconds * 1000;
  out.msw = (seconds + NTP_UNIX_OFFSET_S) >>> 0;
  out.lsw = Math.min(0xffffffff, Math.floor((fracMs / 1000) * 0x1_0000_0000)) >>> 0;
  return out;
}

/** The middle 32 bits of a 64-bit NTP timestamp (§6.4.1 LSR). */
export const ntpMiddle32 = (msw: number, lsw: number): number => (((msw & 0xffff) << 16) | (lsw >>> 16)) >>> 0;

/** Middle 32 bits of the NTP form of a wall-clock ms value, without an intermediate object. */
export function ntpMiddle32FromUnixMs(unixMs: number): number {
  const seconds = Math.floor(unixMs / 1000);
  const frac16 = Math.min(0xffff, Math.floor(((unixMs - seconds * 1000) / 1000) * 65536));
  return ((((seconds + NTP_UNIX_OFFSET_S) & 0xffff) << 16) | frac16) >>> 0;
}

/** 1/65536 s units (LSR, DLSR, round trip) to milliseconds. */
export const ntpShortToMs = (units: number): number => (units * 1000) / 65536;

/**
 * Milliseconds to 1/65536 s units, truncated (so a DLSR never exceeds the real delay and a round
 * trip computed from it is never pushed below zero), clamped to the 32-bit field.
 */
export const msToNtpShort = (ms: number): number =>
  ms <= 0 ? 0 : Math.min(0xffffffff, Math.floor((ms * 65536) / 1000)) >>> 0;
