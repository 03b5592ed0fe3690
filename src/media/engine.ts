import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RpcClient } from './channel.js';
import { MediaError } from './errors.js';
import { PortAllocator } from './ports.js';
import type { Endpoint, MediaNotice, MemberMode, PeerSpec, PlaySpec, RecordingResult, RelayStats, Side, SideStats, WebRtcBindSpec, WorkerInit, WorkerMessage } from './protocol.js';

export interface MediaEngineOptions {
  /** The local IP the relays' sockets bind to. */
  host: string;
  /** IP written into SDP (the relay's address as peers see it); default `host`. Required when host is 0.0.0.0 or ::. */
  publicAddress?: string;
  /** Inclusive range of UDP ports for RTP (even) and RTCP (odd). */
  portMin: number;
  portMax: number;
  /** Worker threads; default 1. */
  workers?: number;
  /**
   * The local IP browser (WebRTC) legs offer as their ICE host candidate. Browsers leave loopback
   * out of ICE, so this is an interface address; without it, browser legs are refused.
   */
  webrtcHost?: string;
  /** STUN/TURN servers for browser legs (at most one of each, werift's limit). */
  iceServers?: { urls: string; username?: string; credential?: string }[];
  /** Told about worker crashes and respawns. Never throws into the engine. */
  onEvent?: (event: MediaEngineEvent) => void;
  /**
   * Start one worker, and the others with the first call: an idle server then holds one worker's
   * memory, and a busy one still gets a worker per core.
   */
  lazyWorkers?: boolean;
}

export type MediaEngineEvent =
  /** A worker died unexpectedly; its relays are gone and their ports freed. */
  | { type: 'worker-crashed'; worker: number; exitCode: number; error?: string; lostRelays: string[] }
  /** A replacement worker is ready. */
  | { type: 'worker-respawned'; worker: number }
  /** A worker crashed too often (5 times in a minute) or could not be restarted: its slot stays empty. */
  | { type: 'worker-failed'; worker: number; error: string }
  /** Something a relay or conference reported (DTMF received, a prompt finished, a recording failed). */
  | { type: 'notice'; notice: MediaNotice };

export type NoticeListener = (notice: MediaNotice) => void;

export interface Relay {
  readonly id: string;
  /** Local RTP address/port of side a: where the A-party sends. RTCP is port + 1. */
  readonly a: Endpoint;
  readonly b: Endpoint;
  /**
   * The peer negotiated in SDP for a side. Packets are accepted only from its IP; the first one
   * latches its source port (symmetric RTP, RFC 4961), and another port of the same IP re-latches
   * only after the latched one was silent for 2 s. Until a packet arrives, sends go to the SDP
   * address/port. Address 0.0.0.0 (old-style hold, RFC 3264 §8.4) or port 0 stops sending.
   */
  setPeer(side: Side, peer: PeerSpec): Promise<void>;
  stats(): Promise<RelayStats>;
  /**
   * The party on `side` hears `spec` instead of the other party (hold music, a prompt, a tone)
   * until it ends (a `play-done` notice with `playId`) or `stopPlay`. Needs G.711 on that side.
   */
  play(side: Side, spec: PlaySpec, playId?: string): Promise<string>;
  stopPlay(side: Side): Promise<void>;
  /** Send RFC 4733 telephone-events to the party on `side`. */
  sendDtmf(side: Side, digits: string): Promise<void>;
  /** Stop (or resume) passing `side`'s audio to the other party. */
  mute(side: Side, muted: boolean): Promise<void>;
  /** Record to a two-channel WAV: the customer's side left, what the customer hears right. */
  startRecording(path: string, customer: Side): Promise<void>;
  pauseRecording(): Promise<void>;
  resumeRecording(): Promise<void>;
  /** Finish the file (header, checksum); null when nothing was being recorded. */
  stopRecording(): Promise<RecordingResult | null>;
  /** DTMF received, prompts finished, recording failures of this relay. Returns an unsubscribe. */
  onNotice(listener: NoticeListener): () => void;
  /**
   * A browser (WebRTC) leg offered to one fork of a call (`key`): ICE on two ports of the range,
   * PCMU + telephone-event/8000, complete candidates. Returns the SDP offer.
   */
  webrtcOffer(key: string): Promise<string>;
  /** The browser of fork `key` answered: its leg takes side `side`; other offers are dropped. */
  webrtcAnswer(side: Side, key: string, sdp: string): Promise<void>;
  /** A browser's own offer: a leg answers it and takes side `side`; returns the SDP answer. */
  webrtcAccept(side: Side, key: string, sdp: string): Promise<string>;
  webrtcDrop(key: string): Promise<void>;
  /** Frees the ports; safe to repeat. */
  close(): Promise<void>;
}

export interface ConferenceMember {
  readonly id: string;
  /** For a browser member: the SDP answer to its WebRTC offer. */
  readonly answer: string | null;
  /** Where the member's phone sends RTP (RTCP on port + 1). */
  readonly local: Endpoint;
  setPeer(peer: PeerSpec): Promise<void>;
  setMode(mode: MemberMode): Promise<void>;
  /** Play to this member instead of the room (null stops it). */
  play(spec: PlaySpec | null, playId?: string): Promise<string | null>;
  stats(): Promise<SideStats>;
  remove(): Promise<void>;
}

export interface Conference {
  readonly id: string;
  /** A phone (RTP to `local`, peer from its SDP), or a browser (`webrtcOffer` answered in `answer`). */
  addMember(opts?: { peer?: PeerSpec; mode?: MemberMode; webrtcOffer?: string }): Promise<ConferenceMember>;
  onNotice(listener: NoticeListener): () => void;
  /** Closes every member's leg; safe to repeat. */
  close(): Promise<void>;
}

/** Crashes tolerated per worker slot in `CRASH_WINDOW_MS` before it is given up. */
const MAX_CRASHES = 5;
const CRASH_WINDOW_MS = 60_000;
const READY_TIMEOUT_MS = 15_000;
/** Attempts when another process holds ports of our range. */
const BIND_ATTEMPTS = 8;

/**
 * How to start the worker. From dist/ it is the compiled `worker.js` next to this file. Under
 * Vitest or tsx this file is TypeScript and Node 20 cannot load `worker.ts` by itself; nor can
 * tsx's ESM loader help, because Node 20 does not apply `module.register()` hooks inside worker
 * threads (`--import tsx` in the worker's execArgv still fails with ERR_UNKNOWN_FILE_EXTENSION).
 * tsx's CommonJS require hook is per thread and does work there, so the worker is a two-line eval
 * script that installs it and requires `worker.ts` (tsx compiles the ESM source to CommonJS on the
 * fly). tsx is a devDependency, and only this TypeScript case needs it; the path is resolved from
 * here, so any working directory works.
 */
function workerEntry(): { entry: URL | string; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) return { entry: new URL('./worker.js', import.meta.url), eval: false };
  const tsxCjs = createRequire(import.meta.url).resolve('tsx/cjs');
  const source = fileURLToPath(new URL('./worker.ts', import.meta.url));
  return { entry: `require(${JSON.stringify(tsxCjs)});\nrequire(${JSON.stringify(source)});\n`, eval: true };
}

interface Slot {
  index: number;
  worker: Worker | null;
  client: RpcClient | null;
  ready: Promise<void>;
  relays: Map<string, RelayHandle>;
  conferences: Map<string, ConferenceHandle>;
  crashes: number[];
  failed: boolean;
  lastError?: string;
}

/** Internal start options (tests): not part of the module's surface. */
export interface EngineInternals {
  testHooks?: boolean;
}

export class MediaEngine {
  private readonly slots: Slot[] = [];
  private readonly ports: PortAllocator;
  private readonly address: string;
  private rr = 0;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly opts: Required<Pick<MediaEngineOptions, 'host' | 'portMin' | 'portMax' | 'workers'>> & MediaEngineOptions,
    private readonly internals: EngineInternals,
  ) {
    this.ports = new PortAllocator(opts.portMin, opts.portMax);
    this.address = opts.publicAddress ?? opts.host;
  }

  /** Validate the options, start the workers and wait until each one has loaded. */
  static async start(opts: MediaEngineOptions): Promise<MediaEngine> {
    return startMediaEngine(opts, {});
  }

  /** @internal */
  static async _start(opts: MediaEngineOptions, internals: EngineInternals): Promise<MediaEngine> {
    const workers = opts.workers ?? 1;
    const bad = (m: string) => new MediaError('MEDIA_BAD_OPTIONS', m);
    const family = isIP(opts.host ?? '');
    if (family === 0) throw bad(`host must be an IP address: ${String(opts.host)}`);
    if (opts.publicAddress !== undefined && isIP(opts.publicAddress) === 0) throw bad(`publicAddress must be an IP address: ${opts.publicAddress}`);
    if ((opts.host === '0.0.0.0' || opts.host === '::') && opts.publicAddress === undefined) throw bad('publicAddress is required when host is a wildcard');
    const portOk = (p: number) => Number.isInteger(p) && p >= 1 && p <= 65535;
    if (!portOk(opts.portMin) || !portOk(opts.portMax) || opts.portMin > opts.portMax) throw bad(`bad port range ${opts.portMin}-${opts.portMax}`);
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw bad(`workers must be 1..64, not ${workers}`);
    const engine = new MediaEngine({ ...opts, workers }, internals);
    if (engine.ports.capacity < 2) throw bad('the port range holds no relay (4 ports: two even/odd pairs)');
    for (let i = 0; i < workers; i++) engine.slots.push(i === 0 || !opts.lazyWorkers ? engine.spawn(i) : engine.placeholder(i));
    try {
      await Promise.all(engine.slots.map((s) => s.ready));
    } catch (e) {
      await engine.close();
      throw e;
    }
    return engine;
  }

  /** A slot whose worker starts with the first call (lazyWorkers). */
  private placeholder(index: number): Slot {
    this.pending.add(index);
    return { index, worker: null, client: null, ready: Promise.resolve(), relays: new Map(), conferences: new Map(), crashes: [], failed: false };
  }

  private readonly pending = new Set<number>();

  private spawn(index: number, previous?: Slot): Slot {
    const slot: Slot = previous ?? { index, worker: null, client: null, ready: Promise.resolve(), relays: new Map(), conferences: new Map(), crashes: [], failed: false };
    const entry = workerEntry();
    const init: WorkerInit = { testHooks: this.internals.testHooks === true };
    const worker = new Worker(entry.entry, { eval: entry.eval, workerData: init });
    const client = new RpcClient(worker);
    slot.worker = worker;
    slot.client = client;
    let lastError: string | undefined;
    slot.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new MediaError('MEDIA_WORKER_FAILED', `media worker ${index} not ready after ${READY_TIMEOUT_MS} ms`));
        void worker.terminate();
      }, READY_TIMEOUT_MS);
      timer.unref();
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.kind === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (msg.kind === 'notice') this.dispatch(slot, msg.notice);
        else client.handle(msg);
      });
      worker.on('error', (e) => {
        lastError = e?.stack ?? String(e);
      });
      worker.once('exit', (exitCode) => {
        clearTimeout(timer);
        reject(new MediaError('MEDIA_WORKER_FAILED', `media worker ${index} exited (${exitCode}) before it was ready: ${lastError ?? ''}`));
        this.onExit(slot, worker, exitCode, lastError);
      });
    });
    slot.ready.catch(() => undefined); // observed by whoever awaits it
    return slot;
  }

  private onExit(slot: Slot, worker: Worker, exitCode: number, error: string | undefined): void {
    if (slot.worker !== worker) return;
    const crash = new MediaError('MEDIA_WORKER_CRASHED', `media worker ${slot.index} exited with code ${exitCode}`);
    slot.client?.failAll(crash);
    slot.worker = null;
    slot.client = null;
    const lost = [...slot.relays.values()];
    slot.relays.clear();
    for (const r of lost) r.lost();
    for (const c of [...slot.conferences.values()]) c.lost();
    slot.conferences.clear();
    if (this.closing) return;

    this.emit({ type: 'worker-crashed', worker: slot.index, exitCode, lostRelays: lost.map((r) => r.id), ...(error ? { error } : {}) });
    const now = Date.now();
    slot.crashes = slot.crashes.filter((t) => now - t < CRASH_WINDOW_MS);
    slot.crashes.push(now);
    if (slot.crashes.length > MAX_CRASHES) {
      slot.failed = true;
      slot.ready = Promise.reject(new MediaError('MEDIA_WORKER_FAILED', `media worker ${slot.index} crashed ${slot.crashes.length} times in a minute`));
      slot.ready.catch(() => undefined);
      this.emit({ type: 'worker-failed', worker: slot.index, error: 'crashed too often' });
      return;
    }
    this.spawn(slot.index, slot);
    // A replacement that dies before it is ready comes back through onExit (counted as a crash).
    slot.ready.then(() => this.emit({ type: 'worker-respawned', worker: slot.index }), () => undefined);
  }

  private dispatch(slot: Slot, notice: MediaNotice): void {
    (slot.relays.get(notice.owner) ?? slot.conferences.get(notice.owner))?.notify(notice);
    this.emit({ type: 'notice', notice });
  }

  private emit(e: MediaEngineEvent): void {
    try {
      this.opts.onEvent?.(e);
    } catch {
      // a listener's failure is not the engine's
    }
  }

  /**
   * Allocate a relay with sides a and b, each an even RTP port and RTCP on port + 1, on `host`;
   * `peers` sets sides' peers in the same round trip to the worker (as `setPeer` would).
   */
  async createRelay(peers?: { a?: PeerSpec; b?: PeerSpec }): Promise<Relay> {
    const slot = this.pickSlot();
    for (let attempt = 1; ; attempt++) {
      const [a, b] = this.ports.allocate(2) as [number, number];
      const id = randomUUID();
      try {
        await slot.ready;
        if (!slot.client) throw new MediaError('MEDIA_WORKER_CRASHED', 'the media worker is restarting');
        await slot.client.call('createRelay', { id, host: this.opts.host, ports: { a, b }, ...(peers ? { peers: { ...peers } } : {}) });
      } catch (e) {
        this.ports.free(a);
        this.ports.free(b);
        // Another process holds part of our range: the cyclic allocator moves on to other ports.
        if (e instanceof MediaError && e.code === 'MEDIA_PORT_IN_USE' && attempt < BIND_ATTEMPTS) continue;
        throw e;
      }
      if (this.closing || !slot.client) {
        // Closed or crashed while binding: do not hand out a relay nobody will close.
        void slot.client?.call('closeRelay', { id }).catch(() => undefined);
        this.ports.free(a);
        this.ports.free(b);
        throw new MediaError(this.closing ? 'MEDIA_ENGINE_CLOSED' : 'MEDIA_WORKER_CRASHED', 'relay lost while it was created');
      }
      const extra: number[] = [];
      const relay = new RelayHandle(id, { address: this.address, port: a }, { address: this.address, port: b }, slot, () => {
        slot.relays.delete(id);
        this.ports.free(a);
        this.ports.free(b);
        for (const p of extra.splice(0)) this.ports.free(p);
      }, () => {
        if (!this.opts.webrtcHost) throw new MediaError('MEDIA_WEBRTC_FAILED', 'browser legs need webrtcHost (an interface address browsers can reach)');
        const [p] = this.ports.allocate(1) as [number];
        extra.push(p);
        return { host: this.opts.webrtcHost, ports: [p, p + 1] as [number, number], iceServers: this.opts.iceServers ?? [] };
      }, this.opts.webrtcHost ?? '');
      slot.relays.set(id, relay);
      return relay;
    }
  }

  private pickSlot(): Slot {
    if (this.closing) throw new MediaError('MEDIA_ENGINE_CLOSED', 'the media engine is closed');
    if (this.pending.size) {
      for (const i of this.pending) this.spawn(i, this.slots[i]);
      this.pending.clear();
    }
    const live = this.slots.filter((s) => !s.failed);
    if (!live.length) throw new MediaError('MEDIA_WORKER_FAILED', 'no media worker is running');
    return live[this.rr++ % live.length]!;
  }

  /** A conference in one worker: its members' legs are all bound there, so mixing never crosses threads. */
  async createConference(): Promise<Conference> {
    const slot = this.pickSlot();
    const id = randomUUID();
    await slot.ready;
    if (!slot.client) throw new MediaError('MEDIA_WORKER_CRASHED', 'the media worker is restarting');
    await slot.client.call('createConference', { id });
    const conf = new ConferenceHandle(id, slot, this.address, {
      allocate: () => this.ports.allocate(1)[0]!,
      free: (p) => this.ports.free(p),
      host: this.opts.host,
      webrtc: (port) => {
        if (!this.opts.webrtcHost) throw new MediaError('MEDIA_WEBRTC_FAILED', 'browser legs need webrtcHost (an interface address browsers can reach)');
        return { host: this.opts.webrtcHost, ports: [port, port + 1], iceServers: this.opts.iceServers ?? [] };
      },
    });
    slot.conferences.set(id, conf);
    return conf;
  }

  /** The 20 ms scheduler lateness of each worker (benchmarks); `reset` starts a new window. */
  async tickStats(reset = false): Promise<{ ticks: number; skipped: number; p50: number; p99: number; max: number; targets: number }[]> {
    const out = [];
    for (const s of this.slots) if (s.client) out.push(await s.client.call('tickStats', { reset }));
    return out;
  }

  /** Relays as the workers count them, and workers running. */
  async stats(): Promise<{ relays: number; workers: number }> {
    if (this.closing) return { relays: 0, workers: 0 };
    let relays = 0;
    let workers = 0;
    for (const s of this.slots) {
      if (!s.client) continue;
      try {
        relays += (await s.client.call('stats', {})).relays;
        workers++;
      } catch {
        // crashed meanwhile: neither its relays nor itself count
      }
    }
    return { relays, workers };
  }

  /** Close every relay and terminate the workers; safe to repeat. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(
        this.slots.map(async (s) => {
          const { worker, client } = s;
          for (const r of [...s.relays.values()]) r.lost();
          s.relays.clear();
          for (const c of [...s.conferences.values()]) c.lost();
          s.conferences.clear();
          if (!worker || !client) return;
          const timer = new Promise((r) => setTimeout(r, 2_000).unref());
          await Promise.race([client.call('shutdown', {}).catch(() => undefined), timer]);
          s.worker = null;
          s.client = null;
          client.failAll(new MediaError('MEDIA_ENGINE_CLOSED', 'the media engine is closed'));
          await worker.terminate();
        }),
      );
    })();
    return this.closing;
  }

  /** @internal test hook: make worker `index` throw an uncaught error; rejects with MEDIA_WORKER_CRASHED. */
  async _crashWorker(index: number): Promise<void> {
    await this.slots[index]?.client?.call('crash', {});
  }

  /** @internal ports currently allocated. */
  get _portsInUse(): number {
    return this.ports.inUse;
  }
}

/** @internal */
export function startMediaEngine(opts: MediaEngineOptions, internals: EngineInternals): Promise<MediaEngine> {
  return MediaEngine._start(opts, internals);
}

/** Who listens to a relay's or a conference's notices; one listener's failure is not the others'. */
class Listeners {
  readonly #set = new Set<NoticeListener>();

  add(l: NoticeListener): () => void {
    this.#set.add(l);
    return () => this.#set.delete(l);
  }

  notify(n: MediaNotice): void {
    for (const l of this.#set) {
      try {
        l(n);
      } catch {
        // a listener's failure is not the engine's
      }
    }
  }
}

class RelayHandle implements Relay {
  // Private fields (#) so that logging a relay prints its id and addresses, not the worker.
  #closing: Promise<void> | undefined;
  #gone = false;
  readonly #slot: Slot;
  readonly #release: () => void;
  readonly #listeners = new Listeners();

  readonly #bind: () => WebRtcBindSpec;
  readonly #webrtcHost: string;

  constructor(
    readonly id: string,
    readonly a: Endpoint,
    readonly b: Endpoint,
    slot: Slot,
    release: () => void,
    bind: () => WebRtcBindSpec,
    webrtcHost: string,
  ) {
    this.#slot = slot;
    this.#release = release;
    this.#bind = bind;
    this.#webrtcHost = webrtcHost;
  }

  async webrtcOffer(key: string): Promise<string> {
    const client = this.#client();
    return client.call('webrtcOffer', { id: this.id, key, bind: this.#bind() });
  }

  async webrtcAnswer(side: Side, key: string, sdp: string): Promise<void> {
    await this.#client().call('webrtcAnswer', { id: this.id, side, key, sdp, host: this.#webrtcHost });
  }

  async webrtcAccept(side: Side, key: string, sdp: string): Promise<string> {
    const client = this.#client();
    return client.call('webrtcAccept', { id: this.id, side, key, sdp, bind: this.#bind() });
  }

  async webrtcDrop(key: string): Promise<void> {
    await this.#slot.client?.call('webrtcDrop', { id: this.id, key }).catch(() => undefined);
  }


  /** The worker died or the engine closed: the sockets are gone with it. */
  lost(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#release();
  }

  #client(): RpcClient {
    if (this.#gone || this.#closing || !this.#slot.client) throw new MediaError('MEDIA_RELAY_CLOSED', `relay ${this.id} is closed`);
    return this.#slot.client;
  }

  async setPeer(side: Side, peer: PeerSpec): Promise<void> {
    if (side !== 'a' && side !== 'b') throw new MediaError('MEDIA_BAD_PEER', `side must be 'a' or 'b', not ${String(side)}`);
    await this.#client().call('setPeer', { id: this.id, side, peer: { ...peer } });
  }

  async stats(): Promise<RelayStats> {
    return this.#client().call('relayStats', { id: this.id });
  }

  async play(side: Side, spec: PlaySpec, playId: string = randomUUID()): Promise<string> {
    await this.#client().call('play', { id: this.id, side, playId, spec });
    return playId;
  }

  async stopPlay(side: Side): Promise<void> {
    await this.#client().call('stopPlay', { id: this.id, side });
  }

  async sendDtmf(side: Side, digits: string): Promise<void> {
    await this.#client().call('sendDtmf', { id: this.id, side, digits });
  }

  async mute(side: Side, muted: boolean): Promise<void> {
    await this.#client().call('mute', { id: this.id, side, muted });
  }

  async startRecording(path: string, customer: Side): Promise<void> {
    await this.#client().call('startRecording', { id: this.id, path, customer });
  }

  async pauseRecording(): Promise<void> {
    await this.#client().call('recordingControl', { id: this.id, action: 'pause' });
  }

  async resumeRecording(): Promise<void> {
    await this.#client().call('recordingControl', { id: this.id, action: 'resume' });
  }

  async stopRecording(): Promise<RecordingResult | null> {
    return this.#client().call('stopRecording', { id: this.id });
  }

  onNotice(listener: NoticeListener): () => void {
    return this.#listeners.add(listener);
  }

  /** @internal from the engine */
  notify(n: MediaNotice): void {
    this.#listeners.notify(n);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#gone) return;
      try {
        await this.#slot.client?.call('closeRelay', { id: this.id });
      } catch {
        // the worker crashed meanwhile: lost() has freed, or will free, the ports
      }
      this.lost();
    })();
    return this.#closing;
  }
}

interface PortSource {
  allocate(): number;
  free(port: number): void;
  host: string;
  /** Where a browser member on the pair at `port` binds its ICE socket. */
  webrtc(port: number): WebRtcBindSpec;
}

class ConferenceHandle implements Conference {
  #closing: Promise<void> | undefined;
  #gone = false;
  readonly #slot: Slot;
  readonly #address: string;
  readonly #ports: PortSource;
  readonly #members = new Map<string, number>();
  readonly #listeners = new Listeners();

  constructor(readonly id: string, slot: Slot, address: string, ports: PortSource) {
    this.#slot = slot;
    this.#address = address;
    this.#ports = ports;
  }

  #client(): RpcClient {
    if (this.#gone || this.#closing || !this.#slot.client) throw new MediaError('MEDIA_NOT_FOUND', `conference ${this.id} is closed`);
    return this.#slot.client;
  }

  async addMember(opts: { peer?: PeerSpec; mode?: MemberMode; webrtcOffer?: string } = {}): Promise<ConferenceMember> {
    for (let attempt = 1; ; attempt++) {
      const client = this.#client();
      const port = this.#ports.allocate();
      const member = randomUUID();
      let answer: string | null;
      try {
        const browser = opts.webrtcOffer !== undefined ? { webrtcOffer: opts.webrtcOffer, bind: this.#ports.webrtc(port) } : {};
        answer = await client.call('addMember', {
          conference: this.id,
          member,
          host: this.#ports.host,
          port,
          ...(opts.peer ? { peer: { ...opts.peer } } : {}),
          ...(opts.mode ? { mode: { ...opts.mode } } : {}),
          ...browser,
        });
      } catch (e) {
        this.#ports.free(port);
        if (e instanceof MediaError && e.code === 'MEDIA_PORT_IN_USE' && attempt < BIND_ATTEMPTS) continue;
        throw e;
      }
      this.#members.set(member, port);
      const call = <K extends 'setMember' | 'memberPlay' | 'memberStats' | 'removeMember'>(op: K, args: Parameters<RpcClient['call']>[1]) =>
        this.#client().call(op, args as never);
      const release = () => {
        const p = this.#members.get(member);
        if (p === undefined) return;
        this.#members.delete(member);
        this.#ports.free(p);
      };
      return {
        id: member,
        answer,
        local: { address: this.#address, port },
        setPeer: async (peer) => void (await call('setMember', { conference: this.id, member, peer: { ...peer } })),
        setMode: async (mode) => void (await call('setMember', { conference: this.id, member, mode: { ...mode } })),
        play: async (spec, playId = randomUUID()) => {
          await call('memberPlay', { conference: this.id, member, playId, spec });
          return spec ? playId : null;
        },
        stats: () => call('memberStats', { conference: this.id, member }) as Promise<SideStats>,
        remove: async () => {
          if (!this.#members.has(member)) return;
          try {
            await this.#slot.client?.call('removeMember', { conference: this.id, member });
          } finally {
            release();
          }
        },
      };
    }
  }

  onNotice(listener: NoticeListener): () => void {
    return this.#listeners.add(listener);
  }

  /** @internal from the engine */
  notify(n: MediaNotice): void {
    this.#listeners.notify(n);
  }

  /** The worker died or the engine closed. */
  lost(): void {
    if (this.#gone) return;
    this.#gone = true;
    for (const p of this.#members.values()) this.#ports.free(p);
    this.#members.clear();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#gone) return;
      try {
        await this.#slot.client?.call('closeConference', { id: this.id });
      } catch {
        // crashed meanwhile
      }
      this.#slot.conferences.delete(this.id);
      this.lost();
    })();
    return this.#closing;
  }
}
