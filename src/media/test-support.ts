/**
 * A far end for media tests: a UDP socket that sends a G.711 tone in 20 ms RTP packets, as a phone
 * would, and keeps what it receives (decoded), so tests check audio by frequency, not by counts.
 */
import { createSocket, type Socket } from 'node:dgram';
import { FRAME_SAMPLES, decodeG711, dominantFrequency, encodeG711, goertzelPower, type G711Law } from './audio/index.js';
import { parseRtp, newRtpHeader, writeRtpHeader } from './rtp/index.js';

export interface Received {
  pt: number;
  seq: number;
  ts: number;
  ssrc: number;
  marker: boolean;
  payload: Buffer;
  from: number;
}

export class RtpPeer {
  readonly got: Received[] = [];
  readonly rtcp: Buffer[] = [];
  private timer: NodeJS.Timeout | null = null;
  private seq = 1000;
  private ts = 50_000;
  private phase = 0;
  readonly ssrc = (Math.random() * 2 ** 32) >>> 0;

  private constructor(
    readonly socket: Socket,
    readonly rtcpSocket: Socket,
    readonly port: number,
    readonly law: G711Law,
    readonly pt: number,
  ) {
    const h = newRtpHeader();
    socket.on('message', (m, r) => {
      if (!parseRtp(m, h)) return;
      this.got.push({ pt: h.payloadType, seq: h.sequence, ts: h.timestamp, ssrc: h.ssrc, marker: h.marker, payload: Buffer.from(m.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength)), from: r.port });
    });
    rtcpSocket.on('message', (m) => this.rtcp.push(m));
  }

  /** Binds an even port and the odd one above it (RTCP), on loopback. */
  static async open(law: G711Law = 'pcmu', pt = law === 'pcmu' ? 0 : 8): Promise<RtpPeer> {
    for (let i = 0; i < 50; i++) {
      const s = createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      const port = s.address().port;
      if (port % 2 !== 0) {
        s.close();
        continue;
      }
      const c = createSocket('udp4');
      const ok = await new Promise<boolean>((r) => {
        c.once('error', () => r(false));
        c.bind(port + 1, '127.0.0.1', () => r(true));
      });
      if (!ok) {
        s.close();
        continue;
      }
      return new RtpPeer(s, c, port, law, pt);
    }
    throw new Error('no even/odd port pair');
  }

  /** Send a tone (Hz) to `port` every 20 ms until stop(). */
  sendTone(freq: number, port: number, amplitude = 8000): void {
    this.stop();
    const pcm = new Int16Array(FRAME_SAMPLES);
    this.timer = setInterval(() => {
      for (let i = 0; i < FRAME_SAMPLES; i++) pcm[i] = Math.round(amplitude * Math.sin(this.phase + (2 * Math.PI * freq * i) / 8000));
      this.phase += (2 * Math.PI * freq * FRAME_SAMPLES) / 8000;
      this.sendFrame(pcm, port);
    }, 20);
  }

  sendFrame(pcm: Int16Array, port: number): void {
    const buf = Buffer.alloc(12 + FRAME_SAMPLES);
    writeRtpHeader(buf, 0, { marker: false, payloadType: this.pt, sequence: this.seq, timestamp: this.ts, ssrc: this.ssrc });
    encodeG711(pcm, this.law, buf, 0, FRAME_SAMPLES, 12);
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + FRAME_SAMPLES) >>> 0;
    this.socket.send(buf, port, '127.0.0.1');
  }

  /** One RFC 4733 event packet (§2.3). */
  sendEvent(event: number, end: boolean, duration: number, port: number, pt = 101, ts = 7_000, marker = false): void {
    const buf = Buffer.alloc(16);
    writeRtpHeader(buf, 0, { marker, payloadType: pt, sequence: this.seq, timestamp: ts, ssrc: this.ssrc });
    this.seq = (this.seq + 1) & 0xffff;
    buf[12] = event;
    buf[13] = (end ? 0x80 : 0) | 10;
    buf.writeUInt16BE(duration, 14);
    this.socket.send(buf, port, '127.0.0.1');
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The audio received since packet `from` (of payload type `pt`), decoded. */
  audio(from = 0, pt = this.pt): Int16Array {
    const pk = this.got.slice(from).filter((g) => g.pt === pt);
    const out = new Int16Array(pk.reduce((n, p) => n + p.payload.length, 0));
    let o = 0;
    for (const p of pk) {
      decodeG711(p.payload, this.law, out, o, p.payload.length);
      o += p.payload.length;
    }
    return out;
  }

  /** Which of `candidates` dominates the audio received since packet `from`. */
  heard(candidates: number[], from = 0): { freq: number; power: number; ratio: number } {
    const a = this.audio(from);
    return dominantFrequency(a, 8000, candidates);
  }

  /**
   * The median over 20 ms frames of the power at `freq`. Frame by frame, so a frame that a jitter
   * buffer skipped or repeated (a phase jump) does not cancel the tone out of a long window.
   */
  framePower(freq: number, from = 0): number {
    const a = this.audio(from);
    const powers: number[] = [];
    for (let o = 0; o + FRAME_SAMPLES <= a.length; o += FRAME_SAMPLES) powers.push(goertzelPower(a, 8000, freq, o, FRAME_SAMPLES));
    powers.sort((x, y) => x - y);
    return powers.length ? powers[Math.floor(powers.length / 2)]! : 0;
  }

  close(): void {
    this.stop();
    this.socket.close();
    this.rtcpSocket.close();
  }
}
