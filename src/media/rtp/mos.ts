import { MediaError } from '../errors.js';

export type MosCodec = 'pcmu' | 'pcma' | 'opus';

export interface MosInput {
  /** Packet loss in percent (0..100); values outside are clamped. */
  lossPercent: number;
  /** Interarrival jitter (RFC 3550 A.8) in ms. */
  jitterMs: number;
  /** Round-trip time in ms (RFC 3550 §6.4.1). */
  rttMs: number;
  codec: MosCodec;
}

/**
 * Equipment impairment Ie and packet-loss robustness Bpl per codec.
 * G.711: Ie 0 and Bpl 25.1 with the packet loss concealment of G.711 Appendix I (ITU-T G.113
 * Appendix I). Opus has no G.113 entry; the engine decodes it to 8 kHz where it is transparent at
 * usual bitrates (Ie 0), and its built-in PLC (plus in-band FEC when negotiated) is at least as
 * robust as G.711 Appendix I, so it gets a slightly higher Bpl of 30: an engineering choice.
 */
const CODECS: Record<MosCodec, { ie: number; bpl: number }> = {
  pcmu: { ie: 0, bpl: 25.1 },
  pcma: { ie: 0, bpl: 25.1 },
  opus: { ie: 0, bpl: 30 },
};

/** Ro − Is with all G.107 defaults (Table 3), and no advantage factor (A = 0). */
const R_DEFAULT = 93.2;
/** 20 ms per packet (RFC 3551 §4.2): a frame waits this long before it can be sent. */
const PACKETISATION_MS = 20;

/**
 * An estimated listening-and-conversation MOS by the E-model (ITU-T G.107 §7) from what RTCP tells:
 * R = 93.2 − Id − Ie,eff, with random loss (BurstR 1), and the one-way delay d approximated as half
 * the round trip, plus a jitter buffer of twice the jitter, plus packetisation.
 */
export function estimateMos(input: MosInput): number {
  const codec = CODECS[input.codec];
  if (!codec) throw new MediaError('MEDIA_BAD_REQUEST', `no E-model values for codec ${String(input.codec)}`);
  const { lossPercent, jitterMs, rttMs } = input;
  if (!Number.isFinite(lossPercent) || !Number.isFinite(jitterMs) || !Number.isFinite(rttMs)) {
    throw new MediaError('MEDIA_BAD_REQUEST', 'MOS inputs must be finite numbers');
  }
  const ppl = Math.min(100, Math.max(0, lossPercent));
  const d = Math.max(0, rttMs) / 2 + 2 * Math.max(0, jitterMs) + PACKETISATION_MS;
  // Simplified delay impairment (G.107 with default echo and sidetone): 0.024 d + 0.11 (d − 177.3) H(d − 177.3).
  const id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
  // G.107 (7-29) with BurstR = 1 (random loss).
  const ieEff = codec.ie + ((95 - codec.ie) * ppl) / (ppl + codec.bpl);
  return mosFromR(R_DEFAULT - id - ieEff);
}

/**
 * G.107 Annex B (B-4). The cubic dips just below 1 for R under about 6.5; it is held at 1 there so
 * the estimate stays monotonic.
 */
export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return Math.max(1, 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6);
}
