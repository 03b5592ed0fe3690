import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SdpError, parseSdp, serializeSdp, type SessionDescription } from './index.js';

const dir = new URL('./fixtures/', import.meta.url);
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.sdp'))
  .map((f) => ({ name: f, text: readFileSync(new URL(f, dir), 'utf8') }));
const fixture = (name: string) => fixtures.find((f) => f.name === name)!.text;

function parsed(text: string | Uint8Array): SessionDescription {
  const r = parseSdp(text);
  if (!r.ok) throw r.error;
  return r.sdp;
}

function failure(text: string): SdpError {
  const r = parseSdp(text);
  if (r.ok) throw new Error('expected a parse failure');
  return r.error;
}

describe('round trip on real-world descriptions', () => {
  it('has the fixtures', () => expect(fixtures.length).toBeGreaterThanOrEqual(7));

  for (const { name, text } of fixtures) {
    it(`${name}: serialize(parse(x)) is x byte for byte`, () => {
      expect(text.includes('\r\n')).toBe(true);
      expect(serializeSdp(parsed(text))).toBe(text);
    });
    it(`${name}: LF-only and Buffer input parse to the same structure`, () => {
      const sdp = parsed(text);
      expect(parsed(text.replace(/\r\n/g, '\n'))).toEqual(sdp);
      expect(parsed(Buffer.from(text))).toEqual(sdp);
    });
  }
});

describe('parse', () => {
  it('reads baresip: origin, connection, media, attributes in order', () => {
    const sdp = parsed(fixture('baresip.sdp'));
    expect(sdp.origin).toEqual({
      username: '-',
      sessId: '1247735441',
      sessVersion: '2186958519',
      netType: 'IN',
      addrType: 'IP4',
      address: '192.168.1.10',
    });
    expect(sdp.sessionName).toBe('-');
    expect(sdp.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '192.168.1.10' });
    expect(sdp.timings).toEqual([{ start: '0', stop: '0', repeats: [] }]);
    expect(sdp.media).toHaveLength(1);
    const m = sdp.media[0]!;
    expect(m).toMatchObject({ type: 'audio', port: 10204, proto: 'RTP/AVP', formats: ['96', '97', '98', '9', '0', '8', '101'] });
    expect(m.bandwidths).toEqual([{ type: 'AS', value: 203 }]);
    expect(m.attributes[0]).toEqual({ name: 'rtpmap', value: '96 opus/48000/2' });
    expect(m.attributes.map((a) => a.name).slice(-5)).toEqual(['sendrecv', 'label', 'ssrc', 'rtcp-rsize', 'ptime']);
    expect(m.attributes.find((a) => a.name === 'sendrecv')).toEqual({ name: 'sendrecv' });
  });

  it('keeps sess-id wider than 2^53 exactly (Chrome)', () => {
    const sdp = parsed(fixture('chrome.sdp'));
    expect(sdp.origin.sessId).toBe('4611731400430051336');
    expect(sdp.media.map((m) => m.type)).toEqual(['audio', 'video']);
    expect(sdp.attributes[2]).toEqual({ name: 'msid-semantic', value: ' WMS 9bd5c9e0-6e8e-4c3c-9a3e-1f0a9b1c2d3e' });
  });

  it('reads every session-level field of RFC 8866 §5 (multicast, repeat, zone, key, numPorts)', () => {
    const sdp = parsed(fixture('multicast-repeat.sdp'));
    expect(sdp.info).toBe('A Seminar on the session description protocol');
    expect(sdp.uri).toBe('http://www.example.com/seminars/sdp.pdf');
    expect(sdp.emails).toEqual(['mjh@isi.edu (Mark Handley)']);
    expect(sdp.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '224.2.17.12', ttl: 127 });
    expect(sdp.timings).toEqual([{ start: '2873397496', stop: '2873404696', repeats: ['7d 1h 0 25h'] }]);
    expect(sdp.zone).toBe('2882844526 -1h 2898848070 0');
    expect(sdp.key).toBe('prompt');
    expect(sdp.media[0]).toMatchObject({ port: 49170, numPorts: 2 });
    expect(sdp.media[1]!.connection).toEqual({ netType: 'IN', addrType: 'IP6', address: 'FF15::101', count: 3 });
    expect(sdp.media[1]!.bandwidths).toEqual([{ type: 'CT', value: 128 }]);
  });

  it('keeps lines of unknown type (GB28181 y= and f=) in their section', () => {
    const sdp = parsed(fixture('gb28181-hold.sdp'));
    expect(sdp.media[0]!.extra).toEqual([
      { type: 'y', value: '0100000001' },
      { type: 'f', value: 'v/////a/1/8/1' },
    ]);
    expect(sdp.extra).toEqual([]);
  });

  it('is lenient: blank lines, trailing spaces, missing s= and t=, session lines out of order', () => {
    const sdp = parsed('v=0\n\no=- 1 2 IN IP4 10.0.0.1  \nc=IN IP4 10.0.0.1\na=tool:x\nm=audio 4000 RTP/AVP 0 \n\n');
    expect(sdp.sessionName).toBe('-');
    expect(sdp.timings).toEqual([{ start: '0', stop: '0', repeats: [] }]);
    expect(sdp.media[0]!.formats).toEqual(['0']);
    expect(serializeSdp(sdp)).toBe('v=0\r\no=- 1 2 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\na=tool:x\r\nm=audio 4000 RTP/AVP 0\r\n');
  });

  it('keeps "s= " (the RFC 8866 §5.3 empty name)', () => {
    const sdp = parsed('v=0\r\no=- 1 2 IN IP4 10.0.0.1\r\ns= \r\nt=0 0\r\n');
    expect(sdp.sessionName).toBe(' ');
    expect(serializeSdp(sdp)).toContain('\r\ns= \r\n');
  });

  it('accepts an m= line without formats (some stacks send it for a rejected stream)', () => {
    const sdp = parsed('v=0\r\no=- 1 2 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 0 RTP/AVP\r\n');
    expect(sdp.media[0]).toMatchObject({ port: 0, formats: [] });
  });

  it.each([
    ['empty', '', 'SDP_MALFORMED'],
    ['not SDP at all', 'hello world', 'SDP_MALFORMED'],
    ['HTML', '<html><body>no</body></html>', 'SDP_MALFORMED'],
    ['a SIP message', 'INVITE sip:a@b SIP/2.0\r\nVia: x\r\n', 'SDP_MALFORMED'],
    ['o= before v=', 'o=- 1 2 IN IP4 1.2.3.4\r\nv=0\r\n', 'SDP_MALFORMED'],
    ['v=1', 'v=1\r\no=- 1 2 IN IP4 1.2.3.4\r\n', 'SDP_UNSUPPORTED_VERSION'],
    ['no o=', 'v=0\r\ns=-\r\nt=0 0\r\n', 'SDP_MALFORMED'],
    ['two o=', 'v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\no=- 1 2 IN IP4 1.2.3.4\r\n', 'SDP_MALFORMED'],
    ['short o=', 'v=0\r\no=- 1 2 IN IP4\r\n', 'SDP_MALFORMED'],
    ['non-numeric sess-version', 'v=0\r\no=- 1 x2 IN IP4 1.2.3.4\r\n', 'SDP_MALFORMED'],
    ['bad c=', 'v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\nc=IN IP4\r\n', 'SDP_MALFORMED'],
    ['bad c= suffix', 'v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\nc=IN IP4 224.0.0.1/x\r\n', 'SDP_MALFORMED'],
    ['bad m= port', 'v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\nm=audio port RTP/AVP 0\r\n', 'SDP_MALFORMED'],
    ['m= port > 65535', 'v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\nm=audio 70000 RTP/AVP 0\r\n', 'SDP_MALFORMED'],
    ['short m=', 'v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\nm=audio 4000\r\n', 'SDP_MALFORMED'],
    ['bad b=', 'v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\nb=AS\r\n', 'SDP_MALFORMED'],
    ['bad t=', 'v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\nt=now\r\n', 'SDP_MALFORMED'],
    ['a line without =', 'v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\nrandom\r\n', 'SDP_MALFORMED'],
  ])('refuses %s with a coded SdpError', (_what, text, code) => {
    const e = failure(text);
    expect(e).toBeInstanceOf(SdpError);
    expect(e.code).toBe(code);
  });

  it('says which line is wrong', () => {
    const e = failure('v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nm=audio x RTP/AVP 0\r\n');
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/^line 4: /);
    expect(e.kind).toBe('invalid');
  });

  it('enforces limits', () => {
    const many = 'v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\n' + 'm=audio 4000 RTP/AVP 0\r\n'.repeat(65);
    expect(failure(many).code).toBe('SDP_TOO_LARGE');
    expect(parseSdp('v=0\r\n' + 'a=x\r\n'.repeat(20), { maxLength: 50 })).toMatchObject({ ok: false, error: { code: 'SDP_TOO_LARGE', kind: 'too_large' } });
    expect(parseSdp('v=0\r\n' + 'a=x\r\n'.repeat(3000))).toMatchObject({ ok: false, error: { code: 'SDP_TOO_LARGE' } });
  });
});

describe('serialize', () => {
  it('writes lines in RFC 8866 order and CRLF only, whatever order they came in', () => {
    const sdp = parsed('v=0\na=x\nt=0 0\nc=IN IP4 1.2.3.4\ns=n\no=- 1 2 IN IP4 1.2.3.4\nm=audio 1 RTP/AVP 0\na=y\nc=IN IP4 5.6.7.8\n');
    expect(serializeSdp(sdp)).toBe('v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=n\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\na=x\r\nm=audio 1 RTP/AVP 0\r\nc=IN IP4 5.6.7.8\r\na=y\r\n');
  });

  it('refuses values that would inject lines', () => {
    const sdp = parsed(fixture('baresip.sdp'));
    sdp.media[0]!.attributes.push({ name: 'x', value: 'y\r\nc=IN IP4 6.6.6.6' });
    expect(() => serializeSdp(sdp)).toThrow(expect.objectContaining({ code: 'SDP_BAD_ARGUMENT' }));
  });

  it('round-trips an edited structure', () => {
    const sdp = parsed(fixture('microsip.sdp'));
    sdp.media[0]!.attributes = sdp.media[0]!.attributes.filter((a) => a.name !== 'ssrc');
    sdp.media[0]!.formats = ['0', '101'];
    const again = parsed(serializeSdp(sdp));
    expect(again).toEqual(sdp);
  });
});
