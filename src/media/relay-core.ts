import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { MediaError } from './errors.js';
import type { FlowStats, PeerSpec, RelayStats, Side, SideStats } from './protocol.js';

/**
 * How long the latched source must have been silent before another port of the same peer IP may
 * take over. Long enough that a stray or duplicated stream cannot steal the media of a live call,
 * short enough that a NAT rebinding or a phone that changed its socket recovers within a blink.
 */
export const RELATCH_AFTER_MS = 2_000;

/** RTP header is 12 bytes (RFC 3550 §5.1); an RTCP packet is at least its 8-byte header (§6.4.1). */
const MIN_RTP = 12;
const MIN_RTCP = 8;

/** Old-style hold (RFC 3264 §8.4): nothing is sent to, or accepted from, such a peer. */
const isHoldAddress = (a: string) => a === '0.0.0.0' || a === '::';

/** The text form Node gives in `rinfo.address`, so one string compare per packet suffices. */
function canonicalIp(address: string): string {
  if (isIP(address) !== 6) return address;
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

function emptyFlow(): FlowStats {
  return { packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0, dropped: 0, invalid: 0, unsent: 0, latched: null };
}

/**
 * One socket of one side. It accepts packets only from the side's peer IP and latches the first
 * source port it sees (symmetric RTP, RFC 4961); it sends to the latched source, or until one is
 * known to the port the SDP gave.
 */
class Flow {
  peerIp: string | null = null;
  sdpPort = 0;
  latchedPort: number | null = null;
  lastFromLatched = 0;
  other!: Flow;
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
    this.other.forward(msg);
  }

  private forward(msg: Buffer): void {
    const port = this.latchedPort ?? this.sdpPort;
    if (this.peerIp === null || port === 0) {
      this.stats.unsent++;
      return;
    }
    this.socket.send(msg, port, this.peerIp);
    this.stats.packetsOut++;
    this.stats.bytesOut += msg.length;
  }
}

function bind(type: 'udp4' | 'udp6', host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type, reuseAddr: false });
    const onError = (e: NodeJS.ErrnoException) => {
      s.close();
      reject(
        e.code === 'EADDRINUSE' || e.code === 'EACCES'
          ? new MediaError('MEDIA_PORT_IN_USE', `port ${port} on ${host} is in use`)
          : new MediaError('MEDIA_BIND_FAILED', `cannot bind ${host}:${port}: ${e.code ?? e.message}`),
      );
    };
    s.once('error', onError);
    s.bind({ address: host, port, exclusive: true }, () => {
      s.off('error', onError);
      resolve(s);
    });
  });
}

const closeSocket = (s: Socket) =>
  new Promise<void>((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });

/**
 * The relay itself, as it runs inside a worker: four sockets (RTP and RTCP of sides a and b).
 * RTP that side a's socket accepts leaves through side b's RTP socket, and the reverse; the same
 * for RTCP. Forwarding is a length check, a version check, one string compare and one send.
 */
export class RelayCore {
  private readonly flows: Record<Side, { rtp: Flow; rtcp: Flow }>;
  private readonly family: 4 | 6;
  private closed: Promise<void> | undefined;

  private constructor(
    readonly id: string,
    sockets: Socket[],
    family: 4 | 6,
    now: () => number,
  ) {
    const [aRtp, aRtcp, bRtp, bRtcp] = sockets as [Socket, Socket, Socket, Socket];
    this.family = family;
    this.flows = {
      a: { rtp: new Flow(aRtp, MIN_RTP, now), rtcp: new Flow(aRtcp, MIN_RTCP, now) },
      b: { rtp: new Flow(bRtp, MIN_RTP, now), rtcp: new Flow(bRtcp, MIN_RTCP, now) },
    };
    this.flows.a.rtp.other = this.flows.b.rtp;
    this.flows.b.rtp.other = this.flows.a.rtp;
    this.flows.a.rtcp.other = this.flows.b.rtcp;
    this.flows.b.rtcp.other = this.flows.a.rtcp;
  }

  /** Bind RTP on each even port and RTCP on port + 1, on `host`; all four or none. */
  static async open(id: string, host: string, ports: { a: number; b: number }, now: () => number = () => performance.now()): Promise<RelayCore> {
    const family = isIP(host);
    if (family === 0) throw new MediaError('MEDIA_BAD_OPTIONS', `host is not an IP address: ${host}`);
    const type = family === 6 ? 'udp6' : 'udp4';
    const wanted = [ports.a, ports.a + 1, ports.b, ports.b + 1];
    const settled = await Promise.allSettled(wanted.map((p) => bind(type, host, p)));
    const sockets = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      await Promise.all(sockets.map(closeSocket));
      throw failure.reason;
    }
    return new RelayCore(id, sockets, family as 4 | 6, now);
  }

  setPeer(side: Side, peer: PeerSpec): void {
    if (this.closed) throw new MediaError('MEDIA_RELAY_CLOSED', `relay ${this.id} is closed`);
    const fam = isIP(peer?.address ?? '');
    if (fam === 0) throw new MediaError('MEDIA_BAD_PEER', `peer address is not an IP: ${String(peer?.address)}`);
    if (fam !== this.family) throw new MediaError('MEDIA_BAD_PEER', `peer ${peer.address} is IPv${fam}, relay is IPv${this.family}`);
    const okPort = (p: unknown) => Number.isInteger(p) && (p as number) >= 0 && (p as number) <= 65535;
    if (!okPort(peer.rtpPort)) throw new MediaError('MEDIA_BAD_PEER', `bad RTP port ${String(peer.rtpPort)}`);
    const rtcpPort = peer.rtcpPort ?? (peer.rtpPort === 0 ? 0 : peer.rtpPort + 1);
    if (!okPort(rtcpPort)) throw new MediaError('MEDIA_BAD_PEER', `bad RTCP port ${String(peer.rtcpPort)}`);
    const ip = isHoldAddress(peer.address) ? null : canonicalIp(peer.address);
    this.flows[side].rtp.setPeer(ip, peer.rtpPort);
    this.flows[side].rtcp.setPeer(ip, rtcpPort);
  }

  stats(): RelayStats {
    const side = (s: Side): SideStats => ({ ...structuredClone(this.flows[s].rtp.stats), rtcp: structuredClone(this.flows[s].rtcp.stats) });
    return { a: side('a'), b: side('b') };
  }

  close(): Promise<void> {
    this.closed ??= Promise.all(
      (['a', 'b'] as const).flatMap((s) => [closeSocket(this.flows[s].rtp.socket), closeSocket(this.flows[s].rtcp.socket)]),
    ).then(() => undefined);
    return this.closed;
  }
}
