/**
 * Authenticates the browser at the end of the DTLS handshake. werift 0.22.9 neither compares the
 * peer certificate with the SDP fingerprint (RFC 5763 §5, RFC 8122 §5) nor checks the
 * ServerKeyExchange signature, and as a DTLS server it never asks for the client certificate.
 * So Hotline always takes the DTLS client role and checks, from the handshake werift recorded:
 * 1. the server certificate's hash equals an `a=fingerprint` of the browser's SDP;
 * 2. the ServerKeyExchange was signed by that certificate's key (RFC 4492 §5.4, RFC 5246 §7.4.3),
 *    which proves the peer holds the private key rather than replaying a public certificate.
 */
import { createHash, verify, X509Certificate } from 'node:crypto';
import type { Fingerprint } from './sdp.js';

/** The parts of werift's DtlsClient this check reads. */
export interface DtlsClientLike {
  cipher: {
    remoteCertificate?: Buffer;
    localRandom?: { serialize(): Buffer };
    remoteRandom?: { serialize(): Buffer };
  };
  dtls: { handshakeCache: Record<string, { data: { msg_type: number; fragment: Buffer }[] }> };
}

const SERVER_KEY_EXCHANGE = 12;
const HASHES: Record<number, string> = { 2: 'sha1', 4: 'sha256', 5: 'sha384', 6: 'sha512' };
const FINGERPRINT_HASHES: Record<string, string> = { 'sha-1': 'sha1', 'sha-224': 'sha224', 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' };

/** Upper-case colon-separated hex of a hash of the DER certificate (RFC 8122 §5). */
export function certificateFingerprint(der: Buffer, algorithm: string): string | undefined {
  const hash = FINGERPRINT_HASHES[algorithm.toLowerCase()];
  if (!hash) return undefined;
  return createHash(hash).update(der).digest('hex').toUpperCase().match(/.{2}/g)!.join(':');
}

/** Returns undefined when the peer is authentic, or why it is not. */
export function verifyDtlsPeer(client: DtlsClientLike, expected: Fingerprint[]): string | undefined {
  const der = client.cipher.remoteCertificate;
  if (!der) return 'the peer sent no certificate';
  if (expected.length === 0) return 'the SDP has no fingerprint';
  const match = expected.some((f) => certificateFingerprint(der, f.algorithm) === f.value);
  if (!match) return 'the peer certificate does not match the SDP fingerprint';

  const ske = Object.values(client.dtls.handshakeCache)
    .flatMap((f) => f.data)
    .find((h) => h.msg_type === SERVER_KEY_EXCHANGE)?.fragment;
  const clientRandom = client.cipher.localRandom?.serialize();
  const serverRandom = client.cipher.remoteRandom?.serialize();
  if (!ske || !clientRandom || !serverRandom) return 'the handshake has no ServerKeyExchange';
  // ServerECDHParams: curve_type(1) named_curve(2) public_len(1) public; then hash(1) sig(1) len(2) signature.
  if (ske.length < 4 || ske[0] !== 3) return 'unsupported ServerKeyExchange';
  const paramsEnd = 4 + ske[3]!;
  if (ske.length < paramsEnd + 4) return 'truncated ServerKeyExchange';
  const hash = HASHES[ske[paramsEnd]!];
  const sigLen = ske.readUInt16BE(paramsEnd + 2);
  const signature = ske.subarray(paramsEnd + 4, paramsEnd + 4 + sigLen);
  if (!hash || signature.length !== sigLen) return 'unsupported ServerKeyExchange signature';
  try {
    const key = new X509Certificate(der).publicKey;
    const signed = Buffer.concat([clientRandom, serverRandom, ske.subarray(0, paramsEnd)]);
    if (!verify(hash, signed, key, signature)) return 'the ServerKeyExchange signature is not from the certificate key';
  } catch (e) {
    return `cannot check the ServerKeyExchange signature: ${(e as Error).message}`;
  }
  return undefined;
}
