/**
 * The media worker's entry. It owns the legs' sockets: every packet is handled on this thread,
 * never on the main one. The main thread drives it through the channel in `protocol.ts`; the
 * worker tells it of DTMF, finished prompts and failed recordings with notices.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serve } from './channel.js';
import { MediaError } from './errors.js';
import type { GraphContext } from './graph/context.js';
import { Conference } from './graph/conference.js';
import { TickScheduler } from './graph/scheduler.js';
import { PromptCache } from './graph/sources.js';
import type { MediaNotice, WorkerInit, WorkerMessage } from './protocol.js';
import { RelayCore, applyPeer, legEvents, newWebRtcLeg, openLeg, sideStats, wrapWebRtc } from './relay-core.js';

if (!parentPort) throw new Error('media/worker.ts must run in a worker thread');
const port = parentPort;
const init = (workerData ?? { testHooks: false }) as WorkerInit;
const relays = new Map<string, RelayCore>();
const conferences = new Map<string, { conf: Conference; families: Map<string, 4 | 6> }>();

const ctx: GraphContext = {
  scheduler: new TickScheduler(),
  prompts: new PromptCache(),
  notify: (notice: MediaNotice) => port.postMessage({ kind: 'notice', notice } satisfies WorkerMessage),
  now: () => performance.now(),
};

const relay = (id: string): RelayCore => {
  const r = relays.get(id);
  if (!r) throw new MediaError('MEDIA_RELAY_CLOSED', `no relay ${id}`);
  return r;
};
const conference = (id: string) => {
  const c = conferences.get(id);
  if (!c) throw new MediaError('MEDIA_NOT_FOUND', `no conference ${id}`);
  return c;
};

serve(port, {
  async createRelay({ id, host, ports, peers }) {
    if (relays.has(id)) throw new MediaError('MEDIA_INTERNAL', `relay ${id} exists`);
    const r = await RelayCore.open(id, host, ports, ctx);
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
  async play({ id, side, playId, spec }) {
    await relay(id).play(side, playId, spec);
    return null;
  },
  stopPlay({ id, side }) {
    relay(id).stopPlay(side);
    return null;
  },
  sendDtmf({ id, side, digits }) {
    relay(id).sendDtmf(side, digits);
    return null;
  },
  mute({ id, side, muted }) {
    relay(id).mute(side, muted);
    return null;
  },
  async startRecording({ id, path, customer }) {
    await relay(id).startRecording(path, customer);
    return null;
  },
  recordingControl({ id, action }) {
    relay(id).recordingControl(action);
    return null;
  },
  stopRecording({ id }) {
    return relay(id).stopRecording();
  },
  webrtcOffer({ id, key, bind }) {
    return relay(id).webrtcOffer(key, bind);
  },
  async webrtcAnswer({ id, side, key, sdp, host }) {
    await relay(id).webrtcAnswer(side, key, sdp, { host });
    return null;
  },
  webrtcAccept({ id, side, key, sdp, bind }) {
    return relay(id).webrtcAccept(side, key, sdp, bind);
  },
  async webrtcDrop({ id, key }) {
    await relays.get(id)?.webrtcDrop(key);
    return null;
  },
  createConference({ id }) {
    if (conferences.has(id)) throw new MediaError('MEDIA_INTERNAL', `conference ${id} exists`);
    conferences.set(id, { conf: new Conference(id, ctx), families: new Map() });
    return null;
  },
  async addMember({ conference: cid, member, host, port: p, peer, mode, webrtcOffer, bind }) {
    const c = conference(cid);
    if (c.conf.members.has(member)) throw new MediaError('MEDIA_BAD_REQUEST', `member ${member} exists`);
    if (webrtcOffer !== undefined) {
      if (!bind) throw new MediaError('MEDIA_BAD_REQUEST', 'a browser member needs where to bind');
      const w = await newWebRtcLeg(cid, member, bind, ctx);
      let answer: string;
      try {
        answer = await w.answer(webrtcOffer);
      } catch (e) {
        await w.close();
        throw e;
      }
      const leg = wrapWebRtc(`${cid}/${member}`, w, bind.host, legEvents(ctx), ctx);
      if (c.conf.closed) {
        await leg.close();
        throw new MediaError('MEDIA_NOT_FOUND', `conference ${cid} was closed`);
      }
      c.conf.add(member, leg, mode);
      c.families.set(member, bind.host.includes(':') ? 6 : 4);
      return answer;
    }
    const { leg, family } = await openLeg(`${cid}/${member}`, host, p, ctx);
    try {
      if (peer) applyPeer(leg, peer, family, ctx);
      if (c.conf.closed) throw new MediaError('MEDIA_NOT_FOUND', `conference ${cid} was closed`);
      c.conf.add(member, leg, mode);
      c.families.set(member, family);
    } catch (e) {
      await leg.close();
      throw e;
    }
    return null;
  },
  setMember({ conference: cid, member, peer, mode }) {
    const c = conference(cid);
    const m = c.conf.get(member);
    if (peer) applyPeer(m.leg, peer, c.families.get(member)!, ctx);
    if (mode) c.conf.setMode(member, mode);
    return null;
  },
  async memberPlay({ conference: cid, member, playId, spec }) {
    const m = conference(cid).conf.get(member);
    if (spec === null) m.leg.stopPlay();
    else {
      if (!m.leg.anchored) throw new MediaError('MEDIA_BAD_REQUEST', `member ${member} has no G.711 negotiated`);
      m.leg.play(playId, await ctx.prompts.source(spec));
    }
    return null;
  },
  memberStats({ conference: cid, member }) {
    return sideStats(conference(cid).conf.get(member).leg);
  },
  async removeMember({ conference: cid, member }) {
    const c = conferences.get(cid);
    if (c) {
      c.families.delete(member);
      await c.conf.remove(member);
    }
    return null;
  },
  async closeConference({ id }) {
    const c = conferences.get(id);
    if (c) {
      conferences.delete(id);
      await c.conf.close();
    }
    return null;
  },
  tickStats({ reset }) {
    const s = ctx.scheduler;
    const r = { ticks: s.ticks, skipped: s.skipped, p50: s.latenessPercentile(0.5), p99: s.latenessPercentile(0.99), max: s.latenessPercentile(1), targets: s.size };
    if (reset) s.resetLateness();
    return r;
  },
  stats() {
    let members = 0;
    for (const c of conferences.values()) members += c.conf.members.size;
    return { relays: relays.size, conferences: conferences.size, members };
  },
  async shutdown() {
    const all = [...relays.values(), ...[...conferences.values()].map((c) => c.conf)];
    relays.clear();
    conferences.clear();
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
