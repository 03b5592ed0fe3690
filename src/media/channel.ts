import type { MessagePort, Worker } from 'node:worker_threads';
import { MediaError, isMediaError } from './errors.js';
import type { MediaOps, OpName, RequestMessage, WireError, WorkerMessage } from './protocol.js';

/**
 * Main-thread end of the channel: one promise per request id. `failAll()` rejects everything
 * pending (used when the worker dies) and makes later calls fail at once.
 */
export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private dead: MediaError | undefined;

  constructor(private readonly worker: Worker) {}

  /** Feed every message the worker posts; returns false for messages that are not responses. */
  handle(msg: WorkerMessage): boolean {
    if (msg.kind !== 'response') return false;
    const p = this.pending.get(msg.id);
    if (!p) return true;
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(new MediaError(msg.error.code, msg.error.message));
    return true;
  }

  call<K extends OpName>(op: K, args: MediaOps[K]['args']): Promise<MediaOps[K]['result']> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ kind: 'request', id, op, args } as RequestMessage);
    });
  }

  get inFlight(): number {
    return this.pending.size;
  }

  failAll(error: MediaError): void {
    this.dead = error;
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(error);
  }
}

export type Handlers = { [K in OpName]: (args: MediaOps[K]['args']) => MediaOps[K]['result'] | Promise<MediaOps[K]['result']> };

/** Worker end: run each request's handler and answer once, turning any throw into a coded error. */
export function serve(port: MessagePort, handlers: Handlers): void {
  port.on('message', (msg: RequestMessage) => {
    void (async () => {
      let reply: WorkerMessage;
      try {
        const handler = handlers[msg.op] as (args: unknown) => unknown;
        if (typeof handler !== 'function') throw new MediaError('MEDIA_INTERNAL', `unknown op ${String(msg.op)}`);
        const value = await handler(msg.args);
        reply = { kind: 'response', id: msg.id, ok: true, value: value ?? null };
      } catch (e) {
        reply = { kind: 'response', id: msg.id, ok: false, error: toWire(e) };
      }
      port.postMessage(reply);
    })();
  });
}

function toWire(e: unknown): WireError {
  if (isMediaError(e)) return { code: e.code, message: e.message };
  return { code: 'MEDIA_INTERNAL', message: e instanceof Error ? e.message : String(e) };
}
