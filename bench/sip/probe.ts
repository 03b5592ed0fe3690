/**
 * A small SIP caller over UDP that times call setup with a microsecond clock (SIPp's response
 * times have millisecond steps). Runs alongside the SIPp load at a low rate:
 *   INVITE (SDP) -> 401/407 -> ACK -> INVITE with digest  [t0]
 *   -> 100 Trying [trying] / first provisional [prov] -> 200 [answer] -> ACK -> hold -> BYE -> 200.
 * ACK and BYE go to the server (Hotline is the far end of the caller's dialog; Kamailio
 * record-routes), with the Route set taken from the 200's Record-Route.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

export interface ProbeResult {
  attempted: number;
  answered: number;
  failed: number;
  failures: string[];
  tryingMs: number[];
  provMs: number[];
  answerMs: number[];
}

interface Call {
  callId: string;
  user: string;
  password: string;
  callee: string;
  fromTag: string;
  branch1: string;
  state: 'challenge' | 'auth' | 'answered' | 'bye' | 'done';
  t0: bigint;
  trying?: number;
  prov?: number;
  answer?: number;
  done: (ok: boolean, why?: string) => void;
  timer: NodeJS.Timeout;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const hex = (n: number) => randomBytes(n).toString('hex');

function header(head: string, ...names: string[]): string | undefined {
  for (const n of names) {
    const m = new RegExp(`^${n}\\s*:\\s*(.*)$`, 'im').exec(head);
    if (m) return m[1]!.trim();
  }
  return undefined;
}
function headers(head: string, name: string): string[] {
  return [...head.matchAll(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'gim'))].map((m) => m[1]!.trim());
}

export async function runProbe(opts: {
  server: { host: string; port: number };
  pairs: { user: string; password: string; callee: string }[];
  rate: number;
  seconds: number;
  holdMs: number;
}): Promise<ProbeResult> {
  const sock = createSocket('udp4');
  await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
  const lp = sock.address().port;
  const { host, port } = opts.server;
  const calls = new Map<string, Call>();
  const out: ProbeResult = { attempted: 0, answered: 0, failed: 0, failures: [], tryingMs: [], provMs: [], answerMs: [] };
  const send = (s: string) => sock.send(s, port, host);
  const sdp = `v=0\r\no=probe 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${lp + 1} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`;
  const ruri = (c: Call) => `sip:${c.callee}@${host}:${port}`;
  const invite = (c: Call, cseq: number, branch: string, auth?: [string, string]) =>
    `INVITE ${ruri(c)} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${lp};branch=${branch}\r\nFrom: <sip:${c.user}@${host}>;tag=${c.fromTag}\r\n` +
    `To: <sip:${c.callee}@${host}>\r\nCall-ID: ${c.callId}\r\nCSeq: ${cseq} INVITE\r\nContact: <sip:${c.user}@127.0.0.1:${lp}>\r\n` +
    (auth ? `${auth[0]}: ${auth[1]}\r\n` : '') +
    `Max-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(sdp)}\r\n\r\n${sdp}`;

  sock.on('message', (buf) => {
    const now = process.hrtime.bigint();
    const text = buf.toString('latin1');
    const end = text.indexOf('\r\n\r\n');
    const head = end < 0 ? text : text.slice(0, end);
    if (!head.startsWith('SIP/2.0 ')) return; // no requests expected
    const status = Number(head.slice(8, 11));
    const callId = header(head, 'Call-ID', 'i');
    const c = callId ? calls.get(callId) : undefined;
    if (!c) return;
    const cseq = header(head, 'CSeq') ?? '';
    const to = header(head, 'To', 't')!;
    const ms = () => Number(now - c.t0) / 1e6;
    if (c.state === 'challenge' && cseq.startsWith('1 ')) {
      if (status < 200) return;
      // ACK the challenge (same branch as the INVITE, RFC 3261 §17.1.1.3).
      send(
        `ACK ${ruri(c)} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${lp};branch=${c.branch1}\r\nFrom: <sip:${c.user}@${host}>;tag=${c.fromTag}\r\nTo: ${to}\r\n` +
          `Call-ID: ${c.callId}\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
      );
      if (status !== 401 && status !== 407) return c.done(false, `challenge: ${status}`);
      const chal = header(head, status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate') ?? '';
      const p = (k: string) => new RegExp(`${k}="?([^",]+)"?`, 'i').exec(chal)?.[1];
      const realm = p('realm')!;
      const nonce = p('nonce')!;
      const qop = p('qop');
      const opaque = p('opaque');
      const cnonce = hex(6);
      const ha1 = md5(`${c.user}:${realm}:${c.password}`);
      const ha2 = md5(`INVITE:${ruri(c)}`);
      const response = qop ? md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
      const auth =
        `Digest username="${c.user}", realm="${realm}", nonce="${nonce}", uri="${ruri(c)}", response="${response}", algorithm=MD5` +
        (qop ? `, qop=auth, nc=00000001, cnonce="${cnonce}"` : '') +
        (opaque ? `, opaque="${opaque}"` : '');
      c.state = 'auth';
      const msg = invite(c, 2, `z9hG4bK${hex(8)}`, [status === 401 ? 'Authorization' : 'Proxy-Authorization', auth]);
      c.t0 = process.hrtime.bigint();
      send(msg);
      return;
    }
    if (c.state === 'auth' && cseq.startsWith('2 ')) {
      if (status === 100 && c.trying === undefined) c.trying = ms();
      if (status < 200) {
        if (c.prov === undefined) c.prov = ms();
        return;
      }
      if (status >= 300) return c.done(false, `INVITE: ${status}`);
      c.answer = ms();
      c.state = 'answered';
      const contact = /<([^>]+)>/.exec(header(head, 'Contact', 'm') ?? '')?.[1] ?? ruri(c);
      const routes = headers(head, 'Record-Route').reverse().join(', '); // UAC: reverse order (§12.1.2)
      const inDialog = (method: string, cseqN: number) =>
        `${method} ${contact} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${lp};branch=z9hG4bK${hex(8)}\r\n` +
        (routes ? `Route: ${routes}\r\n` : '') +
        `From: <sip:${c.user}@${host}>;tag=${c.fromTag}\r\nTo: ${to}\r\nCall-ID: ${c.callId}\r\nCSeq: ${cseqN} ${method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
      send(inDialog('ACK', 2));
      setTimeout(() => {
        c.state = 'bye';
        send(inDialog('BYE', 3));
      }, opts.holdMs);
      return;
    }
    if (c.state === 'bye' && cseq.startsWith('3 ')) {
      if (status >= 200) c.done(status === 200, status === 200 ? undefined : `BYE: ${status}`);
    }
  });

  const all: Promise<void>[] = [];
  const total = Math.round(opts.rate * opts.seconds);
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = t0 + (i * 1000) / opts.rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const pair = opts.pairs[i % opts.pairs.length]!;
    out.attempted++;
    all.push(
      new Promise<void>((resolve) => {
        const c: Call = {
          callId: `probe-${hex(8)}`,
          user: pair.user,
          password: pair.password,
          callee: pair.callee,
          fromTag: hex(4),
          branch1: `z9hG4bK${hex(8)}`,
          state: 'challenge',
          t0: process.hrtime.bigint(),
          done: (ok, why) => {
            if (c.state === 'done') return;
            c.state = 'done';
            clearTimeout(c.timer);
            calls.delete(c.callId);
            if (ok) {
              out.answered++;
              if (c.trying !== undefined) out.tryingMs.push(c.trying);
              if (c.prov !== undefined) out.provMs.push(c.prov);
              out.answerMs.push(c.answer!);
            } else {
              out.failed++;
              if (out.failures.length < 10) out.failures.push(why ?? 'failed');
            }
            resolve();
          },
          timer: setTimeout(() => c.done(false, `timeout in state ${c.state}`), 10_000 + opts.holdMs),
        };
        calls.set(c.callId, c);
        send(invite(c, 1, c.branch1));
      }),
    );
  }
  await Promise.all(all);
  sock.close();
  return out;
}
