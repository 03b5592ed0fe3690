import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { MediaError } from '../errors.js';
import type { PayloadSpec, PeerSpec } from '../protocol.js';
import { canonicalIp, closeSocket, isHoldAddress } from './flow.js';

/** UDP buffers big enough for a burst of a few hundred packets while the thread is busy. */
const SOCKET_BUFFER = 256 * 1024;

/**
 * Peers are always IP literals (checked when set), so a send needs no resolution: answering the
 * lookup at once spares every packet the asynchronous dns.lookup step dgram takes by default.
 */
const literal = (address: string, family: unknown, cb: (err: Error | null, address: string, family: number) => void) =>
  cb(null, address, family === 6 || address.includes(':') ? 6 : 4);

function bind(type: 'udp4' | 'udp6', host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type, reuseAddr: false, lookup: literal as never });
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
      try {
        s.setRecvBufferSize(SOCKET_BUFFER);
      } catch {
        // the OS cap (net.core.rmem_max) applies; the default still works
      }
      resolve(s);
    });
  });
}

/** Bind each port of `ports` on `host`: all or none. */
export async function bindAll(host: string, ports: number[]): Promise<{ sockets: Socket[]; family: 4 | 6 }> {
  const family = isIP(host);
  if (family === 0) throw new MediaError('MEDIA_BAD_OPTIONS', `host is not an IP address: ${host}`);
  const type = family === 6 ? 'udp6' : 'udp4';
  const settled = await Promise.allSettled(ports.map((p) => bind(type, host, p)));
  const sockets = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await Promise.all(sockets.map(closeSocket));
    throw failure.reason;
  }
  return { sockets, family: family as 4 | 6 };
}

export interface CheckedPeer {
  ip: string | null;
  rtpPort: number;
  rtcpPort: number;
  payload: PayloadSpec | null;
}

const okPort = (p: unknown) => Number.isInteger(p) && (p as number) >= 0 && (p as number) <= 65535;
const okPt = (p: unknown) => Number.isInteger(p) && (p as number) >= 0 && (p as number) <= 127;

/** Validate a peer for a socket family; hold addresses become ip null (RFC 3264 §8.4). */
export function checkPeer(peer: PeerSpec, family: 4 | 6): CheckedPeer {
  const fam = isIP(peer?.address ?? '');
  if (fam === 0) throw new MediaError('MEDIA_BAD_PEER', `peer address is not an IP: ${String(peer?.address)}`);
  if (fam !== family) throw new MediaError('MEDIA_BAD_PEER', `peer ${peer.address} is IPv${fam}, the leg is IPv${family}`);
  if (!okPort(peer.rtpPort)) throw new MediaError('MEDIA_BAD_PEER', `bad RTP port ${String(peer.rtpPort)}`);
  const rtcpPort = peer.rtcpPort ?? (peer.rtpPort === 0 ? 0 : peer.rtpPort + 1);
  if (!okPort(rtcpPort)) throw new MediaError('MEDIA_BAD_PEER', `bad RTCP port ${String(peer.rtcpPort)}`);
  let payload: PayloadSpec | null = null;
  if (peer.payload !== undefined) {
    const p = peer.payload;
    if (!p || !['pcmu', 'pcma', 'opaque'].includes(p.codec)) throw new MediaError('MEDIA_BAD_PEER', `bad codec ${String(p?.codec)}`);
    if (!okPt(p.pt)) throw new MediaError('MEDIA_BAD_PEER', `bad payload type ${String(p.pt)}`);
    if (p.dtmfPt !== null && (!okPt(p.dtmfPt) || p.dtmfPt === p.pt)) throw new MediaError('MEDIA_BAD_PEER', `bad telephone-event payload type ${String(p.dtmfPt)}`);
    payload = { codec: p.codec, pt: p.pt, dtmfPt: p.dtmfPt };
  }
  return { ip: isHoldAddress(peer.address) ? null : canonicalIp(peer.address), rtpPort: peer.rtpPort, rtcpPort, payload };
}
