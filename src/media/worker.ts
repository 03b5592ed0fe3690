/**
 * The media worker's entry. It owns the relays' sockets: every packet is handled on this thread,
 * never on the main one. The main thread drives it through the channel in `protocol.ts`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serve } from './channel.js';
import { MediaError } from './errors.js';
import type { WorkerInit, WorkerMessage } from './protocol.js';
import { RelayCore } from './relay-core.js';

if (!parentPort) throw new Error('media/worker.ts must run in a worker thread');
const port = parentPort;
const init = (workerData ?? { testHooks: false }) as WorkerInit;
const relays = new Map<string, RelayCore>();

const relay = (id: string): RelayCore => {
  const r = relays.get(id);
  if (!r) throw new MediaError('MEDIA_RELAY_CLOSED', `no relay ${id}`);
  return r;
};

serve(port, {
  async createRelay({ id, host, ports, peers }) {
    if (relays.has(id)) throw new MediaError('MEDIA_INTERNAL', `relay ${id} exists`);
    const r = await RelayCore.open(id, host, ports);
    try {
      if (peers?.a) r.setPeer('a', peers.a);
      if (peers?.b) r.setPeer('b', peers.b);
    } catch (e) {
      await r.close();
      throw e;
    }
    relays.set(id, r);
    return null;
  },
  setPeer({ id, side, peer }) {
    relay(id).setPeer(side, peer);
    return null;
  },
  relayStats({ id }) {
    return relay(id).stats();
  },
  async closeRelay({ id }) {
    const r = relays.get(id);
    if (r) {
      relays.delete(id);
      await r.close();
    }
    return null;
  },
  stats() {
    return { relays: relays.size };
  },
  async shutdown() {
    const all = [...relays.values()];
    relays.clear();
    await Promise.all(all.map((r) => r.close()));
    return null;
  },
  crash() {
    if (!init.testHooks) throw new MediaError('MEDIA_INTERNAL', 'test hooks are off');
    // Never answers: the request is still pending when the worker dies, as a real crash would find it.
    return new Promise<null>(() => {
      setImmediate(() => {
        throw new Error('media worker crash requested by a test');
      });
    });
  },
});

port.postMessage({ kind: 'ready' } satisfies WorkerMessage);
