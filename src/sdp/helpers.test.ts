import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  answerDirection,
  bumpSessionVersion,
  direction,
  fmtp,
  nextSessionVersion,
  parseSdp,
  ptime,
  remoteRtpEndpoint,
  rewriteConnection,
  rtcpAttribute,
  rtpmaps,
  serializeSdp,
  setDirection,
  type SessionDescription,
} from './index.js';

const load = (name: string): SessionDescription => {
  const r = parseSdp(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
  if (!r.ok) throw r.error;
  return r.sdp;
};
const sdpOf = (text: string): SessionDescription => {
  const r = parseSdp(text);
  if (!r.ok) throw r.error;
  return r.sdp;
};
const HEAD = 'v=0\r\no=- 10 20 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\n';

describe('typed attribute views', () => {
  it('rtpmap, fmtp, ptime (baresip)', () => {
    const m = load('baresip.sdp').media[0]!;
    expect(rtpmaps(m)).toEqual([
      { payloadType: 96, encoding: 'opus', clockRate: 48000, channels: 2 },
      { payloadType: 97, encoding: 'L16', clockRate: 48000, channels: 2 },
      { payloadType: 98, encoding: 'L16', clockRate: 16000 },
      { payloadType: 9, encoding: 'G722', clockRate: 8000 },
      { payloadType: 0, encoding: 'PCMU', clockRate: 8000 },
      { payloadType: 8, encoding: 'PCMA', clockRate: 8000 },
      { payloadType: 101, encoding: 'telephone-event', clockRate: 8000 },
    ]);
    expect(fmtp(m, 96)).toBe('stereo=1;sprop-stereo=1');
    expect(fmtp(m, '101')).toBe('0-15');
    expect(fmtp(m, 0)).toBeUndefined();
    expect(ptime(m)).toBe(20);
  });

  it('ptime falls back to the session level, and skips unreadable values', () => {
    const sdp = sdpOf(HEAD + 'a=ptime:30\r\nm=audio 4000 RTP/AVP 0\r\nm=audio 4002 RTP/AVP 0\r\na=ptime:abc\r\n');
    expect(ptime(sdp.media[0]!, sdp)).toBe(30);
    expect(ptime(sdp.media[0]!)).toBeUndefined();
    expect(ptime(sdp.media[1]!, sdp)).toBeUndefined();
  });

  it('a=rtcp with and without address (RFC 3605)', () => {
    expect(rtcpAttribute(load('linphone.sdp').media[0]!)).toEqual({ port: 7079 });
    expect(rtcpAttribute(load('microsip.sdp').media[0]!)).toEqual({ port: 4001, connection: { netType: 'IN', addrType: 'IP4', address: '192.168.1.50' } });
    expect(rtcpAttribute(load('baresip.sdp').media[0]!)).toBeUndefined();
  });
});

describe('direction (RFC 3264 §5.1)', () => {
  it('media level wins, then session level, then sendrecv', () => {
    const sdp = sdpOf(HEAD + 'a=sendonly\r\nm=audio 4000 RTP/AVP 0\r\nm=video 4002 RTP/AVP 96\r\na=inactive\r\n');
    expect(direction(sdp, 0)).toBe('sendonly');
    expect(direction(sdp, 1)).toBe('inactive');
    expect(direction(sdpOf(HEAD + 'm=audio 4000 RTP/AVP 0\r\n'), 0)).toBe('sendrecv');
    expect(direction(load('chrome.sdp'), 1)).toBe('recvonly');
    expect(direction(load('multicast-repeat.sdp'), 0)).toBe('recvonly');
  });

  it('setDirection replaces in place and does not touch the input', () => {
    const sdp = load('baresip.sdp');
    const held = setDirection(sdp, 0, 'sendonly');
    expect(direction(held, 0)).toBe('sendonly');
    expect(direction(sdp, 0)).toBe('sendrecv');
    const names = held.media[0]!.attributes.map((a) => a.name);
    expect(names.indexOf('sendonly')).toBe(sdp.media[0]!.attributes.map((a) => a.name).indexOf('sendrecv'));
    expect(names.filter((n) => n === 'sendrecv')).toEqual([]);
    const added = setDirection(sdpOf(HEAD + 'm=audio 4000 RTP/AVP 0\r\na=x\r\n'), 0, 'inactive');
    expect(added.media[0]!.attributes).toEqual([{ name: 'x' }, { name: 'inactive' }]);
  });

  it('answerDirection (RFC 3264 §6.1)', () => {
    expect(answerDirection('sendonly')).toBe('recvonly');
    expect(answerDirection('recvonly')).toBe('sendonly');
    expect(answerDirection('sendrecv')).toBe('sendrecv');
    expect(answerDirection('inactive')).toBe('inactive');
  });

  it('a bad index is a coded error', () => {
    expect(() => direction(load('baresip.sdp'), 3)).toThrow(expect.objectContaining({ code: 'SDP_NO_SUCH_MEDIA' }));
    expect(() => direction(load('baresip.sdp'), -1)).toThrow(expect.objectContaining({ code: 'SDP_NO_SUCH_MEDIA' }));
  });
});

describe('remoteRtpEndpoint', () => {
  it('session-level c=, RTCP on port + 1 (baresip)', () => {
    expect(remoteRtpEndpoint(load('baresip.sdp'), 0)).toEqual({
      address: '192.168.1.10',
      port: 10204,
      rtcpAddress: '192.168.1.10',
      rtcpPort: 10205,
      rtcpMux: false,
      rejected: false,
      hold: false,
      direction: 'sendrecv',
    });
  });

  it('media-level c= overrides session-level (RFC 8866 §5.7)', () => {
    const sdp = load('rfc8866-example.sdp');
    expect(remoteRtpEndpoint(sdp, 0)).toMatchObject({ address: '198.51.100.1', port: 49170 });
    expect(remoteRtpEndpoint(sdp, 2)).toMatchObject({ address: '2001:db8::2', port: 51372, rtcpPort: 51373 });
  });

  it('a=rtcp (RFC 3605) and rtcp-mux (RFC 5761)', () => {
    expect(remoteRtpEndpoint(load('microsip.sdp'), 0)).toMatchObject({ address: '192.168.1.50', port: 4000, rtcpPort: 4001, rtcpAddress: '192.168.1.50' });
    expect(remoteRtpEndpoint(load('linphone.sdp'), 1)).toMatchObject({ port: 9078, rtcpPort: 9079 });
    const mux = sdpOf(HEAD + 'c=IN IP4 10.0.0.2\r\nm=audio 5000 RTP/AVP 0\r\na=rtcp-mux\r\n');
    expect(remoteRtpEndpoint(mux, 0)).toMatchObject({ port: 5000, rtcpPort: 5000, rtcpMux: true });
    const other = sdpOf(HEAD + 'c=IN IP4 10.0.0.2\r\nm=audio 5000 RTP/AVP 0\r\na=rtcp:6001 IN IP4 10.0.0.3\r\n');
    expect(remoteRtpEndpoint(other, 0)).toMatchObject({ address: '10.0.0.2', rtcpAddress: '10.0.0.3', rtcpPort: 6001 });
  });

  it('port 0 is a rejected stream', () => {
    const sdp = sdpOf(HEAD + 'c=IN IP4 10.0.0.2\r\nm=audio 5000 RTP/AVP 0\r\nm=video 0 RTP/AVP 96\r\n');
    expect(remoteRtpEndpoint(sdp, 1)).toMatchObject({ rejected: true, port: 0 });
    expect(remoteRtpEndpoint(sdpOf(HEAD + 'm=video 0 RTP/AVP 96\r\n'), 0)).toMatchObject({ rejected: true, address: '' });
  });

  it('c=0.0.0.0 is an old-style hold (RFC 3264 §8.4)', () => {
    expect(remoteRtpEndpoint(load('gb28181-hold.sdp'), 0)).toMatchObject({ hold: true, direction: 'sendonly', port: 30000 });
    const held = sdpOf(HEAD + 'c=IN IP4 10.0.0.2\r\nm=audio 5000 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\n');
    expect(remoteRtpEndpoint(held, 0).hold).toBe(true);
  });

  it('a live stream without any c= is a coded error', () => {
    expect(() => remoteRtpEndpoint(sdpOf(HEAD + 'm=audio 5000 RTP/AVP 0\r\n'), 0)).toThrow(expect.objectContaining({ code: 'SDP_NO_CONNECTION' }));
    expect(() => remoteRtpEndpoint(load('baresip.sdp'), 1)).toThrow(expect.objectContaining({ code: 'SDP_NO_SUCH_MEDIA' }));
  });
});

describe('rewriteConnection', () => {
  it('anchors baresip on the relay and keeps everything else', () => {
    const sdp = load('baresip.sdp');
    const out = rewriteConnection(sdp, { address: '203.0.113.5', ports: [30000] });
    const text = serializeSdp(out);
    const original = serializeSdp(sdp);
    expect(text).toBe(original.replace('c=IN IP4 192.168.1.10', 'c=IN IP4 203.0.113.5').replace('m=audio 10204', 'm=audio 30000'));
    expect(remoteRtpEndpoint(out, 0)).toMatchObject({ address: '203.0.113.5', port: 30000, rtcpPort: 30001 });
    // the input is untouched
    expect(serializeSdp(sdp)).toBe(original);
  });

  it('rewrites media-level c= and a=rtcp, strips ICE candidates (Linphone, MicroSIP)', () => {
    const lin = rewriteConnection(load('linphone.sdp'), { address: '203.0.113.5', ports: [30000, 30002] });
    expect(lin.connection!.address).toBe('203.0.113.5');
    expect(lin.media.map((m) => m.port)).toEqual([30000, 30002]);
    expect(rtcpAttribute(lin.media[0]!)).toEqual({ port: 30001 });
    expect(rtcpAttribute(lin.media[1]!)).toEqual({ port: 30003 });
    const text = serializeSdp(lin);
    expect(text).not.toMatch(/candidate|ice-ufrag|ice-pwd|192\.168\.0\.21 7078/);
    expect(text).toContain('a=rtcp-xr:rcvr-rtt=all:10000');
    // ...unless told to keep ICE
    expect(serializeSdp(rewriteConnection(load('linphone.sdp'), { address: '203.0.113.5', ports: [30000, 30002], stripIce: false }))).toContain('a=candidate:1 1 UDP');

    const micro = rewriteConnection(load('microsip.sdp'), { address: '203.0.113.5', ports: [31000] });
    expect(micro.media[0]!.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '203.0.113.5' });
    expect(rtcpAttribute(micro.media[0]!)).toEqual({ port: 31001, connection: { netType: 'IN', addrType: 'IP4', address: '203.0.113.5' } });
    expect(micro.media[0]!.bandwidths).toEqual([{ type: 'AS', value: 64000 }, { type: 'TIAS', value: 64000 }]);
  });

  it('IPv6 relay address sets addrtype IP6', () => {
    const out = rewriteConnection(load('rfc8866-example.sdp'), { address: '2001:db8::99', ports: [40000, 40002, 40004] });
    expect(out.connection).toEqual({ netType: 'IN', addrType: 'IP6', address: '2001:db8::99' });
    expect(out.media[2]!.connection).toEqual({ netType: 'IN', addrType: 'IP6', address: '2001:db8::99' });
  });

  it('keeps rejected streams at port 0 and holds at 0.0.0.0', () => {
    const sdp = sdpOf(HEAD + 'c=IN IP4 10.0.0.2\r\nm=audio 5000 RTP/AVP 0\r\nm=video 0 RTP/AVP 96\r\nm=audio 5004 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\na=rtcp:5005\r\n');
    const out = rewriteConnection(sdp, { address: '203.0.113.5', ports: [30000] .concat([0, 30004]) });
    expect(out.media.map((m) => m.port)).toEqual([30000, 0, 30004]);
    expect(remoteRtpEndpoint(out, 2)).toMatchObject({ hold: true, port: 30004 });
    expect(out.media[2]!.attributes).toEqual([{ name: 'rtcp', value: '5005' }]);
    expect(remoteRtpEndpoint(out, 0)).toMatchObject({ hold: false, address: '203.0.113.5' });
    // the session-level hold of GB28181 stays a hold
    expect(remoteRtpEndpoint(rewriteConnection(load('gb28181-hold.sdp'), { address: '203.0.113.5', ports: [30000] }), 0).hold).toBe(true);
  });

  it('adds a media-level c= when the description had none', () => {
    const out = rewriteConnection(sdpOf(HEAD + 'm=audio 5000 RTP/AVP 0\r\n'), { address: '203.0.113.5', ports: [30000] });
    expect(out.media[0]!.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '203.0.113.5' });
  });

  it('refuses a bad address or a missing port', () => {
    const sdp = load('linphone.sdp');
    expect(() => rewriteConnection(sdp, { address: 'relay.example.com', ports: [1, 2] })).toThrow(expect.objectContaining({ code: 'SDP_BAD_ARGUMENT' }));
    expect(() => rewriteConnection(sdp, { address: '203.0.113.5', ports: [30000] })).toThrow(expect.objectContaining({ code: 'SDP_BAD_ARGUMENT' }));
    expect(() => rewriteConnection(sdp, { address: '203.0.113.5', ports: [30000, 70000] })).toThrow(expect.objectContaining({ code: 'SDP_BAD_ARGUMENT' }));
  });
});

describe('session version (RFC 3264 §8)', () => {
  it('increments by one, at any width', () => {
    expect(nextSessionVersion('0')).toBe('1');
    expect(nextSessionVersion(41n)).toBe('42');
    expect(nextSessionVersion(7)).toBe('8');
    expect(nextSessionVersion('18446744073709551615')).toBe('18446744073709551616');
    expect(() => nextSessionVersion('abc')).toThrow(expect.objectContaining({ code: 'SDP_BAD_ARGUMENT' }));
    expect(() => nextSessionVersion(-1)).toThrow(expect.objectContaining({ code: 'SDP_BAD_ARGUMENT' }));
  });

  it('bumpSessionVersion sets previous + 1 and keeps sess-id and the rest', () => {
    const sdp = load('chrome.sdp');
    const out = bumpSessionVersion(sdp, '2');
    expect(out.origin).toEqual({ ...sdp.origin, sessVersion: '3' });
    expect(sdp.origin.sessVersion).toBe('2');
    // a B2BUA's chain of offers on one leg: each one the next version
    let last = '5';
    let offer = sdp;
    for (let i = 0; i < 3; i++) {
      offer = bumpSessionVersion(rewriteConnection(offer, { address: '203.0.113.5', ports: [30000, 30000] }), last);
      last = offer.origin.sessVersion;
    }
    expect(last).toBe('8');
  });
});
