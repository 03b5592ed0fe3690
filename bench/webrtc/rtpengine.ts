/**
 * rtpengine terminating the same browser legs, as the reference: started under /tmp in userspace
 * forwarding (no kernel table), one interface (the WebRTC host address), driven over its ng
 * control protocol. Per call the phone's plain RTP/AVP offer is turned into a browser offer
 * (`ICE=force`, `DTLS=passive`, `UDP/TLS/RTP/SAVPF`, rtcp-mux); the browser answers as DTLS
 * client, and that answer goes back to the phone as plain RTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { bdecode, bencode, sdp as phoneSdp } from '../media/rtpengine.js';

type BValue = string | number | BValue[] | { [k: string]: BValue };

const mediaPort = (s: string) => Number(/^m=audio (\d+)/m.exec(s)?.[1]);

export class RtpEngineWebRtc {
  private sock!: Socket;
  private seq = 0;
  private readonly pending = new Map<string, (v: Record<string, BValue>) => void>();
  private err = '';

  private constructor(readonly proc: ChildProcess, readonly ngPort: number) {}

  static async start(opts: { host: string; ngPort: number; portMin: number; portMax: number }): Promise<RtpEngineWebRtc> {
    const args = [
      '--foreground',
      '--log-stderr',
      '--log-level=3',
      `--interface=${opts.host}`,
      `--listen-ng=127.0.0.1:${opts.ngPort}`,
      `--port-min=${opts.portMin}`,
      `--port-max=${opts.portMax}`,
      '--table=-1',
      '--num-threads=1',
      '--delete-delay=0',
      '--timeout=600',
    ];
    const proc = spawn('rtpengine', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const e = new RtpEngineWebRtc(proc, opts.ngPort);
    proc.stderr!.on('data', (d: Buffer) => void (e.err = (e.err + d.toString()).slice(-4000)));
    e.sock = createSocket('udp4');
    await new Promise<void>((r) => e.sock.bind(0, '127.0.0.1', () => r()));
    e.sock.on('message', (m) => {
      const sp = m.indexOf(0x20);
      const cb = e.pending.get(m.toString('latin1', 0, sp));
      if (!cb) return;
      e.pending.delete(m.toString('latin1', 0, sp));
      cb(bdecode(m.subarray(sp + 1)) as Record<string, BValue>);
    });
    for (let i = 0; i < 100; i++) {
      if (proc.exitCode !== null) throw new Error(`rtpengine exited: ${e.err}`);
      try {
        if ((await e.command({ command: 'ping' }, 200)).result === 'pong') return e;
      } catch {
        // not listening yet
      }
    }
    proc.kill('SIGTERM');
    throw new Error(`rtpengine did not answer ping: ${e.err}`);
  }

  command(body: Record<string, BValue>, timeoutMs = 5000): Promise<Record<string, BValue>> {
    const cookie = `w${++this.seq}`;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.pending.delete(cookie);
        reject(new Error(`ng ${String(body.command)} timed out`));
      }, timeoutMs);
      this.pending.set(cookie, (v) => {
        clearTimeout(t);
        resolve(v);
      });
      this.sock.send(`${cookie} ${bencode(body as never)}`, this.ngPort, '127.0.0.1');
    });
  }

  /** The browser offer for call `i` whose phone listens on `phonePort` (at `phoneHost`). */
  async offer(i: number, phoneHost: string, phonePort: number): Promise<string> {
    const sdp = phoneSdp(phonePort, i * 2 + 1).replaceAll('127.0.0.1', phoneHost);
    const r = await this.command({
      command: 'offer',
      'call-id': `webrtc-${i}`,
      'from-tag': `p${i}`,
      sdp,
      ICE: 'force',
      DTLS: 'passive',
      'transport-protocol': 'UDP/TLS/RTP/SAVPF',
      'rtcp-mux': ['offer'],
      SDES: ['off'],
      flags: ['generate mid'],
    });
    if (r.result !== 'ok') throw new Error(`offer: ${JSON.stringify(r)} ${this.err}`);
    return r.sdp as string;
  }

  /** The browser answered: returns the port where the phone must send. */
  async answer(i: number, browserSdp: string): Promise<number> {
    const r = await this.command({ command: 'answer', 'call-id': `webrtc-${i}`, 'from-tag': `p${i}`, 'to-tag': `b${i}`, sdp: browserSdp });
    if (r.result !== 'ok') throw new Error(`answer: ${JSON.stringify(r)} ${this.err}`);
    return mediaPort(r.sdp as string);
  }

  async delete(i: number): Promise<void> {
    await this.command({ command: 'delete', 'call-id': `webrtc-${i}`, 'from-tag': `p${i}` }).catch(() => undefined);
  }

  /** utime + stime of the whole process (all threads), in µs. */
  cpuUs(): number {
    const stat = readFileSync(`/proc/${this.proc.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1e6) / 100;
  }

  async stop(): Promise<void> {
    this.sock.close();
    if (this.proc.exitCode !== null) return;
    await new Promise<void>((r) => {
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
      this.proc.once('exit', () => {
        clearTimeout(t);
        r();
      });
      this.proc.kill('SIGTERM');
    });
  }
}
