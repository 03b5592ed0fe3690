/**
 * The engine's one internal audio format: 8 kHz mono signed 16-bit PCM in 20 ms frames. G.711 is
 * 8 kHz (ITU-T G.711), 20 ms is the default packetisation of RTP/AVP audio (RFC 3551 §4.2), and
 * every graph node (legs, mixer, player, recorder) exchanges frames of exactly this shape.
 */
export const SAMPLE_RATE = 8000;
export const FRAME_MS = 20;
export const FRAME_SAMPLES = (SAMPLE_RATE * FRAME_MS) / 1000; // 160

/** A new frame of silence. */
export const silentFrame = (): Int16Array => new Int16Array(FRAME_SAMPLES);
