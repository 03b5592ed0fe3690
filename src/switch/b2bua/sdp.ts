/**
 * SDP as the B2BUA rewrites it: the first audio stream is anchored on the relay (c= and m= port
 * replaced, ICE stripped), any other stream is declined with port 0 (RFC 3264 §6) since the relay
 * carries one stream, and o= is ours per leg so each side sees one consistent session whose
 * version goes up by one with each description we send (RFC 3264 §8).
 */
import { randomInt } from 'node:crypto';
import { parseSdp, remoteRtpEndpoint, rewriteConnection, serializeSdp, type SdpRtpEndpoint, type SessionDescription } from '../../sdp/index.js';

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
  private readonly sessId = String(randomInt(1, 2 ** 47));
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
}
