import dgram from 'node:dgram';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../kit/index.js';
import {
  SipTransports,
  TransactionLayer,
  createResponse,
  fromTransportTarget,
  stampVia,
  newBranch,
  parseMessage,
  responseTarget,
  toTransportTarget,
  type SipEndpoint,
  type SipMessage,
  type SipRequest,
  type SipResponse,
  type SipTransportsOptions,
} from '../index.js';
import { HOST, parse, recordingTransports, requestText, useCleanups, waitFor } from './test-support.js';

const cleanups = useCleanups();
const makeTransports = (extra: Partial<SipTransportsOptions> = {}) => recordingTransports(cleanups, extra);
const request = requestText;

/** A raw UDP peer that records what it receives. */
async function udpPeer() {
  const sock = dgram.createSocket('udp4');
  const got: Array<{ data: Buffer; port: number }> = [];
  sock.on('message', (data, rinfo) => got.push({ data, port: rinfo.port }));
  await new Promise<void>((r) => sock.bind(0, HOST, () => r()));
  cleanups.push(() => new Promise<void>((r) => sock.close(() => r())));
  const port = sock.address().port;
  const send = (data: string | Buffer, to: number) => new Promise<void>((r, j) => sock.send(data, to, HOST, (e) => (e ? j(e) : r())));
  return { sock, got, port, send };
}

/** A raw TCP client that records what it receives. */
async function tcpPeer(port: number) {
  const sock = net.connect({ host: HOST, port });
  let received = Buffer.alloc(0);
  let closed = false;
  sock.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
  sock.on('close', () => (closed = true));
  sock.on('error', () => {});
  await new Promise<void>((r) => sock.once('connect', () => r()));
  cleanups.push(() => sock.destroy());
  return {
    sock,
    received: () => received.toString('latin1'),
    closed: () => closed,
    write: (d: string | Buffer) => new Promise<void>((r) => sock.write(d, () => r())),
  };
}

describe('UDP', () => {
  it('stamps received and rport on an inbound request (RFC 3261 §18.2.1, RFC 3581 §4)', async () => {
    const { t, got } = makeTransports();
    const addr = await t.listenUdp({ host: HOST, port: 0 });
    const peer = await udpPeer();
    await peer.send(request('OPTIONS'), addr.port);
    const g = await waitFor(() => got[0], 'message');
    expect(g.reliable).toBe(false);
    expect(g.source).toEqual({ transport: 'udp', address: HOST, port: peer.port });
    const via = g.msg.via?.[0];
    expect(via?.received).toBe(HOST);
    expect(via?.rport).toBe(peer.port);
    expect(g.msg.headers.get('via')).toMatch(new RegExp(`^SIP/2.0/UDP pc33.atlanta.example.com:5060;received=127.0.0.1;rport=${peer.port};branch=z9hG4bK`));
  });

  it('leaves the Via alone when the host matches and there is no rport', async () => {
    const { t, got } = makeTransports();
    const addr = await t.listenUdp({ host: HOST, port: 0 });
    const peer = await udpPeer();
    await peer.send(request('OPTIONS', { via: `SIP/2.0/UDP 127.0.0.1:${peer.port}` }), addr.port);
    const g = await waitFor(() => got[0], 'message');
    expect(g.msg.headers.get('via')).not.toContain('received');
    expect(g.msg.headers.get('via')).not.toContain('rport');
  });

  it('sends a response from the listening port to rport (symmetric, RFC 3581 §4)', async () => {
    const { t, got } = makeTransports();
    const addr = await t.listenUdp({ host: HOST, port: 0 });
    const peer = await udpPeer();
    await peer.send(request('OPTIONS'), addr.port);
    const g = await waitFor(() => got[0], 'message');
    const req = g.msg as SipRequest;
    const target = responseTarget(req, g.source);
    expect(target).toEqual({ transport: 'udp', address: HOST, port: peer.port });
    t.send(createResponse(req, 200, { toTag: 'abc' }), target);
    const r = await waitFor(() => peer.got[0], 'response');
    expect(r.port).toBe(addr.port);
    const res = parse(r.data) as SipResponse;
    expect(res.status).toBe(200);
    expect(res.via?.[0]?.rport).toBe(peer.port);
  });

  it('ignores keep-alives and garbage, then still handles the next valid message', async () => {
    const { t, got } = makeTransports();
    const addr = await t.listenUdp({ host: HOST, port: 0 });
    const peer = await udpPeer();
    await peer.send('\r\n\r\n', addr.port);
    await peer.send(Buffer.from([0, 255, 13, 10, 1, 2, 3]), addr.port);
    await peer.send('NOT SIP AT ALL', addr.port);
    await peer.send(request('OPTIONS', { callId: 'after-garbage' }), addr.port);
    const g = await waitFor(() => got[0], 'message');
    expect(g.msg.callId).toBe('after-garbage');
    expect(got).toHaveLength(1);
    expect(peer.got).toHaveLength(0); // nothing readable to answer
  });

  it('answers a malformed request whose head was readable with 400', async () => {
    const { t, got } = makeTransports();
    const addr = await t.listenUdp({ host: HOST, port: 0 });
    const peer = await udpPeer();
    // Content-Length larger than what arrived (RFC 4475 §3.1.2.2).
    await peer.send(request('OPTIONS', { contentLength: 50, callId: 'short-body' }), addr.port);
    const r = await waitFor(() => peer.got[0], '400');
    const res = parse(r.data) as SipResponse;
    expect(res.status).toBe(400);
    expect(res.callId).toBe('short-body');
    expect(got).toHaveLength(0);
  });

  it('answers an oversized datagram with 513', async () => {
    const { t } = makeTransports({ limits: { maxMessageBytes: 2048 } });
    const addr = await t.listenUdp({ host: HOST, port: 0 });
    const peer = await udpPeer();
    await peer.send(request('MESSAGE', { body: 'x'.repeat(4000), callId: 'big' }), addr.port);
    const r = await waitFor(() => peer.got[0], '513');
    const res = parse(r.data) as SipResponse;
    expect(res.status).toBe(513);
    expect(res.callId).toBe('big');
  });

  it('survives an onMessage that throws, and never answers a malformed ACK', async () => {
    let n = 0;
    const errors: string[] = [];
    const t = new SipTransports({
      onMessage: () => {
        n++;
        throw new Error('TU bug');
      },
      onError: (_e, context) => errors.push(context),
    });
    cleanups.push(() => t.close());
    const addr = await t.listenUdp({ host: HOST, port: 0 });
    const peer = await udpPeer();
    await peer.send(request('OPTIONS'), addr.port);
    await peer.send(request('ACK', { contentLength: 99 }), addr.port);
    await peer.send(request('OPTIONS'), addr.port);
    await waitFor(() => n === 2, 'two deliveries');
    expect(errors).toEqual(['onMessage', 'onMessage']);
    expect(peer.got).toHaveLength(0);
  });

  it('drops traffic the allow() hook refuses', async () => {
    let open = false;
    const asked: string[] = [];
    const { t, got } = makeTransports({ allow: (a) => (asked.push(a), open) });
    const addr = await t.listenUdp({ host: HOST, port: 0 });
    const peer = await udpPeer();
    await peer.send(request('OPTIONS', { callId: 'banned' }), addr.port);
    await waitFor(() => asked.length > 0, 'allow call');
    open = true;
    await peer.send(request('OPTIONS', { callId: 'allowed' }), addr.port);
    const g = await waitFor(() => got[0], 'message');
    expect(g.msg.callId).toBe('allowed');
    expect(got).toHaveLength(1);
    expect(asked[0]).toBe(HOST);
  });
});

describe('TCP', () => {
  it('frames messages split across chunks and several in one chunk', async () => {
    const { t, got } = makeTransports();
    const addr = await t.listenTcp({ host: HOST, port: 0 });
    const c = await tcpPeer(addr.port);
    const one = request('MESSAGE', { via: 'SIP/2.0/TCP client.example.com', body: 'hello', callId: 'm1' });
    await c.write(one.slice(0, 10));
    await new Promise((r) => setTimeout(r, 20));
    await c.write(one.slice(10, 100));
    await new Promise((r) => setTimeout(r, 20));
    await c.write(one.slice(100));
    await waitFor(() => got[0], 'first');
    await c.write(request('OPTIONS', { callId: 'm2' }) + request('OPTIONS', { callId: 'm3' }));
    await waitFor(() => got.length === 3, 'three messages');
    expect(got.map((g) => g.msg.callId)).toEqual(['m1', 'm2', 'm3']);
    expect(got[0]?.msg.body.toString()).toBe('hello');
    expect(got.every((g) => g.reliable && g.source.transport === 'tcp')).toBe(true);
    expect(got[0]?.source.connectionId).toBeDefined();
    expect(got[1]?.source.connectionId).toBe(got[0]?.source.connectionId);
    // Stamped: the sent-by host differs from the source; no rport param → none added.
    expect(got[0]?.msg.via?.[0]?.received).toBe(HOST);
    expect(got[0]?.msg.via?.[0]?.hasRport).toBe(false);
  });

  it('answers a CRLFCRLF ping with a CRLF pong (RFC 5626 §4.4.1)', async () => {
    const { t } = makeTransports();
    const addr = await t.listenTcp({ host: HOST, port: 0 });
    const c = await tcpPeer(addr.port);
    await c.write('\r\n\r\n');
    await waitFor(() => c.received() === '\r\n', 'pong');
    expect(c.closed()).toBe(false);
  });

  it('sends responses back on the connection the request came on (RFC 3261 §18.2.2)', async () => {
    const { t, got } = makeTransports();
    const addr = await t.listenTcp({ host: HOST, port: 0 });
    const c = await tcpPeer(addr.port);
    await c.write(request('OPTIONS', { via: 'SIP/2.0/TCP client.example.com:5099', callId: 'resp' }));
    const g = await waitFor(() => got[0], 'request');
    const target = responseTarget(g.msg as SipRequest, g.source);
    expect(target.connectionId).toBe(g.source.connectionId);
    t.send(createResponse(g.msg as SipRequest, 200, { toTag: 'x' }), target);
    await waitFor(() => c.received().startsWith('SIP/2.0 200 OK'), 'response');
    expect(t.connectionCount).toBe(1);
  });

  it('closes the connection on a framing error after answering 400, keeps serving others', async () => {
    const { t, got } = makeTransports();
    const addr = await t.listenTcp({ host: HOST, port: 0 });
    const bad = await tcpPeer(addr.port);
    // No Content-Length on a stream (RFC 3261 §18.3).
    await bad.write(request('OPTIONS', { callId: 'nocl' }).replace(/Content-Length: 0\r\n/, ''));
    await waitFor(() => bad.closed(), 'close');
    expect(bad.received()).toMatch(/^SIP\/2.0 400 /);
    const garbage = await tcpPeer(addr.port);
    await garbage.write('\x00\x01 garbage garbage\r\n\r\n');
    await waitFor(() => garbage.closed(), 'close after garbage');
    expect(garbage.received()).toBe('');
    const good = await tcpPeer(addr.port);
    await good.write(request('OPTIONS', { callId: 'good' }));
    const g = await waitFor(() => got[0], 'good');
    expect(g.msg.callId).toBe('good');
  });

  it('answers 513 to an oversized message and closes', async () => {
    const { t } = makeTransports({ limits: { maxMessageBytes: 1024 } });
    const addr = await t.listenTcp({ host: HOST, port: 0 });
    const c = await tcpPeer(addr.port);
    await c.write(request('MESSAGE', { contentLength: 5000 }));
    await waitFor(() => c.closed(), 'close');
    expect(c.received()).toMatch(/^SIP\/2.0 513 Message Too Large/);
  });

  it('reuses one outbound connection for sends to the same address', async () => {
    const server = makeTransports();
    const addr = await server.t.listenTcp({ host: HOST, port: 0 });
    const client = makeTransports();
    const target: SipEndpoint = { transport: 'tcp', address: HOST, port: addr.port };
    client.t.send(parse(request('OPTIONS', { callId: 'r1' })), target);
    client.t.send(parse(request('OPTIONS', { callId: 'r2' })), target);
    await waitFor(() => server.got.length === 2, 'two requests');
    client.t.send(parse(request('OPTIONS', { callId: 'r3' })), target);
    await waitFor(() => server.got.length === 3, 'three requests');
    expect(client.t.connectionCount).toBe(1);
    expect(server.t.connectionCount).toBe(1);
    expect(new Set(server.got.map((g) => g.source.connectionId)).size).toBe(1);
  });

  it('refuses connections over maxConnections', async () => {
    const { t } = makeTransports({ maxConnections: 1 });
    const addr = await t.listenTcp({ host: HOST, port: 0 });
    await tcpPeer(addr.port);
    await waitFor(() => t.connectionCount === 1, 'first');
    const second = await tcpPeer(addr.port);
    await waitFor(() => second.closed(), 'second refused');
    expect(t.connectionCount).toBe(1);
  });

  it('closes idle connections', async () => {
    const { t } = makeTransports({ idleTimeoutMs: 50 });
    const addr = await t.listenTcp({ host: HOST, port: 0 });
    const c = await tcpPeer(addr.port);
    await waitFor(() => c.closed(), 'idle close');
    expect(t.connectionCount).toBe(0);
  });

  it('closes a connection holding more than maxBufferedBytes', async () => {
    const { t } = makeTransports({ maxBufferedBytes: 64 });
    const addr = await t.listenTcp({ host: HOST, port: 0 });
    const c = await tcpPeer(addr.port);
    await c.write('OPTIONS sip:a@b SIP/2.0\r\n' + 'X-Pad: ' + 'p'.repeat(200));
    await waitFor(() => c.closed(), 'buffer close');
  });

  it('drops connections refused by allow()', async () => {
    const { t } = makeTransports({ allow: () => false });
    const addr = await t.listenTcp({ host: HOST, port: 0 });
    const c = await tcpPeer(addr.port);
    await waitFor(() => c.closed(), 'refused');
  });
});

describe('lifecycle', () => {
  it('close() is safe to repeat and send after close throws', async () => {
    const { t } = makeTransports();
    await t.listenUdp({ host: HOST, port: 0 });
    await t.listenTcp({ host: HOST, port: 0 });
    await t.close();
    await t.close();
    expect(() => t.send(parse(request('OPTIONS')), { transport: 'udp', address: HOST, port: 9 })).toThrow(/closed/);
  });

  it('throws a transport error for UDP sends when not listening', () => {
    const { t } = makeTransports();
    expect(() => t.send(parse(request('OPTIONS')), { transport: 'udp', address: HOST, port: 9 })).toThrow(/not listening/);
  });
});

describe('with the transaction layer', () => {
  it('runs a non-INVITE client transaction over loopback UDP to a UAS that answers 200', async () => {
    // UAS: a transaction layer on its own transports.
    let uasLayer: TransactionLayer | undefined;
    const uas = new SipTransports({
      onMessage: (msg, source, reliable) => uasLayer?.receive(msg, toTransportTarget(source), reliable),
    });
    cleanups.push(() => uas.close());
    uasLayer = new TransactionLayer({
      clock: systemClock,
      send: (msg, target, reliable) => uas.sendFn(msg, target, reliable),
      onRequest: (tx) => tx.reply(200, { toTag: 'uas1' }),
    });
    cleanups.push(() => uasLayer?.close());
    const uasAddr = await uas.listenUdp({ host: HOST, port: 0 });

    // UAC.
    let uacLayer: TransactionLayer | undefined;
    const uac = new SipTransports({
      onMessage: (msg, source, reliable) => uacLayer?.receive(msg, toTransportTarget(source), reliable),
    });
    cleanups.push(() => uac.close());
    uacLayer = new TransactionLayer({ clock: systemClock, send: uac.sendFn });
    cleanups.push(() => uacLayer?.close());
    const uacAddr = await uac.listenUdp({ host: HOST, port: 0 });

    const req = parse(
      request('OPTIONS', { via: `SIP/2.0/UDP ${HOST}:${uacAddr.port};rport`, branch: newBranch() }),
    ) as SipRequest;
    const responses: SipResponse[] = [];
    uacLayer.sendRequest(req, toTransportTarget({ transport: 'udp', address: HOST, port: uasAddr.port }), false, {
      response: (res) => responses.push(res),
    });
    const res = await waitFor(() => responses[0], '200 through the transaction');
    expect(res.status).toBe(200);
    expect(res.to?.tag).toBe('uas1');
    // The UAS stamped rport with our listening port (symmetric UDP).
    expect(res.via?.[0]?.rport).toBe(uacAddr.port);
  });
});

describe('stampVia / responseTarget (pure)', () => {
  const src: SipEndpoint = { transport: 'udp', address: '192.0.2.7', port: 40000 };
  const req = (via: string) => parse(request('OPTIONS', { via, branch: 'z9hG4bKx' })) as SipRequest;

  it('replaces a forged received, keeps the other Via values of the line', async () => {
    const r = parse(
      request('OPTIONS', { via: 'SIP/2.0/UDP h.example.com;received=10.0.0.1;rport;x="a;b"', branch: 'z9hG4bKx' }).replace(
        /(Via: [^\r]*)/,
        '$1, SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp',
      ),
    ) as SipRequest;
    expect(stampVia(r, src)).toBe(true);
    expect(r.headers.get('via')).toBe(
      'SIP/2.0/UDP h.example.com;received=192.0.2.7;rport=40000;x="a;b";branch=z9hG4bKx, SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp',
    );
    expect(r.via).toHaveLength(2);
  });

  it('routes UDP responses per RFC 3261 §18.2.2 and RFC 3581', async () => {
    const withRport = req('SIP/2.0/UDP h.example.com:5070;rport');
    stampVia(withRport, src);
    expect(responseTarget(withRport, src)).toEqual({ transport: 'udp', address: '192.0.2.7', port: 40000 });
    const noRport = req('SIP/2.0/UDP h.example.com:5070');
    stampVia(noRport, src);
    expect(responseTarget(noRport, src)).toEqual({ transport: 'udp', address: '192.0.2.7', port: 5070 });
    const sameHost = req('SIP/2.0/UDP 192.0.2.7');
    stampVia(sameHost, src);
    expect(responseTarget(sameHost, src)).toEqual({ transport: 'udp', address: '192.0.2.7', port: 5060 });
    const maddr = req('SIP/2.0/UDP h.example.com;maddr=239.255.255.1');
    expect(responseTarget(maddr, src)).toEqual({ transport: 'udp', address: '239.255.255.1', port: 5060 });
  });

  it('routes reliable responses to the connection, falling back to received + sent-by port', async () => {
    const tcpSrc: SipEndpoint = { transport: 'tcp', address: '192.0.2.7', port: 51000, connectionId: 'tcp-9' };
    const r = req('SIP/2.0/TCP h.example.com:5072');
    stampVia(r, tcpSrc);
    expect(responseTarget(r, tcpSrc)).toEqual({ transport: 'tcp', address: '192.0.2.7', port: 5072, connectionId: 'tcp-9' });
  });

  it('converts endpoints to and from transaction-layer targets', async () => {
    const e: SipEndpoint = { transport: 'tcp', address: HOST, port: 1, connectionId: 'tcp-1' };
    expect(toTransportTarget(e)).toEqual({ transport: 'TCP', host: HOST, port: 1, connection: 'tcp-1' });
    expect(fromTransportTarget(toTransportTarget(e))).toEqual(e);
    expect(() => fromTransportTarget({ transport: 'SCTP', host: HOST, port: 1 })).toThrow(/unsupported/);
  });
});
