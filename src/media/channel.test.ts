import { EventEmitter } from 'node:events';
import { MessageChannel, type Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcClient, serve } from './channel.js';
import { MediaError } from './errors.js';
import type { WorkerMessage } from './protocol.js';

/** A Worker stand-in whose postMessage goes over a real MessageChannel to `serve()`. */
function pair(handlers: Parameters<typeof serve>[1]) {
  const { port1, port2 } = new MessageChannel();
  serve(port2, handlers);
  const fake = Object.assign(new EventEmitter(), { postMessage: (m: unknown) => port1.postMessage(m) });
  const client = new RpcClient(fake as unknown as Worker);
  port1.on('message', (m: WorkerMessage) => client.handle(m));
  return { client, close: () => (port1.close(), port2.close()) };
}

const unused = () => {
  throw new MediaError('MEDIA_INTERNAL', 'not used here');
};
const base: Parameters<typeof serve>[1] = {
  play: unused,
  stopPlay: unused,
  sendDtmf: unused,
  mute: unused,
  startRecording: unused,
  recordingControl: unused,
  stopRecording: unused,
  createConference: unused,
  addMember: unused,
  setMember: unused,
  memberPlay: unused,
  memberStats: unused,
  removeMember: unused,
  closeConference: unused,
  tickStats: unused,
  webrtcOffer: unused,
  webrtcAnswer: unused,
  webrtcAccept: unused,
  webrtcDrop: unused,
  createRelay: () => null,
  setPeer: () => null,
  relayStats: () => {
    throw new MediaError('MEDIA_RELAY_CLOSED', 'no relay x');
  },
  closeRelay: () => null,
  stats: async () => ({ relays: 7, conferences: 0, members: 0 }),
  shutdown: () => null,
  crash: () => {
    throw new TypeError('boom');
  },
};

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('request/response channel', () => {
  it('matches responses to requests by id, values and coded errors', async () => {
    const { client, close } = pair(base);
    cleanup = close;
    const [s, e, internal] = await Promise.allSettled([
      client.call('stats', {}),
      client.call('relayStats', { id: 'x' }),
      client.call('crash', {}),
    ]);
    expect(s).toEqual({ status: 'fulfilled', value: { relays: 7, conferences: 0, members: 0 } });
    expect(e.status === 'rejected' && e.reason).toMatchObject({ name: 'MediaError', code: 'MEDIA_RELAY_CLOSED', message: 'no relay x' });
    // a non-coded throw in the worker comes back as MEDIA_INTERNAL, never as a raw error
    expect(internal.status === 'rejected' && internal.reason).toMatchObject({ code: 'MEDIA_INTERNAL', message: 'boom' });
    expect(client.inFlight).toBe(0);
  });

  it('failAll rejects every pending request and every later one', async () => {
    const never = new Promise<null>(() => undefined);
    const { client, close } = pair({ ...base, shutdown: () => never });
    cleanup = close;
    const pending = [client.call('shutdown', {}), client.call('shutdown', {})];
    await new Promise((r) => setTimeout(r, 20));
    expect(client.inFlight).toBe(2);
    client.failAll(new MediaError('MEDIA_WORKER_CRASHED', 'gone'));
    for (const p of pending) await expect(p).rejects.toMatchObject({ code: 'MEDIA_WORKER_CRASHED' });
    await expect(client.call('stats', {})).rejects.toMatchObject({ code: 'MEDIA_WORKER_CRASHED' });
  });
});
