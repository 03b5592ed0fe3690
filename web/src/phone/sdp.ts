/**
 * Whether an SDP offer is one a browser can answer: WebRTC requires DTLS-SRTP (RFC 8827 §6.5,
 * RFC 5764) carried as UDP/TLS/RTP/SAVPF (RFC 5764 §8) with a fingerprint, and ICE (RFC 8445).
 * A plain RTP/AVP offer would fail inside the browser after the user pressed answer.
 */
export function isWebRtcOffer(sdp: string | null): boolean {
  if (!sdp) return true; // late offer: the browser makes the offer itself
  const lines = sdp.split(/\r?\n/);
  const audio = lines.find((l) => l.startsWith('m=audio '));
  if (!audio) return false;
  const proto = audio.split(' ')[2] ?? '';
  if (!/^(UDP\/TLS\/RTP\/SAVPF|UDP\/TLS\/RTP\/SAVP)$/i.test(proto)) return false;
  return lines.some((l) => l.startsWith('a=fingerprint:')) && lines.some((l) => l.startsWith('a=ice-ufrag:'));
}

/** The number part of a dial string: digits, *, # and + (spaces, dashes, dots and brackets dropped). */
export function normalizeDialString(input: string): string {
  return input.replace(/[\s\-().]/g, '');
}

/** Characters a dial box accepts. */
export function isDialable(input: string): boolean {
  const n = normalizeDialString(input);
  return n.length > 0 && n.length <= 32 && /^\+?[0-9*#]+$/.test(n);
}
