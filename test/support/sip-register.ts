/**
 * A REGISTER as text and the digest answer to a 401, for tests that talk SIP over a raw
 * connection (WebSocket, TLS) rather than through the UDP/TCP test phone.
 */
import { computeResponse, digestCredentials, ha1, type SipResponse } from '../../src/sip/index.js';

export function registerText(opts: { user: string; transport: string; sentBy: string; contact: string; cseq: number; callId: string; auth?: string; expires?: number }): string {
  return [
    'REGISTER sip:127.0.0.1 SIP/2.0',
    `Via: SIP/2.0/${opts.transport} ${opts.sentBy};branch=z9hG4bK-${opts.callId}-${opts.cseq}`,
    'Max-Forwards: 70',
    `From: <sip:${opts.user}@127.0.0.1>;tag=t-${opts.callId}`,
    `To: <sip:${opts.user}@127.0.0.1>`,
    `Call-ID: ${opts.callId}`,
    `CSeq: ${opts.cseq} REGISTER`,
    `Contact: <${opts.contact}>;expires=${opts.expires ?? 300}`,
    ...(opts.auth ? [`Authorization: ${opts.auth}`] : []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** The Authorization value answering the first MD5 challenge of a 401. */
export function answerChallenge(challenge: SipResponse, user: string, password: string, method = 'REGISTER', uri = 'sip:127.0.0.1'): string {
  const c = digestCredentials(challenge.headers.value('www-authenticate')![0]!)!;
  const response = computeResponse({ algorithm: 'MD5', ha1: ha1(user, c.realm!, password, 'MD5'), method, uri, nonce: c.nonce!, qop: 'auth', nc: '00000001', cnonce: 'abc' });
  return `Digest username="${user}", realm="${c.realm}", nonce="${c.nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="abc", opaque="${c.opaque}"`;
}
