/**
 * SDP edits around werift. Browser legs carry PCMU and telephone-event/8000 only (no transcoding
 * to SIP phones), and Hotline always takes the DTLS client role so that it can authenticate the
 * browser's certificate (see dtls-peer.ts).
 */
import { MediaError } from '../errors.js';

export interface NegotiatedPayloadTypes {
  /** PCMU, normally 0 (RFC 3551 static type). */
  pcmu: number;
  /** telephone-event/8000 (RFC 4733), or undefined when the peer did not take it. */
  telephoneEvent: number | undefined;
}

export interface Fingerprint {
  /** Lower-case hash name as in the SDP, e.g. `sha-256`. */
  algorithm: string;
  /** Upper-case hex pairs separated by colons. */
  value: string;
}

const lines = (sdp: string) => sdp.split(/\r?\n/).filter((l) => l.length > 0);
const join = (ls: string[]) => ls.join('\r\n') + '\r\n';

/** The audio m-section's formats and rtpmaps (first audio section only: browser legs have one). */
function audioSection(ls: string[]): { start: number; end: number } | undefined {
  const start = ls.findIndex((l) => l.startsWith('m=audio '));
  if (start < 0) return undefined;
  let end = ls.findIndex((l, i) => i > start && l.startsWith('m='));
  if (end < 0) end = ls.length;
  return { start, end };
}

function rtpmaps(ls: string[], from: number, to: number): Map<number, { name: string; rate: number }> {
  const out = new Map<number, { name: string; rate: number }>();
  for (let i = from; i < to; i++) {
    const m = /^a=rtpmap:(\d+) ([^/\s]+)\/(\d+)/.exec(ls[i]!);
    if (m) out.set(Number(m[1]), { name: m[2]!.toLowerCase(), rate: Number(m[3]) });
  }
  return out;
}

/**
 * Strip a browser's offer down to PCMU and telephone-event/8000 before werift sees it. werift
 * matches codecs by MIME type only, so with Chrome's telephone-event/48000 listed first it
 * answers that one next to PCMU, and RTCDTMFSender then refuses to send (RFC 4733 §2.1: the
 * event clock is the audio codec's). Fails with MEDIA_WEBRTC_FAILED (a 488 for SIP) when the
 * offer has no PCMU.
 */
export function restrictOffer(sdp: string): { sdp: string; payloadTypes: NegotiatedPayloadTypes } {
  const ls = lines(sdp);
  const sec = audioSection(ls);
  if (!sec) throw new MediaError('MEDIA_WEBRTC_FAILED', 'the offer has no audio stream');
  const maps = rtpmaps(ls, sec.start, sec.end);
  const mline = ls[sec.start]!.split(' ');
  const offered = mline.slice(3).map(Number);
  // A static type 0 may come without an rtpmap (RFC 3551 §6).
  const isPcmu = (pt: number) => {
    const m = maps.get(pt);
    return m ? m.name === 'pcmu' && m.rate === 8000 : pt === 0;
  };
  const pcmu = offered.find(isPcmu);
  if (pcmu === undefined) throw new MediaError('MEDIA_WEBRTC_FAILED', 'the offer has no PCMU (G.711 µ-law)');
  const telephoneEvent = offered.find((pt) => maps.get(pt)?.name === 'telephone-event' && maps.get(pt)?.rate === 8000);
  const keep = new Set([pcmu, ...(telephoneEvent === undefined ? [] : [telephoneEvent])]);
  const out: string[] = [];
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i]!;
    if (i === sec.start) {
      out.push([...mline.slice(0, 3), ...offered.filter((pt) => keep.has(pt))].join(' '));
      continue;
    }
    if (i > sec.start && i < sec.end) {
      const m = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+|\*)[\s]/.exec(l);
      if (m && m[1] !== '*' && !keep.has(Number(m[1]))) continue;
    }
    out.push(l);
  }
  return { sdp: join(out), payloadTypes: { pcmu, telephoneEvent } };
}

/**
 * Force every telephone-event rtpmap to the 8 kHz clock of PCMU (RFC 4733 §2.1), whatever werift
 * copied into its SDP, and return the payload types the SDP ends up with.
 */
export function fixTelephoneEvent(sdp: string): { sdp: string; payloadTypes: NegotiatedPayloadTypes } {
  const ls = lines(sdp).map((l) => l.replace(/^(a=rtpmap:\d+ telephone-event)\/\d+/i, '$1/8000'));
  const sec = audioSection(ls);
  if (!sec) throw new MediaError('MEDIA_WEBRTC_FAILED', 'the description has no audio stream');
  const maps = rtpmaps(ls, sec.start, sec.end);
  const formats = ls[sec.start]!.split(' ').slice(3).map(Number);
  const pcmu = formats.find((pt) => (maps.get(pt)?.name ?? (pt === 0 ? 'pcmu' : '')) === 'pcmu');
  if (pcmu === undefined) throw new MediaError('MEDIA_WEBRTC_FAILED', 'the description has no PCMU');
  const telephoneEvent = formats.find((pt) => maps.get(pt)?.name === 'telephone-event');
  return { sdp: join(ls), payloadTypes: { pcmu, telephoneEvent } };
}

/** Rewrite every `a=setup:` (RFC 4145 §4) to `role`. */
export function setSetup(sdp: string, role: 'active' | 'passive' | 'actpass'): string {
  return join(lines(sdp).map((l) => (l.startsWith('a=setup:') ? `a=setup:${role}` : l)));
}

/** The `a=setup:` value of a description (media level wins; session level otherwise). */
export function getSetup(sdp: string): string | undefined {
  return lines(sdp).filter((l) => l.startsWith('a=setup:')).pop()?.slice(8).trim();
}

/** All `a=fingerprint:` lines (RFC 8122 §5), session and media level. */
export function parseFingerprints(sdp: string): Fingerprint[] {
  const out: Fingerprint[] = [];
  for (const l of lines(sdp)) {
    const m = /^a=fingerprint:(\S+) ([0-9A-Fa-f:]+)\s*$/.exec(l);
    if (m) out.push({ algorithm: m[1]!.toLowerCase(), value: m[2]!.toUpperCase() });
  }
  return out;
}

/**
 * Drop `a=ice-options:trickle`: SIP carries one complete description, so the candidates in it
 * are all there will be (RFC 8840 is not used).
 */
export function dropTrickle(sdp: string): string {
  return join(lines(sdp).filter((l) => !/^a=ice-options:trickle\s*$/.test(l)));
}
