/**
 * Wiring of the phone system: seats and the location service are built with the app (the API
 * needs them); the SIP server and the media workers start only when the app listens.
 */
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { mkdirSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isIP } from 'node:net';
import { availableParallelism, networkInterfaces } from 'node:os';
import type { AccountsRepo } from '../accounts/index.js';
import type { SipSettings } from '../api/index.js';
import { iceServersOf, type Config } from '../config/index.js';
import { AppError, type Clock, type EventBus } from '../kit/index.js';
import { MediaEngine, repairRecordings, sealRecording } from '../media/index.js';
import { KyselyBindingsRepo, KyselyCallLog, KyselySeatsRepo, KyselySipTenants, type Store } from '../store/index.js';
import type { DigestAlgorithm, SipWebSocket } from '../sip/index.js';
import { Location, SeatsService, SipGuard, SipServer, type CallView, type SecurityEvent } from '../switch/index.js';
import type { WebSocketOwner } from '../switch/server/ws-owners.js';
import { PROJECT_ROOT } from './version.js';

export interface SwitchParts {
  seats: SeatsService;
  location: Location;
  guard: SipGuard;
  tenants: KyselySipTenants;
  /** The running SIP server (after start). */
  sip(): SipServer | null;
  /**
   * Accepts a WebSocket from the HTTP server's /sip route (with the user whose session opened it);
   * closed when SIP is not running.
   */
  acceptWebSocket(socket: SipWebSocket, remote: { address: string; port: number }, secure: boolean, owner?: WebSocketOwner | null): void;
  /** Where browsers reach SIP over WebSocket (from the public URL), once the HTTP server listens. */
  setWebSocketUrl(url: string): void;
  settings(tenantId: string): Promise<SipSettings>;
  calls(tenantId: string): CallView[];
  recordCall(tenantId: string, callId: string, action: 'start' | 'pause' | 'resume' | 'stop'): Promise<CallView>;
  /** Finished calls, their quality and recordings; each tenant's recording announcement. */
  callLog: KyselyCallLog;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The music that ships with Hotline (assets/prompts), from src/app or dist/app alike. */
const DEFAULT_HOLD_MUSIC = join(PROJECT_ROOT, 'assets', 'prompts', 'hold-music.wav');

/** Where browsers reach our ICE host candidate: configured, else the public address if it is ours, else the first external IPv4. */
export function defaultWebrtcHost(config: Pick<Config, 'webrtcHost' | 'sipPublicAddress'>): string | undefined {
  if (config.webrtcHost) return config.webrtcHost;
  const local = Object.values(networkInterfaces()).flatMap((l) => l ?? []);
  if (config.sipPublicAddress && local.some((i) => i.address === config.sipPublicAddress && !i.internal)) return config.sipPublicAddress;
  return local.find((i) => i.family === 'IPv4' && !i.internal)?.address;
}

/** `8000-8099` or `8000,8001,9000`: the numbers that are conference rooms. */
export function roomMatcher(spec: string): (number: string) => boolean {
  const parts = spec.split(',').map((p) => p.trim()).filter(Boolean);
  const tests = parts.map((p) => {
    const m = /^(\d+)\s*-\s*(\d+)$/.exec(p);
    if (m) {
      const [lo, hi] = [Number(m[1]), Number(m[2])];
      return (n: string) => /^\d+$/.test(n) && n.length === m[1]!.length && Number(n) >= lo && Number(n) <= hi;
    }
    return (n: string) => n === p;
  });
  return (n) => tests.some((t) => t(n));
}

/** Recordings of calls cut short by a crash get a valid header before anything else writes there. */
async function repairAll(root: string, log: (level: 'info' | 'warn', msg: string, data?: object) => void): Promise<void> {
  const dirs = [root];
  for (let depth = 0; depth < 3; depth++) {
    const next: string[] = [];
    for (const d of dirs) {
      const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
      for (const e of entries) if (e.isDirectory()) next.push(join(d, e.name));
    }
    dirs.push(...next.filter((n) => !dirs.includes(n)));
  }
  for (const d of dirs) {
    try {
      const r = await repairRecordings(d);
      // Whatever was left open belongs to calls that ended with the crash: seal it with its checksum.
      const unclosed = [...r.repaired, ...r.ok];
      for (const f of unclosed) await sealRecording(f);
      if (unclosed.length || r.removed.length) log('warn', 'recordings repaired after an unclean stop', { dir: d, repaired: r.repaired, sealed: unclosed, movedAside: r.removed });
    } catch (e) {
      log('warn', 'recordings could not be checked', { dir: d, err: String(e) });
    }
  }
}

/** The address phones reach us at: configured, else the bind address, else the first external IPv4. */
export function defaultPublicAddress(config: Pick<Config, 'sipPublicAddress' | 'sipHost'>): string {
  if (config.sipPublicAddress) return config.sipPublicAddress;
  if (config.sipHost !== '0.0.0.0' && config.sipHost !== '::') return config.sipHost;
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address;
  }
  return '127.0.0.1';
}

export async function buildSwitch(deps: {
  config: Config;
  store: Store;
  bus: EventBus;
  clock: Clock;
  accountsRepo: AccountsRepo;
  log: (level: 'info' | 'warn', msg: string, data?: object) => void;
}): Promise<SwitchParts> {
  const { config, store, bus, clock, accountsRepo, log } = deps;
  const publicAddress = defaultPublicAddress(config);
  const seatsRepo = new KyselySeatsRepo(store.db);
  // Registrations are soft state the phones refresh: written without waiting for fsync on SQLite.
  const tenants = new KyselySipTenants(store.db, { defaultSlug: config.sipDefaultTenant, publicAddress, now: () => clock.now() });
  const location = new Location({
    repo: new KyselyBindingsRepo(store.db, store.dialect),
    clock,
    events: bus,
    userOf: async (tenantId, seatId) => (await seatsRepo.get(tenantId, seatId))?.userId ?? null,
  });
  const guard = new SipGuard(
    clock,
    {
      maxFailures: config.sipBanFailures,
      windowMs: config.sipBanWindowSeconds * 1000,
      banMs: config.sipBanMinutes * 60_000,
      ratePerSecond: config.sipRateLimit,
      trusted: config.sipTrustedAddresses.split(',').map((s) => s.trim()).filter(Boolean),
      maxTracked: 100_000,
    },
    (e: SecurityEvent) => log('warn', e.kind === 'sip.ban' ? 'security: SIP source banned' : 'security: SIP authentication failed', e),
  );
  const seats = new SeatsService({
    repo: seatsRepo,
    users: {
      get: async (tenantId, userId) => accountsRepo.getUser(tenantId, userId),
      names: async (tenantId) => new Map((await accountsRepo.listUsers(tenantId)).map((u) => [u.id, u.name])),
    },
    bindings: location,
    events: bus,
    clock,
    realmOf: async (tenantId) => (await tenants.byId(tenantId))?.realm ?? 'hotline',
  });
  await location.start();

  const callLog = new KyselyCallLog(store.db);
  let server: SipServer | null = null;
  let media: MediaEngine | null = null;
  let wsUrl: string | null = null;

  return {
    seats,
    location,
    guard,
    tenants,
    sip: () => server,
    acceptWebSocket(socket, remote, secure, owner) {
      if (!server) socket.close(1013, 'SIP is not running');
      else server.acceptWebSocket(socket, remote, secure, owner ?? null);
    },
    setWebSocketUrl(url) {
      wsUrl = url;
      server?.setPort(url.startsWith('wss:') ? 'wss' : 'ws', Number(new URL(url).port || (url.startsWith('wss:') ? 443 : 80)));
    },
    calls: (tenantId) => (server ? server.b2bua.activeCalls.filter((c) => c.tenantId === tenantId) : []),
    callLog,
    async recordCall(tenantId, callId, action) {
      if (!server) throw new AppError('unavailable', 'SIP_NOT_RUNNING', 'the phone system is not running');
      return server.b2bua.record(callId, tenantId, action);
    },
    async settings(tenantId) {
      const t = await tenants.byId(tenantId);
      const domain = t?.domain ?? publicAddress;
      const transports: SipSettings['transports'] = [];
      const udp = server?.port('udp') ?? config.sipPort;
      transports.push({ transport: 'udp', host: publicAddress, port: udp }, { transport: 'tcp', host: publicAddress, port: server?.port('tcp') ?? udp });
      const tls = server?.port('tls');
      if (tls) transports.push({ transport: 'tls', host: publicAddress, port: tls });
      if (wsUrl) {
        const u = new URL(wsUrl);
        const secure = u.protocol === 'wss:';
        transports.push({ transport: secure ? 'wss' : 'ws', host: u.hostname, port: Number(u.port || (secure ? 443 : 80)), url: wsUrl });
      }
      return { domain, realm: t?.realm ?? 'hotline', transports };
    },
    async start() {
      if (!config.sipEnabled || server) return;
      // SDP needs an IP address: a configured host name is resolved once at start.
      const mediaAddress = isIP(publicAddress) ? publicAddress : (await lookup(publicAddress, { family: 4 })).address;
      const webrtcHost = defaultWebrtcHost(config);
      media = await MediaEngine.start({
        host: config.sipHost,
        publicAddress: mediaAddress,
        portMin: config.rtpPortMin,
        portMax: config.rtpPortMax,
        workers: config.mediaWorkers || availableParallelism(),
        lazyWorkers: true,
        ...(webrtcHost ? { webrtcHost } : {}),
        iceServers: iceServersOf(config).flatMap((s) => (Array.isArray(s.urls) ? s.urls : [s.urls]).map((urls) => ({ urls, ...(s.username ? { username: s.username } : {}), ...(s.credential ? { credential: s.credential } : {}) }))),
        // DTMF and finished prompts are routine; crashes and respawns are not.
        onEvent: (e) => (e.type === 'notice' ? undefined : log('warn', `media ${e.type}`, e)),
      });
      const recordings = resolve(config.dataDir, 'recordings');
      await repairAll(recordings, log);
      const isRoom = roomMatcher(config.conferenceRooms);
      const engine = media;
      const secretHex = (await accountsRepo.getMeta('sip.nonce_secret')) ?? randomBytes(32).toString('hex');
      await accountsRepo.setMeta('sip.nonce_secret', secretHex);
      const tls =
        config.sipTlsCert && config.sipTlsKey
          ? { port: config.sipTlsPort, cert: await readFile(config.sipTlsCert), key: await readFile(config.sipTlsKey) }
          : undefined;
      server = new SipServer({
        clock,
        events: bus,
        tenants,
        seats: seatsRepo,
        location,
        guard,
        media: { address: mediaAddress, createRelay: (peers) => engine.createRelay(peers), createConference: () => engine.createConference() },
        calls: {
          holdMusic: { kind: 'file', path: config.holdMusic || DEFAULT_HOLD_MUSIC, loop: true },
          ringback: { kind: 'tone', tone: 'ringback', region: config.toneRegion as 'us' },
          isRoom: (_tenantId, number) => isRoom(number),
          recordingNotice: async (tenantId) => {
            const lang = await callLog.recordingNotice(tenantId);
            return lang ? join(PROJECT_ROOT, 'assets', 'prompts', `recording-notice.${lang}.wav`) : null;
          },
          onCallEnded: (call, m) => {
            callLog.add({ ...call.view(), quality: m.quality, recordings: m.recordings }).catch((e: unknown) => log('warn', 'call log write failed', { call: call.id, err: String(e) }));
          },
          recordingPath: (call) => {
            const day = new Date(call.startedAt).toISOString().slice(0, 10);
            const dir = join(recordings, call.tenantId, day);
            mkdirSync(dir, { recursive: true });
            return join(dir, `${call.id}.wav`);
          },
        },
        nonceSecret: Buffer.from(secretHex, 'hex'),
        publicAddress,
        digestAlgorithms: config.sipDigestAlgorithms.split(',').map((a) => a.trim().toUpperCase() as DigestAlgorithm),
        registrar: { minExpires: config.sipMinExpires, maxExpires: config.sipMaxExpires, defaultExpires: config.sipMaxExpires, maxBindingsPerSeat: 10 },
        maxConnections: config.sipMaxConnections,
        listen: { host: config.sipHost, port: config.sipPort, ...(tls ? { tls } : {}) },
        log,
      });
      try {
        const ports = await server.start();
        log('info', 'SIP server listening', { address: publicAddress, ...ports });
      } catch (e) {
        await server.close().catch(() => {});
        server = null;
        await engine.close();
        media = null;
        throw e;
      }
    },
    async close() {
      await server?.close();
      server = null;
      await media?.close();
      media = null;
      await location.close();
    },
  };
}
