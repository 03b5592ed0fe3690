/**
 * TLS (RFC 3261 §26) and WebSocket (RFC 7118) transports on real loopback sockets. The TLS
 * certificate is a throw-away self-signed one made with `openssl` when the suite starts.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { systemClock } from '../../kit/index.js';
import {
  SIP_WS_PROTOCOL,
  SipTransportError,
  SipTransports,
  TransactionLayer,
  createResponse,
  fromTransportTarget,
  newBranch,
  parseMessage,
  parseWebSocketMessage,
  resolveLimits,
  responseTarget,
  selectSipProtocol,
  serialize,
  stampVia,
  toTransportTarget,
  type SipEndpoint,
  type SipMessage,
  type SipRequest,
  type SipResponse,
  type SipTransportsOptions,
} from '../index.js';
import { haveOpenssl, selfSignedCert } from '../../../test/support/tls.js';
import { HOST, parse, recordingTransports, requestText, useCleanups, waitFor, type Got } from './test-support.js';

const cleanups = useCleanups();
const makeTransports = (extra: Partial<SipTransportsOptions> = {}) => recordingTransports(cleanups, extra);
const request = (method: string, o: Parameters<typeof requestText>[1] = {}) => requestText(method, o, 'SIP/2.0/TLS pc33.atlanta.example.com:5061');

// ------------------------------------------------------------------------------ certificate

const OPENSSL = haveOpenssl();
if (!OPENSSL && process.env.CI === 'true') throw new Error('openssl is required for the TLS tests in CI');
if (!OPENSSL) console.warn('SKIPPING TLS/WSS transport tests: openssl is not installed (they run whenever it is, and always in CI).');
const describeTls = OPENSSL ? describe : describe.skip;

let cert = '';
let key = '';
beforeAll(() => {
  if (OPENSSL) ({ cert, key } = selfSignedCert());
});
afterAll(() => {
  cert = '';
  key = '';
});

// ---------------------------------------------------------------------------------- peers

/** A raw TLS client that trusts the test certificate and records what it receives. */
async function tlsPeer(port: number) {
  const sock = tls.connect({ host: HOST, port, ca: cert });
  let received = Buffer.alloc(0);
  let closed = false;
  sock.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
  sock.on('close', () => (closed = true));
  sock.on('error', () => {});
  await new Promise<void>((r) => sock.once('secureConnect', () => r()));
  cleanups.push(() => sock.destroy());
  return {
    sock,
    received: () => received.toString('latin1'),
    closed: () => closed,
    write: (d: string | Buffer) => new Promise<void>((r) => sock.write(d, () => r())),
  };
}

/**
 * What the app does: its own HTTP server upgrades `/sip` with the `sip` subprotocol chosen by
 * `selectSipProtocol`, and hands every socket to `acceptWebSocket`.
 */
async function wsServer(t: SipTransports, secure = false) {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => selectSipProtocol(p) });
  const server = secure ? https.createServer({ cert, key }) : http.createServer();
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      t.acceptWebSocket(ws, { address: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0 }, secure);
    });
  });
  await new Promise<void>((r) => server.listen(0, HOST, () => r()));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port };
}

/** A WebSocket SIP client (a browser softphone, in real life). */
async function wsClient(port: number, o: { secure?: boolean; protocols?: string[] } = {}) {
  const url = `${o.secure ? 'wss' : 'ws'}://${HOST}:${port}/sip`;
  const ws = new WebSocket(url, o.protocols ?? [SIP_WS_PROTOCOL], o.secure ? { ca: cert } : {});
  const frames: Array<{ data: Buffer; binary: boolean }> = [];
  let closeCode: number | undefined;
  ws.on('message', (data, binary) => frames.push({ data: Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer), binary }));
  ws.on('close', (code) => (closeCode = code));
  ws.on('error', () => {});
  await new Promise<void>((r, j) => {
    ws.once('open', () => r());
    ws.once('error', j);
  });
  cleanups.push(() => ws.terminate());
  return {
    ws,
    frames,
    texts: () => frames.map((f) => f.data.toString('utf8')),
    closeCode: () => closeCode,
    send: (d: string | Buffer, binary = false) => new Promise<void>((r, j) => ws.send(d, { binary }, (e) => (e ? j(e) : r()))),
  };
}

const WS_VIA = 'SIP/2.0/WS df7jal23ls0d.invalid;rport';

// ------------------------------------------------------------------------------------- TLS

describeTls('TLS (RFC 3261 §26)', () => {
  it('answers a REGISTER on the TLS connection it came on', async () => {
    const { t, got } = makeTransports();
    const addr = await t.listenTls({ host: HOST, port: 0, cert, key });
    const c = await tlsPeer(addr.port);
    const reg = request('REGISTER', { via: 'SIP/2.0/TLS client.example.com:5061', callId: 'reg1' }).replace('REGISTER sip:bob@', 'REGISTER sip:');
    // Split across TLS records: the same StreamFramer as TCP reassembles it.
    await c.write(reg.slice(0, 40));
    await c.write(reg.slice(40));
    const g = await waitFor(() => got[0], 'REGISTER');
    expect(g.reliable).toBe(true);
    expect(g.source.transport).toBe('tls');
    expect(g.source.connectionId).toMatch(/^tls-/);
    expect((g.msg as SipRequest).method).toBe('REGISTER');
    expect(g.msg.via?.[0]?.received).toBe(HOST);
    const target = responseTarget(g.msg as SipRequest, g.source);
    expect(target).toEqual({ transport: 'tls', address: HOST, port: 5061, connectionId: g.source.connectionId });
    t.send(createResponse(g.msg as SipRequest, 200, { toTag: 'r1' }), target);
    await waitFor(() => c.received().startsWith('SIP/2.0 200 OK'), 'response on the same connection');
    expect(parse(c.received()).callId).toBe('reg1');
    expect(t.connectionCount).toBe(1);
  });

  it('answers a CRLFCRLF ping and closes a framing error after a 400, like TCP', async () => {
    const { t } = makeTransports();
    const addr = await t.listenTls({ host: HOST, port: 0, cert, key });
    const c = await tlsPeer(addr.port);
    await c.write('\r\n\r\n');
    await waitFor(() => c.received() === '\r\n', 'pong');
    await c.write(request('OPTIONS', { contentLength: null }));
    await waitFor(() => c.closed(), 'close');
    expect(c.received()).toMatch(/^\r\nSIP\/2.0 400 /);
  });

  it('survives plain TCP and a failed handshake on the TLS port', async () => {
    const { t, got, errors } = makeTransports();
    const addr = await t.listenTls({ host: HOST, port: 0, cert, key });
    const plain = net.connect({ host: HOST, port: addr.port });
    let plainClosed = false;
    plain.on('error', () => {});
    plain.on('close', () => (plainClosed = true));
    cleanups.push(() => plain.destroy());
    plain.write(request('OPTIONS'));
    await waitFor(() => plainClosed, 'plain TCP closed');
    // A client that does not trust our certificate aborts the handshake.
    const untrusting = tls.connect({ host: HOST, port: addr.port });
    const failed = await new Promise<Error>((r) => untrusting.once('error', r));
    expect(String(failed.message)).toMatch(/self-signed|certificate/i);
    untrusting.destroy();
    expect(errors.length).toBeGreaterThan(0);
    await waitFor(() => t.connectionCount === 0, 'both connections forgotten');
    const good = await tlsPeer(addr.port);
    await good.write(request('OPTIONS', { callId: 'after' }));
    expect((await waitFor(() => got[0], 'request')).msg.callId).toBe('after');
  });

  it('closes idle TLS connections', async () => {
    const { t } = makeTransports({ idleTimeoutMs: 50 });
    const addr = await t.listenTls({ host: HOST, port: 0, cert, key });
    const c = await tlsPeer(addr.port);
    await waitFor(() => c.closed(), 'idle close');
    await waitFor(() => t.connectionCount === 0, 'forgotten');
  });

  it('refuses a TLS connection over maxConnections, counting TCP ones too', async () => {
    const { t } = makeTransports({ maxConnections: 1 });
    const tcpAddr = await t.listenTcp({ host: HOST, port: 0 });
    const tlsAddr = await t.listenTls({ host: HOST, port: 0, cert, key });
    const first = net.connect({ host: HOST, port: tcpAddr.port });
    first.on('error', () => {});
    cleanups.push(() => first.destroy());
    await waitFor(() => t.connectionCount === 1, 'TCP counted');
    const second = tls.connect({ host: HOST, port: tlsAddr.port, ca: cert });
    let closed = false;
    second.on('error', () => {});
    second.on('close', () => (closed = true));
    cleanups.push(() => second.destroy());
    await waitFor(() => closed, 'TLS refused');
    expect(t.connectionCount).toBe(1);
  });

  it('rejects a listener whose certificate cannot be loaded', async () => {
    const { t } = makeTransports();
    await expect(t.listenTls({ host: HOST, port: 0, cert: 'not a pem', key: 'nope' })).rejects.toThrow();
    // The failed attempt leaves nothing bound, so a good one still works.
    await expect(t.listenTls({ host: HOST, port: 0, cert, key })).resolves.toMatchObject({ address: HOST });
  });

  it('opens one verified outbound TLS connection per endpoint and gets the responses back on it', async () => {
    const server = makeTransports();
    const addr = await server.t.listenTls({ host: HOST, port: 0, cert, key });
    const client = makeTransports({ tlsClient: { ca: cert } });
    const target: SipEndpoint = { transport: 'tls', address: HOST, port: addr.port };
    client.t.send(parse(request('OPTIONS', { callId: 'o1' })), target);
    client.t.send(parse(request('OPTIONS', { callId: 'o2' })), target);
    await waitFor(() => server.got.length === 2, 'two requests');
    expect(client.t.connectionCount).toBe(1);
    expect(new Set(server.got.map((g) => g.source.connectionId)).size).toBe(1);
    for (const g of server.got) server.t.send(createResponse(g.msg as SipRequest, 200, { toTag: 's' }), responseTarget(g.msg as SipRequest, g.source));
    await waitFor(() => client.got.length === 2, 'two responses');
    expect(client.got.map((g) => (g.msg as SipResponse).status)).toEqual([200, 200]);
    expect(client.got[0]?.source.transport).toBe('tls');
    expect(client.t.connectionCount).toBe(1);
    // A TCP send to the same address:port must not reuse the TLS connection.
    const tcpServer = makeTransports();
    const tcpAddr = await tcpServer.t.listenTcp({ host: HOST, port: 0 });
    client.t.send(parse(request('OPTIONS', { callId: 'plain' })), { transport: 'tcp', address: HOST, port: tcpAddr.port });
    await waitFor(() => tcpServer.got[0], 'plain request');
    expect(client.t.connectionCount).toBe(2);
  });

  it('refuses an unverifiable server by default, and connects when told not to check', async () => {
    const server = makeTransports();
    const addr = await server.t.listenTls({ host: HOST, port: 0, cert, key });
    const strict = makeTransports();
    strict.t.send(parse(request('OPTIONS', { callId: 'strict' })), { transport: 'tls', address: HOST, port: addr.port });
    await waitFor(() => strict.errors.length > 0, 'handshake error');
    expect(String((strict.errors[0]?.err as Error).message)).toMatch(/self-signed|certificate/i);
    await waitFor(() => strict.t.connectionCount === 0, 'failed connection forgotten');
    expect(server.got).toHaveLength(0);
    const lax = makeTransports({ tlsClient: { rejectUnauthorized: false } });
    lax.t.send(parse(request('OPTIONS', { callId: 'lax' })), { transport: 'tls', address: HOST, port: addr.port });
    expect((await waitFor(() => server.got[0], 'lax request')).msg.callId).toBe('lax');
  });
});

// ------------------------------------------------------------------------------- WebSocket

describe('WebSocket (RFC 7118)', () => {
  it('delivers a request and sends the response back on the same WebSocket', async () => {
    const { t, got } = makeTransports();
    const { port } = await wsServer(t);
    const c = await wsClient(port);
    expect(c.ws.protocol).toBe('sip');
    await c.send(request('REGISTER', { via: WS_VIA, callId: 'ws1' }));
    const g = await waitFor(() => got[0], 'request');
    expect(g.reliable).toBe(true);
    expect(g.source.transport).toBe('ws');
    expect(g.source.connectionId).toMatch(/^ws-/);
    // The .invalid sent-by gets received/rport like any other; the response ignores both.
    expect(g.msg.via?.[0]?.transport.toUpperCase()).toBe('WS');
    expect(g.msg.via?.[0]?.received).toBe(HOST);
    const target = responseTarget(g.msg as SipRequest, g.source);
    expect(target).toEqual(g.source);
    t.send(createResponse(g.msg as SipRequest, 200, { toTag: 'w' }), target);
    await waitFor(() => c.frames[0], 'response frame');
    expect(c.frames).toHaveLength(1);
    expect(c.frames[0]?.binary).toBe(false); // UTF-8 goes as a text frame
    const res = parse(c.frames[0]?.data ?? '') as SipResponse;
    expect(res.status).toBe(200);
    expect(res.callId).toBe('ws1');
    expect(t.connectionCount).toBe(1);
  });

  it.skipIf(!OPENSSL)('marks sockets from a TLS HTTP server as wss', async () => {
    const { t, got } = makeTransports();
    const { port } = await wsServer(t, true);
    const c = await wsClient(port, { secure: true });
    await c.send(request('OPTIONS', { via: 'SIP/2.0/WSS df7jal23ls0d.invalid', callId: 'wss1' }));
    const g = await waitFor(() => got[0], 'request');
    expect(g.source.transport).toBe('wss');
    expect(toTransportTarget(g.source).transport).toBe('WSS');
    t.send(createResponse(g.msg as SipRequest, 200), responseTarget(g.msg as SipRequest, g.source));
    await waitFor(() => c.frames[0], 'response');
    // A ws target naming a wss connection is refused rather than sent.
    expect(() => t.send(createResponse(g.msg as SipRequest, 200), { ...g.source, transport: 'ws' })).toThrow(SipTransportError);
  });

  it('takes binary frames and messages without Content-Length, answers a wrong Content-Length with 400', async () => {
    const { t, got } = makeTransports();
    const { port } = await wsServer(t);
    const c = await wsClient(port);
    await c.send(Buffer.from(request('MESSAGE', { via: WS_VIA, body: 'hi there', contentLength: null, callId: 'nocl' })), true);
    const g = await waitFor(() => got[0], 'no Content-Length');
    expect(g.msg.body.toString()).toBe('hi there');
    await c.send(request('MESSAGE', { via: WS_VIA, body: 'hi there', contentLength: 2, callId: 'short' }));
    await c.send(request('MESSAGE', { via: WS_VIA, body: 'hi', contentLength: 20, callId: 'long' }));
    await waitFor(() => c.frames.length === 2, 'two 400s');
    const answers = c.frames.map((f) => parse(f.data) as SipResponse);
    expect(answers.map((r) => [r.status, r.callId])).toEqual([
      [400, 'short'],
      [400, 'long'],
    ]);
    expect(got).toHaveLength(1);
    expect(c.closeCode()).toBeUndefined();
  });

  it('answers an oversized request with 513 and keeps the socket; closes 1009 when nothing is readable', async () => {
    const { t, got } = makeTransports({ limits: { maxMessageBytes: 2048 } });
    const { port } = await wsServer(t);
    const c = await wsClient(port);
    await c.send(request('MESSAGE', { via: WS_VIA, body: 'x'.repeat(4000), callId: 'big' }));
    await waitFor(() => c.frames[0], '513');
    const res = parse(c.frames[0]?.data ?? '') as SipResponse;
    expect([res.status, res.callId]).toEqual([513, 'big']);
    await c.send(request('OPTIONS', { via: WS_VIA, callId: 'still-open' }));
    expect((await waitFor(() => got[0], 'next request')).msg.callId).toBe('still-open');
    await c.send('y'.repeat(5000));
    await waitFor(() => c.closeCode(), 'close');
    expect(c.closeCode()).toBe(1009);
    await waitFor(() => t.connectionCount === 0, 'forgotten');
  });

  it('drops garbage, answers a readable malformed request with 400, and keeps serving the socket', async () => {
    const { t, got, errors } = makeTransports();
    const { port } = await wsServer(t);
    const c = await wsClient(port);
    await c.send(Buffer.from([0, 255, 13, 10, 1, 2, 3]), true);
    await c.send('NOT SIP AT ALL');
    await c.send('INVITE sip:a@b SIP/2.0\r\nVia SIP/2.0/WS x.invalid\r\n\r\n'); // head unreadable: dropped
    await c.send(request('OPTIONS', { via: WS_VIA, contentLength: 50, callId: 'short-body' }));
    await c.send(request('ACK', { via: WS_VIA, contentLength: 99 }));
    await c.send(request('OPTIONS', { via: WS_VIA, callId: 'after-garbage' }));
    const g = await waitFor(() => got[0], 'next request');
    expect(g.msg.callId).toBe('after-garbage');
    expect(g.source.transport).toBe('ws');
    expect(got).toHaveLength(1);
    expect(c.closeCode()).toBeUndefined();
    // Only the request whose head was readable got an answer; never the ACK (RFC 3261 §17.2.1).
    await waitFor(() => c.frames[0], '400');
    expect(c.frames.map((f) => [(parse(f.data) as SipResponse).status, parse(f.data).callId])).toEqual([[400, 'short-body']]);
    expect(errors).toEqual([]);
  });

  it('answers a CRLFCRLF keep-alive with CRLF and ignores a lone CRLF (RFC 5626 §4.4.1)', async () => {
    const { t, got } = makeTransports();
    const { port } = await wsServer(t);
    const c = await wsClient(port);
    await c.send('\r\n');
    await c.send('\r\n\r\n');
    await waitFor(() => c.frames[0], 'pong');
    expect(c.texts()).toEqual(['\r\n']);
    expect(got).toHaveLength(0);
  });

  it('closes a socket without the sip subprotocol (RFC 7118 §4.1)', async () => {
    const { t } = makeTransports();
    const { port } = await wsServer(t);
    const c = await wsClient(port, { protocols: [] });
    expect(c.ws.protocol).toBe('');
    await waitFor(() => c.closeCode(), 'close');
    expect(c.closeCode()).toBe(1002);
    expect(t.connectionCount).toBe(0);
  });

  it('applies allow() and maxConnections to WebSockets', async () => {
    let open = true;
    const { t, got } = makeTransports({ allow: () => open, maxConnections: 1 });
    const { port } = await wsServer(t);
    const first = await wsClient(port);
    await waitFor(() => t.connectionCount === 1, 'first counted');
    const second = await wsClient(port);
    await waitFor(() => second.closeCode(), 'second refused');
    expect(second.closeCode()).toBe(1013);
    open = false;
    await first.send(request('OPTIONS', { via: WS_VIA, callId: 'refused' }));
    await new Promise((r) => setTimeout(r, 30));
    expect(got).toHaveLength(0);
    first.ws.close();
    await waitFor(() => t.connectionCount === 0, 'first gone');
    const banned = await wsClient(port);
    await waitFor(() => banned.closeCode(), 'banned dropped');
    expect(banned.closeCode()).toBe(1006); // terminated without a close frame
  });

  it('sends to ws targets only over an open connection', async () => {
    const { t, got } = makeTransports();
    const { port } = await wsServer(t);
    const msg = parse(request('OPTIONS'));
    expect(() => t.send(msg, { transport: 'ws', address: HOST, port: 5060 })).toThrow(/no open ws connection/);
    expect(() => t.send(msg, { transport: 'ws', address: HOST, port: 5060, connectionId: 'ws-99' })).toThrow(SipTransportError);
    const c = await wsClient(port);
    await c.send(request('OPTIONS', { via: WS_VIA }));
    const g = await waitFor(() => got[0], 'request');
    c.ws.close();
    await waitFor(() => t.connectionCount === 0, 'closed');
    expect(() => t.send(msg, g.source)).toThrow(SipTransportError);
  });

  it('closes WebSockets with 1001 on close()', async () => {
    const { t } = makeTransports();
    const { port } = await wsServer(t);
    const c = await wsClient(port);
    await waitFor(() => t.connectionCount === 1, 'accepted');
    await t.close();
    expect(t.connectionCount).toBe(0);
    await waitFor(() => c.closeCode(), 'close frame');
    expect(c.closeCode()).toBe(1001);
  });

  it('closes idle WebSockets', async () => {
    const { t } = makeTransports({ idleTimeoutMs: 50 });
    const { port } = await wsServer(t);
    const c = await wsClient(port);
    await waitFor(() => c.closeCode(), 'idle close');
    expect(t.connectionCount).toBe(0);
  });
});

describe('WebSocket with the transaction layer', () => {
  function uas(t: SipTransports, reply: number) {
    const layer = new TransactionLayer({
      clock: systemClock,
      send: t.sendFn,
      onRequest: (tx) => tx.reply(reply, { toTag: 'uas' }),
    });
    cleanups.push(() => layer.close());
    return layer;
  }

  it('completes a non-INVITE server transaction for a WebSocket client', async () => {
    let layer: TransactionLayer | undefined;
    const t = new SipTransports({ onMessage: (msg, source, reliable) => layer?.receive(msg, toTransportTarget(source), reliable) });
    cleanups.push(() => t.close());
    layer = uas(t, 200);
    const { port } = await wsServer(t);
    const c = await wsClient(port);
    await c.send(request('OPTIONS', { via: WS_VIA, branch: newBranch(), callId: 'tx-uas' }));
    await waitFor(() => c.frames[0], '200');
    const res = parse(c.frames[0]?.data ?? '') as SipResponse;
    expect([res.status, res.callId, res.to?.tag]).toEqual([200, 'tx-uas', 'uas']);
  });

  it('completes a non-INVITE client transaction sent to a WebSocket client', async () => {
    let layer: TransactionLayer | undefined;
    const got: Got[] = [];
    const t = new SipTransports({
      onMessage: (msg, source, reliable) => {
        got.push({ msg, source, reliable });
        layer?.receive(msg, toTransportTarget(source), reliable);
      },
    });
    cleanups.push(() => t.close());
    layer = new TransactionLayer({ clock: systemClock, send: t.sendFn });
    cleanups.push(() => layer?.close());
    const { port } = await wsServer(t);
    const c = await wsClient(port);
    // The browser answers every request 200 on its socket, as a registered softphone would.
    c.ws.on('message', (data) => {
      const r = parseMessage(data as Buffer);
      if (r.kind === 'message' && r.message.kind === 'request') void c.send(serialize(createResponse(r.message, 200, { toTag: 'ua' })));
    });
    // Learn the connection from a first request (the REGISTER, in real life).
    await c.send(request('REGISTER', { via: WS_VIA }));
    const reg = await waitFor(() => got[0], 'register');
    const req = parse(
      request('MESSAGE', { via: `SIP/2.0/WS ${HOST}:5060`, branch: newBranch(), body: 'hello', callId: 'tx-uac' }),
    ) as SipRequest;
    const responses: SipResponse[] = [];
    let terminated = false;
    layer.sendRequest(req, toTransportTarget(reg.source), true, {
      response: (res) => responses.push(res),
      terminated: () => (terminated = true),
    });
    const res = await waitFor(() => responses[0], '200 through the transaction');
    expect([res.status, res.callId, res.to?.tag]).toEqual([200, 'tx-uac', 'ua']);
    // Reliable transport: Timer K is zero (RFC 3261 §17.1.2.2), so the transaction ends at once.
    await waitFor(() => terminated, 'terminated');
  });
});

// ----------------------------------------------------------------------------------- pure

describe('names, targets and WebSocket parsing (pure)', () => {
  it('converts every transport to and from transaction-layer targets', () => {
    for (const [lower, upper] of [['tls', 'TLS'], ['ws', 'WS'], ['wss', 'WSS']] as const) {
      const e: SipEndpoint = { transport: lower, address: HOST, port: 1, connectionId: `${lower}-1` };
      expect(toTransportTarget(e)).toEqual({ transport: upper, host: HOST, port: 1, connection: `${lower}-1` });
      expect(fromTransportTarget(toTransportTarget(e))).toEqual(e);
    }
    expect(fromTransportTarget({ transport: 'wss', host: HOST, port: 2 }).transport).toBe('wss');
    expect(() => fromTransportTarget({ transport: 'SCTP', host: HOST, port: 1 })).toThrow(/unsupported/);
  });

  it('routes WebSocket responses to the connection only, TLS ones to 5061 by default', () => {
    const wsSrc: SipEndpoint = { transport: 'ws', address: '192.0.2.9', port: 53000, connectionId: 'ws-3' };
    const r = parse(request('REGISTER', { via: WS_VIA, branch: 'z9hG4bKw' })) as SipRequest;
    stampVia(r, wsSrc);
    expect(r.via?.[0]?.received).toBe('192.0.2.9');
    expect(responseTarget(r, wsSrc)).toEqual(wsSrc);
    const tlsSrc: SipEndpoint = { transport: 'tls', address: '192.0.2.9', port: 53001, connectionId: 'tls-4' };
    const r2 = parse(request('OPTIONS', { via: 'SIP/2.0/TLS h.example.com', branch: 'z9hG4bKt' })) as SipRequest;
    stampVia(r2, tlsSrc);
    expect(responseTarget(r2, tlsSrc)).toEqual({ transport: 'tls', address: '192.0.2.9', port: 5061, connectionId: 'tls-4' });
  });

  it('chooses the sip subprotocol only when offered', () => {
    expect(selectSipProtocol(new Set(['chat', 'sip']))).toBe('sip');
    expect(selectSipProtocol(['SIP', 'chat'])).toBe(false);
    expect(selectSipProtocol(new Set())).toBe(false);
  });

  it('parses one message per WebSocket message, checking Content-Length when present', () => {
    const limits = resolveLimits();
    const ok = parseWebSocketMessage(Buffer.from(request('MESSAGE', { body: 'abc', callId: 'a' })), limits);
    expect(ok.kind).toBe('message');
    const none = parseWebSocketMessage(Buffer.from(request('MESSAGE', { body: 'abc', contentLength: null })), limits);
    expect(none.kind === 'message' && none.message.body.toString()).toBe('abc');
    const extra = parseWebSocketMessage(Buffer.from(request('MESSAGE', { body: 'abcdef', contentLength: 3 })), limits);
    expect(extra.kind === 'error' && [extra.error.status, extra.error.code, extra.message?.kind]).toEqual([400, 'SIP_BAD_CONTENT_LENGTH', 'request']);
    const twoMessages = parseWebSocketMessage(Buffer.from(request('OPTIONS') + request('OPTIONS')), limits);
    expect(twoMessages.kind).toBe('error');
  });
});
