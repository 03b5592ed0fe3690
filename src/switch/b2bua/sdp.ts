/**
 * SDP as the B2BUA rewrites it: the first audio stream is anchored on the relay (c= and m= port
 * replaced, ICE stripped), any other stream is declined with port 0 (RFC 3264 §6) since the relay
 * carries one stream, and o= is ours per leg so each side sees one consistent session whose
 * version goes up by one with each description we send (RFC 3264 §8).
 */
import { randomInt } from 'node:crypto';
import {
  answerDirection,
  parseSdp,
  remoteRtpEndpoint,
  rewriteConnection,
  rtpmaps,
  serializeSdp,
  setDirection,
  type SdpDirection,
  type SdpRtpEndpoint,
  type SessionDescription,
} from '../../sdp/index.js';

export class SdpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Parse a body as SDP with one usable audio stream; throws SdpError(488) otherwise. */
export function readOffer(body: Buffer): { sdp: SessionDescription; audio: number; endpoint: SdpRtpEndpoint } {
  const parsed = parseSdp(body.toString('utf8'));
  if (!parsed.ok) throw new SdpError(400, `bad SDP: ${parsed.error.message}`);
  const audio = parsed.sdp.media.findIndex((m) => m.type === 'audio' && m.port !== 0);
  if (audio < 0) throw new SdpError(488, 'no audio stream offered');
  let endpoint: SdpRtpEndpoint;
  try {
    endpoint = remoteRtpEndpoint(parsed.sdp, audio);
  } catch (e) {
    throw new SdpError(488, (e as Error).message);
  }
  return { sdp: parsed.sdp, audio, endpoint };
}

/** Our o= for one leg: a fixed session id and a version that rises with each description sent. */
export class LegOrigin {
  private sessId = String(randomInt(1, 2 ** 47));
  private user = 'hotline';
  private version = randomInt(1, 2 ** 31);
  /** The last description sent on this leg (offered again for an offerless re-INVITE). */
  last: Buffer | null = null;

  /** `sdp` anchored at `address:port`, other streams declined, with our next o=. */
  render(sdp: SessionDescription, audio: number, address: string, port: number): Buffer {
    const declined: SessionDescription = { ...sdp, media: sdp.media.map((m, i) => (i === audio ? m : { ...m, port: 0 })) };
    const out = rewriteConnection(declined, { address, ports: declined.media.map((m, i) => (i === audio ? port : m.port === 0 ? undefined : m.port)) });
    this.version += 1;
    out.origin = { username: 'hotline', sessId: this.sessId, sessVersion: String(this.version), netType: 'IN', addrType: address.includes(':') ? 'IP6' : 'IP4', address };
    this.last = Buffer.from(serializeSdp(out), 'utf8');
    return this.last;
  }

  /**
   * A description made elsewhere (a browser leg's, from werift) becomes this leg's: later ones keep
   * its o= user and session id, with the version going up from its (RFC 3264 §8).
   */
  adopt(body: Buffer): void {
    const parsed = parseSdp(body.toString('utf8'));
    if (!parsed.ok) return;
    const o = parsed.sdp.origin;
    this.user = o.username;
    this.sessId = o.sessId;
    const v = Number(o.sessVersion);
    this.version = Number.isSafeInteger(v) ? v : 1;
    this.last = body;
  }

  /** A description of ours sent again, changed (a direction): same session id, next version. */
  again(sdp: SessionDescription): Buffer {
    this.version += 1;
    const address = sdp.origin.address;
    const origin = { username: this.user, sessId: this.sessId, sessVersion: String(this.version), netType: 'IN', addrType: address.includes(':') ? 'IP6' : 'IP4', address };
    this.last = Buffer.from(serializeSdp({ ...sdp, origin }), 'utf8');
    return this.last;
  }
}

/** The audio format of one side as the media engine needs it (mirrors src/media's PayloadSpec). */
export interface NegotiatedPayload {
  codec: 'pcmu' | 'pcma' | 'opaque';
  pt: number;
  dtmfPt: number | null;
}

/** Static payload types of RFC 3551 §6 that may appear without an rtpmap. */
const STATIC: Record<number, string> = { 0: 'PCMU', 8: 'PCMA' };

function encodingOf(sdp: SessionDescription, audio: number, pt: number): { name: string; rate: number } | null {
  const m = sdp.media[audio];
  if (!m) return null;
  const map = rtpmaps(m).find((r) => r.payloadType === pt);
  if (map) return { name: map.encoding.toUpperCase(), rate: map.clockRate };
  return STATIC[pt] ? { name: STATIC[pt]!, rate: 8000 } : null;
}

function ptFor(sdp: SessionDescription, audio: number, name: string): number | null {
  const m = sdp.media[audio];
  if (!m) return null;
  for (const f of m.formats) {
    const pt = Number(f);
    if (!Number.isInteger(pt)) continue;
    const e = encodingOf(sdp, audio, pt);
    if (e && e.name === name && e.rate === 8000) return pt;
  }
  return null;
}

/**
 * What an offer/answer exchange settled for each side: the codec is the answer's first format
 * (RFC 3264 §6.1: the answerer lists what it will send, in preference order), each side keeping
 * its own payload type numbers. G.711 over plain RTP/AVP is anchored by the media engine; any other
 * codec, or SRTP (whose authentication a re-stamped header would break), is relayed untouched.
 */
export function negotiatedPayloads(
  offer: SessionDescription,
  offerAudio: number,
  answer: SessionDescription,
  answerAudio: number,
): { offerer: NegotiatedPayload; answerer: NegotiatedPayload } {
  const am = answer.media[answerAudio];
  const om = offer.media[offerAudio];
  const opaque = { offerer: { codec: 'opaque', pt: 0, dtmfPt: null }, answerer: { codec: 'opaque', pt: 0, dtmfPt: null } } as const;
  if (!am || !om || am.proto.toUpperCase() !== 'RTP/AVP' || om.proto.toUpperCase() !== 'RTP/AVP') return { offerer: { ...opaque.offerer }, answerer: { ...opaque.answerer } };
  const first = am.formats.map(Number).find((pt) => Number.isInteger(pt) && encodingOf(answer, answerAudio, pt)?.name !== 'TELEPHONE-EVENT');
  const enc = first === undefined ? null : encodingOf(answer, answerAudio, first);
  if (first === undefined || !enc || (enc.name !== 'PCMU' && enc.name !== 'PCMA') || enc.rate !== 8000) return { offerer: { ...opaque.offerer }, answerer: { ...opaque.answerer } };
  const offerPt = ptFor(offer, offerAudio, enc.name);
  if (offerPt === null) return { offerer: { ...opaque.offerer }, answerer: { ...opaque.answerer } };
  const codec = enc.name === 'PCMU' ? 'pcmu' : 'pcma';
  const aDtmf = ptFor(answer, answerAudio, 'TELEPHONE-EVENT');
  const oDtmf = ptFor(offer, offerAudio, 'TELEPHONE-EVENT');
  // telephone-event is usable only if both agreed to it (RFC 4733 §7.1.1).
  const both = aDtmf !== null && oDtmf !== null;
  return {
    offerer: { codec, pt: offerPt, dtmfPt: both ? oDtmf : null },
    answerer: { codec, pt: first, dtmfPt: both ? aDtmf : null },
  };
}

/**
 * Our own answer to a hold or resume offer that we take ourselves instead of passing it on: the
 * description we last sent this side, with the direction RFC 3264 §6.1 gives for the offered one.
 */
export function localAnswer(origin: LegOrigin, offered: SdpDirection): Buffer | null {
  if (!origin.last) return null;
  const parsed = parseSdp(origin.last.toString('utf8'));
  if (!parsed.ok) return null;
  const audio = parsed.sdp.media.findIndex((m) => m.type === 'audio' && m.port !== 0);
  if (audio < 0) return null;
  return origin.again(setDirection(parsed.sdp, audio, answerDirection(offered)));
}

/**
 * The audio format Hotline itself takes from an offer when it ends the media (a conference room,
 * a browser leg): G.711 in the offerer's order of preference, and telephone-event if offered.
 */
export function chooseG711(offer: SessionDescription, audio: number, anyProfile = false): NegotiatedPayload | null {
  const m = offer.media[audio];
  if (!m || (!anyProfile && m.proto.toUpperCase() !== 'RTP/AVP')) return null;
  for (const f of m.formats) {
    const pt = Number(f);
    const e = Number.isInteger(pt) ? encodingOf(offer, audio, pt) : null;
    if (e && e.rate === 8000 && (e.name === 'PCMU' || e.name === 'PCMA')) {
      return { codec: e.name === 'PCMU' ? 'pcmu' : 'pcma', pt, dtmfPt: ptFor(offer, audio, 'TELEPHONE-EVENT') };
    }
  }
  return null;
}

/** A plain RTP/AVP audio description of ours (RFC 3264 §6 answer, or an offer) for one G.711 format. */
export function plainAudioSdp(opts: { address: string; port: number; payload: NegotiatedPayload; direction: SdpDirection }): SessionDescription {
  const { payload: p } = opts;
  const addrType = opts.address.includes(':') ? 'IP6' : 'IP4';
  const formats = [String(p.pt), ...(p.dtmfPt !== null ? [String(p.dtmfPt)] : [])];
  const attributes = [
    { name: 'rtpmap', value: `${p.pt} ${p.codec === 'pcmu' ? 'PCMU' : 'PCMA'}/8000` },
    ...(p.dtmfPt !== null ? [{ name: 'rtpmap', value: `${p.dtmfPt} telephone-event/8000` }, { name: 'fmtp', value: `${p.dtmfPt} 0-16` }] : []),
    { name: 'ptime', value: '20' },
    { name: opts.direction },
  ];
  return {
    version: 0,
    origin: { username: 'hotline', sessId: '0', sessVersion: '0', netType: 'IN', addrType, address: opts.address },
    sessionName: 'Hotline',
    emails: [],
    phones: [],
    connection: { netType: 'IN', addrType, address: opts.address },
    bandwidths: [],
    timings: [{ start: '0', stop: '0', repeats: [] }],
    attributes: [],
    extra: [],
    media: [{ type: 'audio', port: opts.port, proto: 'RTP/AVP', formats, bandwidths: [], attributes, extra: [] }],
  };
}
