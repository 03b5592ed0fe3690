/**
 * rtpengine as the reference relay: started under /tmp in userspace forwarding (no kernel table),
 * driven over its ng control protocol (bencode over UDP: `<cookie> <dict>`), and measured from
 * /proc like any other process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';

type BValue = string | number | BValue[] | { [k: string]: BValue };

export function bencode(v: BValue): string {
  if (typeof v === 'number') return `i${Math.trunc(v)}e`;
  if (typeof v === 'string') return `${Buffer.byteLength(v)}:${v}`;
  if (Array.isArray(v)) return `l${v.map(bencode).join('')}e`;
  const keys = Object.keys(v).sort();
  return `d${keys.map((k) => bencode(k) + bencode(v[k]!)).join('')}e`;
}

export function bdecode(buf: Buffer): BValue {
  let i = 0;
  const read = (): BValue => {
    const c = String.fromCharCode(buf[i]!);
    if (c === 'i') {
      const e = buf.indexOf(0x65, i);
      const n = Number(buf.toString('latin1', i + 1, e));
      i = e + 1;
      return n;
    }
    if (c === 'l') {
      i++;
      const out: BValue[] = [];
      while (buf[i] !== 0x65) out.push(read());
      i++;
      return out;
    }
    if (c === 'd') {
      i++;
      const out: Record<string, BValue> = {};
      while (buf[i] !== 0x65) {
        const k = read() as string;
        out[k] = read();
      }
      i++;
      return out;
    }
    const colon = buf.indexOf(0x3a, i);
    const len = Number(buf.toString('latin1', i, colon));
    const s = buf.toString('utf8', colon + 1, colon + 1 + len);
    i = colon + 1 + len;
    return s;
  };
  return read();
}

export function sdp(port: number, sessionId: number): string {
  return [
    'v=0',
    `o=- ${sessionId} 1 IN IP4 127.0.0.1`,
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

const mediaPort = (s: string) => Number(/^m=audio (\d+)/m.exec(s)?.[1]);

export class RtpEngine {
  private sock!: Socket;
  private seq = 0;
  private readonly pending = new Map<string, (v: Record<string, BValue>) => void>();

  private constructor(
    readonly proc: ChildProcess,
    readonly ngPort: number,
  ) {}

  static async start(opts: { ngPort: number; portMin: number; portMax: number; threads: number }): Promise<RtpEngine> {
    const args = [
      '--foreground',
      '--log-stderr',
      '--log-level=3',
      '--interface=127.0.0.1',
      `--listen-ng=127.0.0.1:${opts.ngPort}`,
      `--port-min=${opts.portMin}`,
      `--port-max=${opts.portMax}`,
      '--table=-1',
      `--num-threads=${opts.threads}`,
      '--delete-delay=0',
      '--timeout=600',
    ];
    const proc = spawn('rtpengine', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => void (err = (err + d.toString()).slice(-4000)));
    const e = new RtpEngine(proc, opts.ngPort);
    e.sock = createSocket('udp4');
    await new Promise<void>((r) => e.sock.bind(0, '127.0.0.1', () => r()));
    e.sock.on('message', (m) => {
      const sp = m.indexOf(0x20);
      const cookie = m.toString('latin1', 0, sp);
      const cb = e.pending.get(cookie);
      if (!cb) return;
      e.pending.delete(cookie);
      cb(bdecode(m.subarray(sp + 1)) as Record<string, BValue>);
    });
    for (let i = 0; i < 100; i++) {
      if (proc.exitCode !== null) throw new Error(`rtpengine exited: ${err}`);
      try {
        const r = await e.command({ command: 'ping' }, 200);
        if (r.result === 'pong') return e;
      } catch {
        // not listening yet
      }
    }
    proc.kill('SIGTERM');
    throw new Error(`rtpengine did not answer ping: ${err}`);
  }

  command(body: Record<string, BValue>, timeoutMs = 5000): Promise<Record<string, BValue>> {
    const cookie = `c${++this.seq}`;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.pending.delete(cookie);
        reject(new Error(`ng ${String(body.command)} timed out`));
      }, timeoutMs);
      this.pending.set(cookie, (v) => {
        clearTimeout(t);
        resolve(v);
      });
      this.sock.send(`${cookie} ${bencode(body)}`, this.ngPort, '127.0.0.1');
    });
  }

  /** One call between two far-end ports; returns where each party must send. */
  async call(i: number, aPort: number, bPort: number): Promise<{ a: number; b: number }> {
    const callId = `bench-${i}`;
    const offer = await this.command({ command: 'offer', 'call-id': callId, 'from-tag': `a${i}`, sdp: sdp(aPort, i * 2 + 1) });
    if (offer.result !== 'ok') throw new Error(`offer: ${JSON.stringify(offer)}`);
    const answer = await this.command({ command: 'answer', 'call-id': callId, 'from-tag': `a${i}`, 'to-tag': `b${i}`, sdp: sdp(bPort, i * 2 + 2) });
    if (answer.result !== 'ok') throw new Error(`answer: ${JSON.stringify(answer)}`);
    // The offer's rewritten SDP goes to B (where B sends); the answer's goes to A.
    return { a: mediaPort(answer.sdp as string), b: mediaPort(offer.sdp as string) };
  }

  async delete(i: number): Promise<void> {
    await this.command({ command: 'delete', 'call-id': `bench-${i}`, 'from-tag': `a${i}` });
  }

  /** utime + stime of the whole process (all threads), in µs. */
  cpuUs(): number {
    const stat = readFileSync(`/proc/${this.proc.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 14 and 15 of stat(5), counted from after the command name (field 3 is index 0)
    return ((Number(f[11]) + Number(f[12])) * 1e6) / 100;
  }

  rssBytes(): number {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.proc.pid}/status`, 'utf8'));
    return Number(m?.[1]) * 1024;
  }

  async stop(): Promise<void> {
    this.sock.close();
    if (this.proc.exitCode !== null) return;
    await new Promise<void>((r) => {
      const t = setTimeout(() => {
        this.proc.kill('SIGKILL');
      }, 3000);
      this.proc.once('exit', () => {
        clearTimeout(t);
        r();
      });
      this.proc.kill('SIGTERM');
    });
  }
}
