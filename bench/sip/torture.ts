/**
 * Bad input at every SIP transport while watching Hotline's event loop (the issue: "no event-loop
 * stall over 50 ms", and the server keeps answering). Hotline runs as its own process with a
 * preloaded event-loop monitor; this script floods its UDP and TCP port for --seconds with:
 * every RFC 4475 torture message (test/fixtures/sip/rfc4475), random bytes, oversize datagrams,
 * truncated and header-bomb requests, and TCP connections that send garbage, half a message, or a
 * message with a lying Content-Length. Then a REGISTER must still be answered.
 *
 *   npx tsx bench/sip/torture.ts [--seconds 20 --rate 2000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, rate: { type: 'string', default: '2000' } } });
const SECONDS = Number(args.seconds);
const RATE = Number(args.rate);
const ROOT = join(import.meta.dirname, '..', '..');
const WORK = mkdtempSync(join(tmpdir(), 'hotline-torture-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

const torture = readdirSync(join(ROOT, 'test/fixtures/sip/rfc4475'))
  .filter((f) => f.endsWith('.dat'))
  .map((f) => readFileSync(join(ROOT, 'test/fixtures/sip/rfc4475', f)));
const register = (port: number, cseq: number) =>
  Buffer.from(
    `REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${randomBytes(6).toString('hex')}\r\n` +
      `From: <sip:1001@127.0.0.1>;tag=t${cseq}\r\nTo: <sip:1001@127.0.0.1>\r\nCall-ID: torture-${cseq}\r\nCSeq: ${cseq} REGISTER\r\n` +
      `Contact: <sip:1001@127.0.0.1:${port}>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
  );
const junk = (): Buffer => {
  const kind = Math.floor(Math.random() * 6);
  if (kind === 0) return torture[Math.floor(Math.random() * torture.length)]!;
  if (kind === 1) return randomBytes(1 + Math.floor(Math.random() * 1400));
  if (kind === 2) return Buffer.alloc(60_000, 'A');
  if (kind === 3) return register(5, 1).subarray(0, 40 + Math.floor(Math.random() * 100));
  if (kind === 4) return Buffer.from('INVITE sip:1002@127.0.0.1 SIP/2.0\r\n' + 'X-Bomb: 1\r\n'.repeat(2000) + '\r\n');
  return Buffer.from(`OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK${'x'.repeat(5000)}\r\nCSeq: 99999999999 OPTIONS\r\n\r\n`);
};

async function main(): Promise<void> {
  const httpPort = await freePort();
  const sipPort = await freePort();
  const loopReport = join(WORK, 'loop.json');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('HOTLINE_')) env[k] = v;
  Object.assign(env, {
    BENCH_LOOP_REPORT: loopReport,
    HOTLINE_DATA_DIR: join(WORK, 'data'),
    HOTLINE_HTTP_HOST: '127.0.0.1',
    HOTLINE_HTTP_PORT: String(httpPort),
    HOTLINE_SIP_HOST: '127.0.0.1',
    HOTLINE_SIP_PORT: String(sipPort),
    HOTLINE_RTP_PORT_MIN: '16000',
    HOTLINE_RTP_PORT_MAX: '16999',
    HOTLINE_LOG_LEVEL: 'error',
    HOTLINE_DEMO_PASSWORD: 'torture-password-1',
    // The flood comes from 127.0.0.1, trusted by default: no rate limit, so every message is parsed.
    HOTLINE_SIP_TRUSTED_ADDRESSES: '127.0.0.1',
  });
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--import', join(import.meta.dirname, 'loop-hook.mjs'), 'src/cli/main.ts', 'demo'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const stop = () => child.kill('SIGKILL');
  process.on('exit', stop);
  try {
    for (let i = 0; i < 300; i++) {
      const ok = await fetch(`http://127.0.0.1:${httpPort}/api/health`).then((r) => r.ok).catch(() => false);
      if (ok) break;
      await sleep(100);
    }
    await sleep(1000);
    const window = async () => {
      const before = existsSync(loopReport) ? readFileSync(loopReport, 'utf8') : '';
      child.kill('SIGWINCH');
      for (let i = 0; i < 50; i++) {
        await sleep(50);
        if (existsSync(loopReport) && readFileSync(loopReport, 'utf8') !== before) break;
      }
      return JSON.parse(readFileSync(loopReport, 'utf8')) as { maxMs: number; p99Ms: number; meanMs: number };
    };
    await window(); // start-up is not counted
    const idleBase = await (async () => {
      await sleep(3000);
      return window();
    })();

    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    let sent = 0;
    let tcpConnections = 0;
    const end = Date.now() + SECONDS * 1000;
    const tcpFlood = (async () => {
      while (Date.now() < end) {
        const s = connect({ host: '127.0.0.1', port: sipPort });
        s.on('error', () => {});
        tcpConnections++;
        await new Promise<void>((r) => s.once('connect', () => r()).once('error', () => r()));
        const kind = tcpConnections % 3;
        if (kind === 0) s.write(randomBytes(4096));
        else if (kind === 1) s.write(register(s.localPort ?? 1, 1).subarray(0, 60));
        else s.write(Buffer.from('OPTIONS sip:x SIP/2.0\r\nContent-Length: 999999\r\n\r\nabc'));
        await sleep(20);
        s.destroy();
      }
    })();
    while (Date.now() < end) {
      const t0 = Date.now();
      const batch = Math.ceil(RATE / 100);
      for (let i = 0; i < batch; i++) {
        const b = junk();
        udp.send(b.length > 65_000 ? b.subarray(0, 65_000) : b, sipPort, '127.0.0.1');
        sent++;
      }
      await sleep(Math.max(0, 10 - (Date.now() - t0)));
    }
    await tcpFlood;
    const flood = await window();

    // Still answering: a REGISTER gets its 401 challenge.
    const answered = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      udp.on('message', (m) => {
        if (m.toString('latin1').startsWith('SIP/2.0 401')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      udp.send(register(udp.address().port, 2), sipPort, '127.0.0.1');
    });
    udp.close();
    const alive = child.exitCode === null;
    console.log(`machine: 2 cores; Node ${process.version}`);
    console.log('| flood | datagrams | TCP connections | event loop max / p99 during flood | idle max / p99 | afterwards |');
    console.log('|---|---|---|---|---|---|');
    console.log(
      `| ${SECONDS} s of RFC 4475 torture messages, random bytes, 60 KB datagrams, truncated and header-bomb requests at ${RATE}/s; TCP garbage, half messages, lying Content-Length | ${sent.toLocaleString('en-US')} | ${tcpConnections.toLocaleString('en-US')} | ${flood.maxMs.toFixed(1)} / ${flood.p99Ms.toFixed(1)} ms | ${idleBase.maxMs.toFixed(1)} / ${idleBase.p99Ms.toFixed(1)} ms | ${alive ? 'process alive' : 'PROCESS DIED'}, REGISTER ${answered ? 'answered 401' : 'NOT ANSWERED'} |`,
    );
    if (!alive || !answered) process.exitCode = 1;
  } finally {
    stop();
    rmSync(WORK, { recursive: true, force: true });
  }
}

await main();
