/**
 * Run SIPp (Debian 12 `sip-tester`, 3.6.1) scenario files as child processes and collect
 * the outcome: exit code, successful/failed call counts from the final `-trace_stat` CSV,
 * the unexpected-message log (`-trace_err`), the SIP message trace (`-trace_msg`) and the
 * `<log>` action output (`-trace_logs`). Everything lands in a temp dir that is read into
 * the result and then removed.
 *
 * Scenario files live in test/interop/sipp/ (see the README there for their variables).
 * Credentials reach them through an injection file (`-inf`, SEQUENTIAL): field0 = username,
 * field1 = password, further fields as given; the first user's credentials also go to
 * -au/-ap for the [authentication] keyword (SIPp 3.6.1 cannot nest [field1] inside it). `-key` keywords used by the bundled
 * scenarios get defaults: domain (the remote host:port, or the local address for a UAS)
 * and expires (3600).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, haveBinary, isListening, terminate, track, waitFor } from './proc.js';

/** Directory of the bundled scenario files. */
export const SCENARIO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'sipp');

export interface SippUser {
  username: string;
  password: string;
  /** Further injection fields: field2, field3, … */
  extra?: string[];
}

export interface SippOptions {
  /** Scenario: a path relative to test/interop/sipp/ ("invite-bye.xml", "selftest/registrar.xml") or absolute. */
  scenario: string;
  /** Remote "host:port" a UAC scenario sends to; omit for a UAS. */
  remote?: string;
  /** udp (-t u1, default) or tcp (-t t1). This SIPp build has no TLS. */
  transport?: 'udp' | 'tcp';
  /** -i: local address for Via/Contact/SDP and the bind address (default 127.0.0.1). */
  localIp?: string;
  /** -p: local SIP port (default: a free port). */
  localPort?: number;
  /** -mp: local media port (default: a free port; SIPp also binds mp+2). */
  mediaPort?: number;
  /** -m: stop after this many calls (default 1). */
  calls?: number;
  /** -r: calls per rate period (default 1). */
  rate?: number;
  /** -rp: rate period in ms (default 1000). */
  ratePeriodMs?: number;
  /** -l: maximum simultaneous calls. */
  limit?: number;
  /** -s: user part of the Request-URI ([service]); default "service". */
  service?: string;
  /**
   * -inf: users injected (SEQUENTIAL, one per call) into [field0] (username) and [field1]
   * (password); default one user "sipp"/"sipp". The FIRST user's credentials also go to
   * -au/-ap, which is what the bare [authentication] keyword answers challenges with — so
   * all calls of one SIPp run authenticate as users[0] (see the README).
   */
  users?: SippUser[];
  /** -key keyword value, usable as [keyword]. Overrides the defaults (domain, expires). */
  keys?: Record<string, string | number>;
  /** -set variable value, usable as [$variable]. */
  vars?: Record<string, string | number>;
  /**
   * -auth_uri: the digest uri= (without "sip:") in Authorization headers. SIPp's default is
   * the remote address ("sip:<remote host>:<port>"), not the Request-URI.
   */
  authUri?: string;
  /** -d: length of <pause/> steps without their own duration (ms). */
  callDurationMs?: number;
  /** -timeout (+ -timeout_error): SIPp gives up and fails after this long (default 60 000 ms). */
  timeoutMs?: number;
  /** -recv_timeout: each expected message must arrive within this long (default: none). */
  recvTimeoutMs?: number;
  /** -aa: answer INFO/NOTIFY/OPTIONS/UPDATE with 200 automatically (default true). */
  autoAnswerMisc?: boolean;
  /** Extra command-line arguments, appended last. */
  extraArgs?: string[];
  /** Keep the temp dir (default: env INTEROP_KEEP=1). */
  keepFiles?: boolean;
  /** SIPp binary (default env SIPP_BIN or "sipp"). */
  binary?: string;
}

export interface SippResult {
  /** Process exit code: 0 all calls succeeded, 1 some failed, 97 stopped by command, 99 no call processed, 255/254 fatal/bind error. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** SuccessfulCall(C) from the final statistics row (-1 if SIPp wrote none). */
  successful: number;
  /** FailedCall(C) from the final statistics row (-1 if SIPp wrote none). */
  failed: number;
  /** The final -trace_stat row, column name → value. */
  stats: Record<string, string>;
  /** -trace_err: unexpected messages and errors. */
  errors: string;
  /** -trace_msg: every SIP message sent and received. */
  messages: string;
  /** -trace_logs: output of the scenario's <log> actions. */
  logs: string;
  /** Everything SIPp printed (stdout + stderr). */
  output: string;
  /** The command line (without the binary). */
  args: string[];
}

export interface SippProcess {
  readonly localPort: number;
  readonly mediaPort: number;
  readonly pid: number | undefined;
  /** "127.0.0.1:port" — where a UAS scenario can be reached. */
  readonly address: string;
  /** Resolves once SIPp has finished (and its temp dir is removed). */
  readonly done: Promise<SippResult>;
  /** Terminate SIPp (SIGTERM, then SIGKILL) and resolve with what it produced. */
  stop(): Promise<SippResult>;
}

/** sipp runs here. */
export function sippAvailable(binary = process.env.SIPP_BIN ?? 'sipp'): boolean {
  return haveBinary(binary, ['-v']);
}

function scenarioPath(s: string): string {
  return isAbsolute(s) ? s : join(SCENARIO_DIR, s);
}

/** Parse a -trace_stat CSV (';'-separated, header line first) into its last row. */
export function parseStatCsv(text: string): Record<string, string> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const head = lines[0];
  const last = lines[lines.length - 1];
  if (!head || !last || lines.length < 2) return {};
  const cols = head.split(';');
  const vals = last.split(';');
  const row: Record<string, string> = {};
  cols.forEach((c, i) => {
    if (c.trim() !== '') row[c.trim()] = (vals[i] ?? '').trim();
  });
  return row;
}

function readIf(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** Start SIPp; resolves once its SIP port is bound (so a UAS is ready for calls). */
export async function startSipp(opts: SippOptions): Promise<SippProcess> {
  const scenario = scenarioPath(opts.scenario);
  if (!existsSync(scenario)) throw new Error(`SIPp scenario not found: ${scenario}`);
  const transport = opts.transport ?? 'udp';
  const localIp = opts.localIp ?? '127.0.0.1';
  const localPort = opts.localPort ?? (await freePort());
  const mediaPort = opts.mediaPort ?? (await freePort({ span: 4 }));
  const controlPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `hotline-sipp-${basename(scenario, '.xml')}-`));
  const keep = opts.keepFiles ?? (process.env.INTEROP_KEEP === '1' || process.env.INTEROP_KEEP === 'true');

  const users = opts.users ?? [{ username: 'sipp', password: 'sipp' }];
  const csv = ['SEQUENTIAL', ...users.map((u) => [u.username, u.password, ...(u.extra ?? [])].join(';'))].join('\n') + '\n';
  for (const u of users) {
    for (const v of [u.username, u.password, ...(u.extra ?? [])]) {
      if (/[;\n\r]/.test(v)) throw new Error(`SIPp injection values must not contain ; or newlines: ${JSON.stringify(v)}`);
    }
  }
  writeFileSync(join(dir, 'users.csv'), csv);

  const keys: Record<string, string | number> = {
    domain: opts.remote ?? `${localIp}:${localPort}`,
    expires: 3600,
    ...opts.keys,
  };
  const f = (name: string) => join(dir, name);
  const args = [
    '-sf', scenario,
    '-t', transport === 'tcp' ? 't1' : 'u1',
    '-i', localIp,
    '-p', String(localPort),
    '-mp', String(mediaPort),
    '-cp', String(controlPort),
    '-m', String(opts.calls ?? 1),
    '-r', String(opts.rate ?? 1),
    '-rp', String(opts.ratePeriodMs ?? 1000),
    '-s', opts.service ?? 'service',
    '-inf', f('users.csv'),
    // [authentication] answers 401/407 with these (SIPp 3.6.1 does not expand keywords nested
    // inside [authentication username=… password=…], so the scenarios use the bare keyword).
    '-au', users[0]?.username ?? 'sipp',
    '-ap', users[0]?.password ?? 'sipp',
    '-timeout', `${Math.ceil((opts.timeoutMs ?? 60_000) / 1000)}s`,
    '-timeout_error',
    '-nostdin',
    '-trace_stat', '-stf', f('stat.csv'), '-fd', '1',
    '-trace_err', '-error_file', f('errors.log'),
    '-trace_msg', '-message_file', f('messages.log'),
    '-trace_logs', '-log_file', f('logs.log'),
  ];
  if (opts.limit !== undefined) args.push('-l', String(opts.limit));
  if (opts.authUri !== undefined) args.push('-auth_uri', opts.authUri);
  if (opts.callDurationMs !== undefined) args.push('-d', String(opts.callDurationMs));
  if (opts.recvTimeoutMs !== undefined) args.push('-recv_timeout', String(opts.recvTimeoutMs));
  if (opts.autoAnswerMisc ?? true) args.push('-aa');
  for (const [k, v] of Object.entries(keys)) args.push('-key', k, String(v));
  for (const [k, v] of Object.entries(opts.vars ?? {})) args.push('-set', k, String(v));
  args.push(...(opts.extraArgs ?? []));
  if (opts.remote) args.push(opts.remote);

  const output: string[] = [];
  const child: ChildProcess = spawn(opts.binary ?? process.env.SIPP_BIN ?? 'sipp', args, {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TERM: 'dumb' },
  });
  track(child);
  let outSize = 0;
  const collect = (d: Buffer) => {
    if (outSize > 1024 * 1024) return;
    outSize += d.length;
    output.push(d.toString('utf8'));
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  const done = new Promise<SippResult>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      const stats = parseStatCsv(readIf(f('stat.csv')));
      const num = (k: string) => (stats[k] !== undefined && stats[k] !== '' ? Number(stats[k]) : -1);
      const result: SippResult = {
        exitCode: code,
        signal,
        successful: num('SuccessfulCall(C)'),
        failed: num('FailedCall(C)'),
        stats,
        errors: readIf(f('errors.log')),
        messages: readIf(f('messages.log')),
        logs: readIf(f('logs.log')),
        // SIPp redraws its status screen with terminal escapes even without a tty.
        output: output.join('').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''),
        args,
      };
      if (!keep) rmSync(dir, { recursive: true, force: true });
      resolve(result);
    };
    child.once('exit', (code, signal) => finish(code, signal));
    child.once('error', (e) => {
      output.push(`[harness] spawn error: ${e.message}\n`);
      if (child.pid === undefined) finish(null, null);
    });
  });

  // Ready when the SIP port is bound (read from /proc, so checking does not take the port).
  let exited = false;
  void done.then(() => (exited = true));
  const proto = transport === 'tcp' ? 'tcp' : 'udp';
  if (isListening(localPort, proto) === undefined) await new Promise((r) => setTimeout(r, 500));
  else {
    await waitFor(() => exited || isListening(localPort, proto) === true, 10_000, `SIPp did not bind ${proto} port ${localPort}`).catch(
      async (e) => {
        await terminate(child);
        throw e;
      },
    );
  }

  return {
    localPort,
    mediaPort,
    pid: child.pid,
    address: `${localIp}:${localPort}`,
    done,
    async stop() {
      await terminate(child);
      return done;
    },
  };
}

/** Run a scenario to completion. */
export async function runSipp(opts: SippOptions): Promise<SippResult> {
  const p = await startSipp(opts);
  return p.done;
}

/** Human-readable summary for assertion messages. */
export function describeSipp(r: SippResult): string {
  return [
    `exit=${r.exitCode ?? r.signal} successful=${r.successful} failed=${r.failed}`,
    r.errors && `--- errors ---\n${r.errors.slice(-4000)}`,
    r.messages && `--- messages (tail) ---\n${r.messages.slice(-6000)}`,
    r.output && `--- output (tail) ---\n${r.output.slice(-3000)}`,
  ]
    .filter(Boolean)
    .join('\n');
}
