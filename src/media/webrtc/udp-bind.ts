/**
 * Replaces how werift binds its UDP sockets. werift 0.22.9 (`UdpTransport.init`) probes a port of
 * the range with a throwaway socket, closes it, then binds the real socket there, with no 'error'
 * listener. Two legs gathering at once in one thread pick the same port, and the loser's bind
 * error (as well as EADDRNOTAVAIL for a host that is not local) is an uncaught exception that
 * kills the media worker. Here the real socket binds directly, walking the range cyclically from
 * where the previous leg stopped, and a failure rejects the gathering instead.
 */
import type { Socket } from 'node:dgram';
import { createSocket } from 'node:dgram';
import { UdpTransport } from 'werift';

interface UdpTransportLike {
  socketType: 'udp4' | 'udp6';
  socket: Socket;
  options: { port?: number; portRange?: [number, number]; interfaceAddresses?: Partial<Record<'udp4' | 'udp6', string>> };
}

/** Where the next search in a range starts, so freed ports are the last to be reused. */
const cursors = new Map<string, number>();

function bindOnce(socket: Socket, port: number, address: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      socket.off('listening', onListening);
      reject(e);
    };
    const onListening = () => {
      socket.off('error', onError);
      resolve();
    };
    socket.once('error', onError);
    socket.once('listening', onListening);
    socket.bind({ port, address });
  });
}

/** A fresh socket carrying the transport's 'message' handler over: a failed socket is closed. */
function replaceSocket(t: UdpTransportLike): void {
  const handlers = t.socket.listeners('message') as ((...a: unknown[]) => void)[];
  try {
    t.socket.close();
  } catch {
    // never bound: nothing to close
  }
  t.socket = createSocket(t.socketType);
  for (const h of handlers) t.socket.on('message', h);
}

async function init(this: UdpTransportLike): Promise<void> {
  const address = this.options.interfaceAddresses?.[this.socketType];
  const range = this.options.portRange;
  const ports: number[] = [];
  if (range) {
    const [min, max] = range;
    const key = `${this.socketType}:${address ?? ''}:${min}-${max}`;
    const start = cursors.get(key) ?? min;
    for (let i = 0; i <= max - min; i++) ports.push(min + ((start - min + i) % (max - min + 1)));
  } else {
    ports.push(this.options.port ?? 0);
  }
  for (let i = 0; i < ports.length; i++) {
    try {
      await bindOnce(this.socket, ports[i]!, address);
      if (range) cursors.set(`${this.socketType}:${address ?? ''}:${range[0]}-${range[1]}`, ports[i]! + 1 > range[1] ? range[0] : ports[i]! + 1);
      // Later socket errors (none are expected for unconnected UDP) must not become uncaught.
      this.socket.on('error', () => undefined);
      return;
    } catch (e) {
      replaceSocket(this);
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || i === ports.length - 1) throw e;
    }
  }
}

let installed = false;

/** Idempotent; affects werift's UdpTransport in this thread only. */
export function installSafeUdpBind(): void {
  if (installed) return;
  installed = true;
  (UdpTransport.prototype as unknown as { init: typeof init }).init = init;
}
