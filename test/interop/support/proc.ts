/**
 * Process and port plumbing shared by the baresip and SIPp drivers: free local ports,
 * "is anything listening on this port yet", and a registry that kills every child process
 * we started when the test worker exits (normally or on a signal), so a failing test never
 * leaves a SIP peer behind.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const children = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  children.clear();
}

/** Remember a child so it is SIGKILLed if this process exits before the test stops it. */
export function track(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    process.once('exit', killAll);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => {
        killAll();
        process.kill(process.pid, sig);
      });
    }
  }
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Children started by this process that are still running (for leak assertions). */
export function liveChildren(): ChildProcess[] {
  return [...children].filter((c) => c.exitCode === null && c.signalCode === null);
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the process has exited. */
export async function terminate(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(t);
}

/** True when a binary runs (`cmd args` exits 0 or with a usage code) — used to decide skipping. */
export function haveBinary(cmd: string, args: string[] = ['-v']): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000 });
  return !r.error;
}

async function tcpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

async function udpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind({ port, address: host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

async function ephemeralTcpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ port: 0, host, exclusive: true }, () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

// Ports handed out by this process are not handed out again (several peers start at once).
const handedOut = new Set<number>();

/**
 * A port that is currently free for UDP and TCP on host, and so are the `span - 1` ports
 * after it (baresip listens for TLS on sip port + 1; SIPp binds RTP ports mp and mp + 2).
 * The OS picks the candidate (bind port 0), so parallel test workers do not collide.
 */
export async function freePort(opts: { span?: number; host?: string } = {}): Promise<number> {
  const span = opts.span ?? 1;
  const host = opts.host ?? '127.0.0.1';
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = await ephemeralTcpPort(host);
    if (base + span > 65535) continue;
    let ok = true;
    for (let p = base; p < base + span && ok; p++) {
      ok = !handedOut.has(p) && (await tcpFree(p, host)) && (await udpFree(p, host));
    }
    if (ok) {
      for (let p = base; p < base + span; p++) handedOut.add(p);
      return base;
    }
  }
  throw new Error('could not find a free local port');
}

/**
 * Whether some socket is bound to the local port: reads /proc/net/{udp,tcp}{,6} (TCP only in
 * LISTEN state), so checking does not itself occupy the port. Returns undefined where /proc
 * is not available.
 */
export function isListening(port: number, proto: 'udp' | 'tcp'): boolean | undefined {
  const files = [`/proc/net/${proto}`, `/proc/net/${proto}6`].filter((f) => existsSync(f));
  if (files.length === 0) return undefined;
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const f of files) {
    for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      const state = cols[3];
      if (!local || !local.endsWith(`:${hex}`)) continue;
      if (proto === 'tcp' && state !== '0A') continue; // 0A = LISTEN
      return true;
    }
  }
  return false;
}

/** Wait until pred() is truthy, polling; rejects with message after timeoutMs. */
export async function waitFor(pred: () => boolean | Promise<boolean>, timeoutMs: number, message: string, everyMs = 25): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > end) throw new Error(message);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
