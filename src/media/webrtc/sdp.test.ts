import { describe, expect, it } from 'vitest';
import { MediaError } from '../errors.js';
import { dropTrickle, fixTelephoneEvent, getSetup, parseFingerprints, restrictOffer, setSetup } from './sdp.js';

/** A Chromium 156 audio offer, as captured (candidates trimmed). */
const CHROME_OFFER =
  [  'v=0',
  'o=- 6963918481596399823 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS 26708e41-e8b8-4b16-98ab-ea6fcdc3408f',
  'm=audio 47871 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
  'c=IN IP4 192.0.2.2',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=candidate:2824855143 1 udp 2122194687 192.0.2.2 47871 typ host generation 0 network-id 1',
  'a=ice-ufrag:nPJR',
  'a=ice-pwd:kUPY3gvBmM14MO7uCLufJGN2',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 F3:88:BE:76:9D:9C:F2:C4:F9:71:69:CC:C6:40:2B:FD:1D:46:B0:6F:86:54:89:98:D9:17:C5:3F:AF:59:A7:77',
  'a=setup:actpass',
  'a=mid:0',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=sendrecv',
  'a=msid:26708e41-e8b8-4b16-98ab-ea6fcdc3408f 33ebad3e-c987-4226-a321-55aaa143402d',
  'a=rtcp-mux',
  'a=rtcp-rsize',
  'a=rtcp-xr:rcvr-rtt=all',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=fmtp:63 111/111',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:13 CN/8000',
  'a=rtpmap:110 telephone-event/48000',
  'a=rtpmap:126 telephone-event/8000',
  'a=ssrc:3473403378 cname:yvKRAzh6hwp957cz',
  'a=ssrc:3473403378 msid:26708e41-e8b8-4b16-98ab-ea6fcdc3408f 33ebad3e-c987-4226-a321-55aaa143402d',
].join('\r\n') + '\r\n';

const audioFormats = (sdp: string) => /^m=audio \S+ \S+ (.*)$/m.exec(sdp)![1]!.trim().split(' ');

describe('restrictOffer', () => {
  it('keeps PCMU and telephone-event/8000 only, with their attributes', () => {
    const { sdp, payloadTypes } = restrictOffer(CHROME_OFFER);
    expect(payloadTypes).toEqual({ pcmu: 0, telephoneEvent: 126 });
    expect(audioFormats(sdp)).toEqual(['0', '126']);
    expect(sdp).not.toMatch(/opus|red\/|G722|PCMA|CN\/|telephone-event\/48000|rtcp-fb:111|fmtp:111|fmtp:63/);
    expect(sdp).toContain('a=rtpmap:126 telephone-event/8000\r\n');
    expect(sdp).toContain('a=fingerprint:sha-256 F3:88');
    expect(sdp).toContain('a=ssrc:3473403378 cname:');
  });

  it('accepts a static PCMU without rtpmap and no telephone-event', () => {
    const offer = CHROME_OFFER.replace('a=rtpmap:0 PCMU/8000\r\n', '').replace(/^a=rtpmap:126 .*\r\n/m, '');
    expect(restrictOffer(offer).payloadTypes).toEqual({ pcmu: 0, telephoneEvent: undefined });
  });

  it('refuses an offer without PCMU or without audio', () => {
    const noPcmu = CHROME_OFFER.replace(/^(m=audio \S+ \S+) .*$/m, '$1 111 8 126');
    expect(() => restrictOffer(noPcmu)).toThrow(MediaError);
    expect(() => restrictOffer(noPcmu)).toThrow(/PCMU/);
    expect(() => restrictOffer('v=0\r\ns=-\r\n')).toThrow(/no audio/);
  });
});

describe('fixTelephoneEvent', () => {
  it('forces the 8 kHz event clock and reports the payload types', () => {
    const answer = 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0 110\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:110 telephone-event/48000\r\n';
    const { sdp, payloadTypes } = fixTelephoneEvent(answer);
    expect(sdp).toContain('a=rtpmap:110 telephone-event/8000\r\n');
    expect(payloadTypes).toEqual({ pcmu: 0, telephoneEvent: 110 });
  });
});

describe('setup, fingerprints, trickle', () => {
  it('rewrites a=setup and reads it back', () => {
    expect(getSetup(CHROME_OFFER)).toBe('actpass');
    expect(getSetup(setSetup(CHROME_OFFER, 'active'))).toBe('active');
  });
  it('parses fingerprints', () => {
    expect(parseFingerprints(CHROME_OFFER)).toEqual([{ algorithm: 'sha-256', value: expect.stringMatching(/^F3:88:BE:.*:77$/) }]);
  });
  it('drops ice-options:trickle', () => {
    expect(dropTrickle(CHROME_OFFER)).not.toContain('trickle');
  });
});
