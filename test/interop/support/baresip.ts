/**
 * Headless baresip (v1.0.0, Debian 12 `baresip-core`) driven over its ctrl_tcp JSON
 * interface, for SIP interop tests.
 *
 * Each instance gets its own temp config dir (`baresip -f dir`):
 *  - SIP on 127.0.0.1:<free port> (UDP+TCP; TLS would use port+1, which is kept free too),
 *    media on 127.0.0.1 (`net_interface 127.0.0.1`);
 *  - no sound card: the microphone is a generated sine WAV played by the `aufile` source,
 *    the speaker is an `aubridge` device nobody listens to, and what the peer sent is
 *    recorded by the `sndfile` audio filter (`<dir>/rec/dump-<time>-dec.wav`, 16-bit PCM at
 *    the codec rate; `-enc.wav` is what we sent). baresip 1.0.0's aufile has no player, so
 *    sndfile is the recorder;
 *  - control through `ctrl_tcp` on 127.0.0.1:<free port>: netstring-framed JSON commands
 *    `{"command","params","token"}` answered by `{"response":true,"ok","data","token"}`,
 *    and events `{"event":true,"type","class","accountaor","direction","peeruri","id","param"}`
 *    (REGISTER_OK / REGISTER_FAIL / CALL_INCOMING / CALL_RINGING / CALL_ESTABLISHED /
 *    CALL_CLOSED (param = reason) / …). Commands are the `menu` module's long commands:
 *    dial, accept, hangup, reginfo, listcalls, …
 *
 * Processes are killed on stop() and, as a safety net, when the test worker exits; baresip
 * also gets `-t <maxLifetimeSec>` so it quits on its own even if the worker is SIGKILLed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeToneWav } from './audio.js';
import { freePort, haveBinary, terminate, track, waitFor } from './proc.js';

export type SipTransport = 'udp' | 'tcp' | 'tls';

export interface BaresipAccount {
  username: string;
  password: string;
  /** Registrar / domain as host:port, e.g. "127.0.0.1:5060". */
  domain: string;
  transport: SipTransport;
  /** Registration interval in seconds (baresip `regint`); 0 = do not register. Default 3600. */
  regint?: number;
  /** Authentication user if different from username (baresip `auth_user`). */
  authUser?: string;
  displayName?: string;
  /** Extra `;key=value` account parameters appended verbatim (e.g. ";outbound=..."). */
  extraParams?: string;
}

export interface BaresipOptions {
  /** Used in logs, the temp dir name and, without an account, the local AoR user (sip:name@127.0.0.1:port). */
  name: string;
  /** SIP listen port on 127.0.0.1; default a free port (port+1 is kept free for TLS as well). */
  sipPort?: number;
  /** Account to register with. Without it a local account sip:<name>@127.0.0.1:<port> is used (no registration). */
  account?: BaresipAccount;
  /** Tone the instance "speaks" (Hz). 0 = silence. */
  toneHz: number;
  /** Tone length in ms (default 120 000; aufile plays the file once, then sends silence). */
  toneDurationMs?: number;
  /** Sample rate of the tone WAV; must equal the codec's rate (8000 for PCMU/PCMA, the default codecs). */
  toneSampleRate?: number;
  /** Answer incoming calls automatically (account answermode=auto). Default false (manual: use answer()). */
  autoAnswer?: boolean;
  /** Audio codecs, baresip names (default ["pcmu", "pcma"]). Only g711 is loaded unless you add modules. */
  codecs?: string[];
  /** Extra modules to load (file names, e.g. "g722.so"). */
  modules?: string[];
  /** Extra config lines appended to the generated config. */
  extraConfig?: string[];
  /** Media (RTP) address; default 127.0.0.1. */
  mediaAddress?: string;
  /** TLS: CA file to trust (sip_cafile) and own certificate (sip_certificate, PEM with key). */
  tlsCaFile?: string;
  tlsCertificate?: string;
  /** baresip -s: trace all SIP messages into the log (default: env INTEROP_SIP_TRACE=1). */
  sipTrace?: boolean;
  /** baresip quits by itself after this many seconds (default 600) — safety net against orphans. */
  maxLifetimeSec?: number;
  /** Keep the temp dir after stop() (default: env INTEROP_KEEP=1). */
  keepFiles?: boolean;
  /** Startup timeout (default 15 000 ms). */
  startTimeoutMs?: number;
  /** baresip binary (default env BARESIP_BIN or "baresip"). */
  binary?: string;
  /** Module directory (default /usr/lib/baresip/modules). */
  modulePath?: string;
}

export interface BaresipEvent {
  type: string;
  class?: string;
  accountaor?: string;
  direction?: string;
  peeruri?: string;
  /** Call id (for call events). */
  id?: string;
  /** Event parameter: peer URI, close reason for CALL_CLOSED, SIP status for REGISTER_*, … */
  param?: string;
  /** The decoded JSON as received. */
  raw: Record<string, unknown>;
  /** Position in the event list (0-based). */
  seq: number;
}

export interface Baresip {
  readonly name: string;
  readonly sipPort: number;
  readonly ctrlPort: number;
  /** Process id of the baresip process. */
  readonly pid: number | undefined;
  /** SIP URI of the local account's address: sip:<user>@127.0.0.1:<sipPort>. */
  readonly uri: string;
  /** The instance's temp dir (config, accounts, tone.wav, rec/). */
  readonly dir: string;
  /** Directory sndfile records into. */
  readonly recordingDir: string;
  /** Newest recording of received audio (…-dec.wav); throws if there is none yet. */
  readonly recordingPath: string;
  /** All recordings, oldest first: received (-dec) and sent (-enc). */
  recordings(): { received: string[]; sent: string[] };
  /** Every event received so far. */
  readonly events: readonly BaresipEvent[];
  /** Send a ctrl_tcp command; resolves with the response's data, rejects if ok=false or on timeout. */
  command(cmd: string, params?: string, timeoutMs?: number): Promise<unknown>;
  /**
   * The first not-yet-consumed event (already received or still to come) that matches pred;
   * it is then consumed, so each event satisfies one wait. Rejects after timeoutMs.
   */
  waitEvent(pred: (e: BaresipEvent) => boolean, timeoutMs: number): Promise<BaresipEvent>;
  /** Wait for REGISTER_OK (resolves) or REGISTER_FAIL (rejects). */
  waitRegistered(timeoutMs: number): Promise<BaresipEvent>;
  dial(uri: string): Promise<void>;
  /** Answer the current incoming call (menu command "accept"). */
  answer(): Promise<void>;
  /** Hang up the current call. */
  hangup(): Promise<void>;
  /** Whether the process is still running. */
  running(): boolean;
  /** Stop the process (SIGTERM, then SIGKILL) and remove the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** Everything baresip printed (stdout + stderr), plus harness notes. */
  log(): string;
}

const MODULE_PATH = '/usr/lib/baresip/modules';
/** Modules the harness loads; all shipped by Debian's baresip-core. */
export const REQUIRED_MODULES = ['g711', 'aufile', 'aubridge', 'sndfile', 'account', 'menu', 'ctrl_tcp'];

/** baresip binary runs and every module the harness needs is installed. */
export function baresipAvailable(modulePath = MODULE_PATH, binary = process.env.BARESIP_BIN ?? 'baresip'): boolean {
  return haveBinary(binary, ['-h']) && REQUIRED_MODULES.every((m) => existsSync(join(modulePath, `${m}.so`)));
}
const LOG_CAP = 4 * 1024 * 1024;

function envFlag(name: string): boolean {
  const v = process.env[name];
  return v === '1' || v === 'true';
}

function checkAccountValue(what: string, v: string): void {
  if (/[\s;<>"@]/.test(v)) throw new Error(`baresip account ${what} must not contain whitespace, ; < > " or @: ${JSON.stringify(v)}`);
}

function accountLine(opts: BaresipOptions, sipPort: number): { line: string; uri: string } {
  const answermode = opts.autoAnswer ? 'auto' : 'manual';
  const codecs = (opts.codecs ?? ['pcmu', 'pcma']).join(',');
  const a = opts.account;
  if (!a) {
    const uri = `sip:${opts.name}@127.0.0.1:${sipPort}`;
    return { uri, line: `<${uri}>;regint=0;answermode=${answermode};audio_codecs=${codecs}` };
  }
  checkAccountValue('username', a.username);
  checkAccountValue('password', a.password);
  if (a.authUser) checkAccountValue('authUser', a.authUser);
  const aor = `sip:${a.username}@${a.domain}`;
  const transport = a.transport === 'udp' ? '' : `;transport=${a.transport}`;
  const display = a.displayName ? `"${a.displayName.replace(/"/g, '')}" ` : '';
  const params = [
    `auth_user=${a.authUser ?? a.username}`,
    `auth_pass=${a.password}`,
    `regint=${a.regint ?? 3600}`,
    `answermode=${answermode}`,
    `audio_codecs=${codecs}`,
  ];
  return {
    uri: `sip:${a.username}@127.0.0.1:${sipPort}`,
    line: `${display}<${aor}${transport}>;${params.join(';')}${a.extraParams ?? ''}`,
  };
}

function configText(o: {
  dir: string;
  sipPort: number;
  ctrlPort: number;
  mediaAddress: string;
  tonePath: string;
  recDir: string;
  modulePath: string;
  modules: string[];
  tlsCaFile?: string;
  tlsCertificate?: string;
  extra: string[];
  name: string;
}): string {
  const dev = o.name.replace(/[^A-Za-z0-9_-]/g, '_');
  return [
    '# generated by test/interop/support/baresip.ts',
    'poll_method\t\tepoll',
    `sip_listen\t\t127.0.0.1:${o.sipPort}`,
    ...(o.tlsCertificate ? [`sip_certificate\t${o.tlsCertificate}`] : []),
    ...(o.tlsCaFile ? [`sip_cafile\t\t${o.tlsCaFile}`] : []),
    `net_interface\t\t${o.mediaAddress}`,
    'call_local_timeout\t120',
    'call_max_calls\t\t4',
    // No sound card: aufile is the microphone, aubridge a speaker nobody listens to.
    `audio_source\t\taufile,${o.tonePath}`,
    `audio_player\t\taubridge,${dev}-play`,
    `audio_alert\t\taubridge,${dev}-alert`,
    'audio_level\t\tno',
    'ausrc_format\t\ts16',
    'auplay_format\t\ts16',
    'auenc_format\t\ts16',
    'audec_format\t\ts16',
    'rtp_tos\t\t\t0',
    'rtcp_mux\t\tno',
    'jitter_buffer_delay\t5-10',
    'rtp_stats\t\tno',
    `module_path\t\t${o.modulePath}`,
    'module\t\t\tg711.so',
    'module\t\t\taufile.so',
    'module\t\t\taubridge.so',
    // sndfile records <snd_path>/dump-<time>-enc.wav (sent) and -dec.wav (received).
    'module\t\t\tsndfile.so',
    ...o.modules.map((m) => `module\t\t\t${m}`),
    'module_tmp\t\taccount.so',
    'module_app\t\tmenu.so',
    'module_app\t\tctrl_tcp.so',
    `ctrl_tcp_listen\t\t127.0.0.1:${o.ctrlPort}`,
    `snd_path\t\t${o.recDir}`,
    'statmode_default\toff',
    'ringback_disabled\tyes',
    ...o.extra,
    '',
  ].join('\n');
}

/** Decode netstrings ("<len>:<payload>,") from a growing buffer; returns payloads and the rest. */
export function decodeNetstrings(buf: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let off = 0;
  for (;;) {
    const colon = buf.indexOf(0x3a, off);
    if (colon < 0) break;
    const lenText = buf.toString('ascii', off, colon);
    if (!/^\d+$/.test(lenText)) throw new Error(`bad netstring length ${JSON.stringify(lenText)}`);
    const len = Number(lenText);
    const end = colon + 1 + len;
    if (buf.length < end + 1) break;
    if (buf[end] !== 0x2c) throw new Error('netstring not terminated by ","');
    messages.push(buf.toString('utf8', colon + 1, end));
    off = end + 1;
  }
  return { messages, rest: buf.subarray(off) };
}

export function encodeNetstring(s: string): Buffer {
  const body = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}:`, 'ascii'), body, Buffer.from(',', 'ascii')]);
}

class BaresipInstance implements Baresip {
  readonly events: BaresipEvent[] = [];
  private consumed = new Set<number>();
  private waiters: Array<{ pred: (e: BaresipEvent) => boolean; resolve: (e: BaresipEvent) => void }> = [];
  private pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void; cmd: string }>();
  private logChunks: string[] = [];
  private logSize = 0;
  private sock: Socket | undefined;
  private rx: Buffer = Buffer.alloc(0);
  private tokenSeq = 0;
  private child: ChildProcess | undefined;
  private stopped = false;
  private exitInfo: string | undefined;

  constructor(
    readonly name: string,
    readonly dir: string,
    readonly sipPort: number,
    readonly ctrlPort: number,
    readonly uri: string,
    readonly accountLine: string,
    private readonly keep: boolean,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get recordingDir(): string {
    return join(this.dir, 'rec');
  }

  recordings(): { received: string[]; sent: string[] } {
    const files = existsSync(this.recordingDir) ? readdirSync(this.recordingDir).sort() : [];
    return {
      received: files.filter((f) => f.endsWith('-dec.wav')).map((f) => join(this.recordingDir, f)),
      sent: files.filter((f) => f.endsWith('-enc.wav')).map((f) => join(this.recordingDir, f)),
    };
  }

  get recordingPath(): string {
    const r = this.recordings().received;
    const last = r[r.length - 1];
    if (!last) throw new Error(`${this.name}: no recording in ${this.recordingDir} (no call with audio yet?)`);
    return last;
  }

  note(s: string): void {
    this.append(`[harness] ${s}\n`);
  }

  append(s: string): void {
    if (this.logSize > LOG_CAP) return;
    this.logChunks.push(s);
    this.logSize += s.length;
    if (this.logSize > LOG_CAP) this.logChunks.push('\n[harness] log truncated\n');
  }

  log(): string {
    return this.logChunks.join('');
  }

  running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  startProcess(args: string[], binary: string): ChildProcess {
    this.note(`spawn ${binary} ${args.join(' ')}`);
    // baresip's stdout is block-buffered into a pipe; stdbuf (coreutils) makes it line-buffered
    // so log() is current. stdbuf execs baresip, so the pid stays baresip's.
    const stdbuf = existsSync('/usr/bin/stdbuf') ? '/usr/bin/stdbuf' : undefined;
    const child = stdbuf
      ? spawn(stdbuf, ['-oL', '-eL', binary, ...args], { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(binary, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    this.child = child;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => this.append(d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => this.append(d));
    child.on('error', (e) => this.note(`process error: ${e.message}`));
    child.on('exit', (code, sig) => {
      this.exitInfo = `exited with ${sig ?? code}`;
      this.note(`baresip ${this.exitInfo}`);
      for (const p of this.pending.values()) p.reject(new Error(`${this.name}: baresip ${this.exitInfo} before answering "${p.cmd}"`));
      this.pending.clear();
    });
    return child;
  }

  exited(): string | undefined {
    return this.exitInfo;
  }

  async connectCtrl(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (this.exitInfo) throw new Error(`${this.name}: baresip ${this.exitInfo} during startup`);
      try {
        this.sock = await new Promise<Socket>((resolve, reject) => {
          const s = connect({ host: '127.0.0.1', port: this.ctrlPort });
          s.once('connect', () => {
            s.off('error', reject);
            resolve(s);
          });
          s.once('error', reject);
        });
        break;
      } catch {
        if (Date.now() > end) throw new Error(`${this.name}: ctrl_tcp on port ${this.ctrlPort} did not accept connections`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const sock = this.sock;
    sock.on('data', (d: Buffer) => this.onData(d));
    sock.on('error', (e) => this.note(`ctrl_tcp socket error: ${e.message}`));
    sock.on('close', () => this.note('ctrl_tcp connection closed'));
  }

  private onData(d: Buffer): void {
    this.rx = Buffer.concat([this.rx, d]);
    let decoded;
    try {
      decoded = decodeNetstrings(this.rx);
    } catch (e) {
      this.note(`ctrl_tcp framing error: ${(e as Error).message}; dropping ${this.rx.length} bytes`);
      this.rx = Buffer.alloc(0);
      return;
    }
    this.rx = Buffer.from(decoded.rest);
    for (const m of decoded.messages) {
      let j: Record<string, unknown>;
      try {
        j = JSON.parse(m) as Record<string, unknown>;
      } catch {
        this.note(`ctrl_tcp: unparsable message ${m}`);
        continue;
      }
      if (j.event === true) this.onEvent(j);
      else if (j.response === true) this.onResponse(j);
      else this.note(`ctrl_tcp: unexpected message ${m}`);
    }
  }

  private onEvent(j: Record<string, unknown>): void {
    const str = (k: string) => (typeof j[k] === 'string' ? (j[k] as string) : undefined);
    const e: BaresipEvent = {
      type: str('type') ?? 'UNKNOWN',
      class: str('class'),
      accountaor: str('accountaor'),
      direction: str('direction'),
      peeruri: str('peeruri'),
      id: str('id'),
      param: str('param'),
      raw: j,
      seq: this.events.length,
    };
    this.events.push(e);
    this.note(`event ${e.type}${e.param ? ` (${e.param})` : ''}`);
    for (const w of this.waiters) {
      if (!this.consumed.has(e.seq) && w.pred(e)) {
        this.consumed.add(e.seq);
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(e);
        break;
      }
    }
  }

  private onResponse(j: Record<string, unknown>): void {
    const token = typeof j.token === 'string' ? j.token : '';
    const p = this.pending.get(token);
    if (!p) {
      this.note(`ctrl_tcp: response for unknown token ${token}`);
      return;
    }
    this.pending.delete(token);
    if (j.ok === true) p.resolve(j.data);
    else p.reject(new Error(`${this.name}: command "${p.cmd}" failed: ${JSON.stringify(j.data)}`));
  }

  command(cmd: string, params?: string, timeoutMs = 5000): Promise<unknown> {
    const sock = this.sock;
    if (!sock || sock.destroyed) return Promise.reject(new Error(`${this.name}: not connected to ctrl_tcp`));
    const token = `t${++this.tokenSeq}`;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`${this.name}: no response to "${cmd}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(token, {
        cmd,
        resolve: (v) => {
          clearTimeout(t);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
      const msg: Record<string, string> = { command: cmd, token };
      if (params !== undefined) msg.params = params;
      this.note(`command ${cmd}${params !== undefined ? ` ${params}` : ''}`);
      sock.write(encodeNetstring(JSON.stringify(msg)));
    });
  }

  waitEvent(pred: (e: BaresipEvent) => boolean, timeoutMs: number): Promise<BaresipEvent> {
    const past = this.events.find((e) => !this.consumed.has(e.seq) && pred(e));
    if (past) {
      this.consumed.add(past.seq);
      return Promise.resolve(past);
    }
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (e: BaresipEvent) => {
          clearTimeout(t);
          resolve(e);
        },
      };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        const seen = this.events.map((e) => e.type + (e.param ? `(${e.param})` : '')).join(', ');
        reject(new Error(`${this.name}: awaited event did not arrive within ${timeoutMs} ms; events so far: ${seen || 'none'}${this.exitInfo ? `; baresip ${this.exitInfo}` : ''}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  async waitRegistered(timeoutMs: number): Promise<BaresipEvent> {
    const e = await this.waitEvent((x) => x.type === 'REGISTER_OK' || x.type === 'REGISTER_FAIL', timeoutMs);
    if (e.type === 'REGISTER_FAIL') throw new Error(`${this.name}: registration failed: ${e.param ?? ''}`);
    return e;
  }

  async dial(uri: string): Promise<void> {
    await this.command('dial', uri);
  }

  async answer(): Promise<void> {
    await this.command('accept');
  }

  async hangup(): Promise<void> {
    await this.command('hangup');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.sock?.destroy();
    if (this.child) await terminate(this.child, 5000);
    if (!this.keep) rmSync(this.dir, { recursive: true, force: true });
    else this.note(`kept ${this.dir}`);
  }
}

/** Start a headless baresip; resolves once ctrl_tcp is connected and baresip reports ready. */
export async function startBaresip(opts: BaresipOptions): Promise<Baresip> {
  const fixedPort = opts.sipPort !== undefined;
  let lastErr: unknown;
  for (let attempt = 0; attempt < (fixedPort ? 1 : 3); attempt++) {
    const inst = await tryStart(opts);
    try {
      await waitReady(inst, opts.startTimeoutMs ?? 15_000);
      // Create the user agent now that events are being listened to (registration starts here).
      await inst.command('uanew', inst.accountLine);
      return inst;
    } catch (e) {
      lastErr = e;
      const log = inst.log();
      await inst.stop();
      // Another process grabbed a port between probing and binding: try new ports.
      if (!/in use|EADDRINUSE|could not (listen|bind)|failed to listen/i.test(log)) {
        throw new Error(`${(e as Error).message}\n--- baresip log (${opts.name}) ---\n${log}`);
      }
    }
  }
  throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
}

async function tryStart(opts: BaresipOptions): Promise<BaresipInstance> {
  const sipPort = opts.sipPort ?? (await freePort({ span: 2 }));
  const ctrlPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `hotline-baresip-${opts.name.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
  const recDir = join(dir, 'rec');
  mkdirSync(recDir);
  const tonePath = join(dir, 'tone.wav');
  writeToneWav(tonePath, {
    frequencyHz: opts.toneHz,
    durationMs: opts.toneDurationMs ?? 120_000,
    sampleRate: opts.toneSampleRate ?? 8000,
    amplitude: 0.5,
  });
  const { line, uri } = accountLine(opts, sipPort);
  // The account is added with the "uanew" command once ctrl_tcp is connected (see
  // startBaresip): accounts from this file would register before anyone listens for events.
  writeFileSync(join(dir, 'accounts'), '');
  writeFileSync(
    join(dir, 'config'),
    configText({
      dir,
      name: opts.name,
      sipPort,
      ctrlPort,
      mediaAddress: opts.mediaAddress ?? '127.0.0.1',
      tonePath,
      recDir,
      modulePath: opts.modulePath ?? MODULE_PATH,
      modules: opts.modules ?? [],
      tlsCaFile: opts.tlsCaFile,
      tlsCertificate: opts.tlsCertificate,
      extra: opts.extraConfig ?? [],
    }),
  );
  // Empty contacts file: otherwise baresip 1.0.0 writes a sample one.
  writeFileSync(join(dir, 'contacts'), '');
  const inst = new BaresipInstance(opts.name, dir, sipPort, ctrlPort, uri, line, opts.keepFiles ?? envFlag('INTEROP_KEEP'));
  inst.note(`account line: ${line.replace(/auth_pass=[^;]*/, 'auth_pass=***')}`);
  const args = ['-f', dir, '-v', '-t', String(opts.maxLifetimeSec ?? 600)];
  if (opts.sipTrace ?? envFlag('INTEROP_SIP_TRACE')) args.push('-s');
  inst.startProcess(args, opts.binary ?? process.env.BARESIP_BIN ?? 'baresip');
  return inst;
}

async function waitReady(inst: BaresipInstance, timeoutMs: number): Promise<void> {
  await inst.connectCtrl(timeoutMs);
  await waitFor(
    () => {
      if (inst.exited()) throw new Error(`${inst.name}: baresip ${inst.exited()} during startup`);
      return inst.log().includes('baresip is ready.');
    },
    timeoutMs,
    `${inst.name}: baresip did not report ready within ${timeoutMs} ms`,
  );
}
