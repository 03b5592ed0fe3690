import type { RemoteInfo, Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Endpoint, FlowStats } from '../protocol.js';

/**
 * How long the latched source must have been silent before another port of the same peer IP may
 * take over. Long enough that a stray or duplicated stream cannot steal the media of a live call,
 * short enough that a NAT rebinding or a phone that changed its socket recovers within a blink.
 */
export const RELATCH_AFTER_MS = 2_000;

/** RTP header is 12 bytes (RFC 3550 §5.1); an RTCP packet is at least its 8-byte header (§6.4.1). */
export const MIN_RTP = 12;
export const MIN_RTCP = 8;

/** Old-style hold (RFC 3264 §8.4): nothing is sent to, or accepted from, such a peer. */
export const isHoldAddress = (a: string) => a === '0.0.0.0' || a === '::';

/** The text form Node gives in `rinfo.address`, so one string compare per packet suffices. */
export function canonicalIp(address: string): string {
  if (isIP(address) !== 6) return address;
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

export function emptyFlow(): FlowStats {
  return { packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0, dropped: 0, invalid: 0, unsent: 0, latched: null };
}

/**
 * Where a leg's packets come from and go to: a UDP socket locked to the peer (Flow), or a
 * browser's ICE/DTLS-SRTP transport (WebRtcPath). The leg's RTP logic does not care which.
 */
export interface PacketPath {
  onPacket: (msg: Buffer, now: number) => void;
  send(msg: Uint8Array): void;
  /** Whether sending would go anywhere (a peer that is not on hold, a connected transport). */
  readonly canSend: boolean;
  readonly stats: FlowStats;
  /** The negotiated peer (SDP c= and port); a transport that finds its peer itself ignores it. */
  setPeer(ip: string | null, port: number): void;
  local(): Endpoint;
  close(): Promise<void>;
}

/**
 * One socket of one leg. It accepts packets only from the peer IP and latches the first source port
 * it sees (symmetric RTP, RFC 4961); it sends to the latched source, or until one is known to the
 * port the SDP gave. What it accepts goes to `onPacket`; the caller decides what the packet means.
 */
export class Flow implements PacketPath {
  peerIp: string | null = null;
  sdpPort = 0;
  latchedPort: number | null = null;
  lastFromLatched = 0;
  onPacket: (msg: Buffer, now: number) => void = () => undefined;
  readonly stats = emptyFlow();

  constructor(
    readonly socket: Socket,
    private readonly minLength: number,
    private readonly now: () => number,
  ) {
    socket.on('message', (msg, rinfo) => this.receive(msg, rinfo));
    // Send failures without a callback surface here (RFC 3550 leaves loss to the endpoints).
    socket.on('error', () => void this.stats.unsent++);
  }

  setPeer(ip: string | null, port: number): void {
    if (ip !== this.peerIp || port !== this.sdpPort) {
      // A new negotiated address: what was latched belonged to the old one.
      this.latchedPort = null;
      this.stats.latched = null;
    }
    this.peerIp = ip;
    this.sdpPort = port;
  }

  private receive(msg: Buffer, rinfo: RemoteInfo): void {
    const st = this.stats;
    if (rinfo.address !== this.peerIp) {
      st.dropped++;
      return;
    }
    // Version 2 in the top two bits of the first octet (RFC 3550 §5.1, §6.4).
    if (msg.length < this.minLength || msg[0]! >> 6 !== 2) {
      st.invalid++;
      return;
    }
    const now = this.now();
    if (this.latchedPort !== rinfo.port) {
      if (this.latchedPort !== null && now - this.lastFromLatched < RELATCH_AFTER_MS) {
        st.dropped++;
        return;
      }
      this.latchedPort = rinfo.port;
      st.latched = { address: rinfo.address, port: rinfo.port };
    }
    this.lastFromLatched = now;
    st.packetsIn++;
    st.bytesIn += msg.length;
    this.onPacket(msg, now);
  }

  /** Whether sending would go anywhere (a peer that is not on hold). */
  get canSend(): boolean {
    return this.peerIp !== null && (this.latchedPort ?? this.sdpPort) !== 0;
  }

  send(msg: Uint8Array): void {
    const port = this.latchedPort ?? this.sdpPort;
    if (this.peerIp === null || port === 0) {
      this.stats.unsent++;
      return;
    }
    this.socket.send(msg, port, this.peerIp);
    this.stats.packetsOut++;
    this.stats.bytesOut += msg.length;
  }

  get latched(): Endpoint | null {
    return this.stats.latched;
  }

  local(): Endpoint {
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  close(): Promise<void> {
    return closeSocket(this.socket);
  }
}

export const closeSocket = (s: Socket) =>
  new Promise<void>((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
