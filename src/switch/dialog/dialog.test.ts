import { describe, expect, it } from 'vitest';
import { parseMessage, type SipRequest, type SipResponse } from '../../sip/index.js';
import { Dialog, firstContactUri, newCallId, newTag, type Flow } from './dialog.js';

function parse<T extends SipRequest | SipResponse>(text: string): T {
  const r = parseMessage(text.split('\n').join('\r\n'));
  if (r.kind !== 'message') throw new Error('bad test message');
  return r.message as T;
}

const invite = parse<SipRequest>(`INVITE sip:1002@10.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc
Max-Forwards: 70
From: "Alice" <sip:1001@demo.test>;tag=alice1
To: <sip:1002@demo.test>
Call-ID: call-xyz
CSeq: 7 INVITE
Contact: <sip:1001@192.0.2.1:5060;transport=udp>
Record-Route: <sip:p1.example;lr>, <sip:p2.example;lr>
Content-Length: 0

`);
const flow: Flow = { transport: 'udp', address: '192.0.2.1', port: 5060 };
const local = { sentBy: '10.0.0.1:5060', contact: 'sip:10.0.0.1:5060' };

describe('Dialog', () => {
  it('UAS side: identifiers, remote target, route set and sequence numbers from the INVITE', () => {
    const d = Dialog.asUas(invite, 'ours', flow, local);
    expect(d.callId).toBe('call-xyz');
    expect(d.localTag).toBe('ours');
    expect(d.remoteTag).toBe('alice1');
    expect(d.localUri).toBe('<sip:1002@demo.test>;tag=ours');
    expect(d.remoteUri).toBe('"Alice" <sip:1001@demo.test>;tag=alice1');
    expect(d.remoteTarget).toBe('sip:1001@192.0.2.1:5060;transport=udp');
    expect(d.routeSet).toEqual(['<sip:p1.example;lr>, <sip:p2.example;lr>']);
    expect(d.remoteSeq).toBe(7);
  });

  it('builds in-dialog requests with rising CSeq, fresh branches, Route and no Contact on BYE', () => {
    const d = Dialog.asUas(invite, 'ours', flow, local);
    const bye = d.request('BYE');
    const reinvite = d.request('INVITE', { body: 'v=0\r\n' });
    expect(bye.method).toBe('BYE');
    expect(bye.uri).toBe('sip:1001@192.0.2.1:5060;transport=udp');
    expect(bye.cseq).toEqual({ seq: 1, method: 'BYE' });
    expect(reinvite.cseq).toEqual({ seq: 2, method: 'INVITE' });
    expect(bye.from?.tag).toBe('ours');
    expect(bye.to?.tag).toBe('alice1');
    expect(bye.callId).toBe('call-xyz');
    expect(bye.headers.has('contact')).toBe(false);
    expect(reinvite.headers.get('contact')).toBe('<sip:10.0.0.1:5060>');
    expect(reinvite.headers.get('content-type')).toBe('application/sdp');
    expect(bye.via![0]!.params.get('branch')).not.toBe(reinvite.via![0]!.params.get('branch'));
    expect(bye.via![0]!.params.get('branch')).toMatch(/^z9hG4bK/);
    expect(bye.headers.get('route')).toBe('<sip:p1.example;lr>, <sip:p2.example;lr>');
  });

  it('UAC side: from our INVITE and its 2xx, route set reversed, next CSeq after the INVITE', () => {
    const ok = parse<SipResponse>(`SIP/2.0 200 OK
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc
From: "Alice" <sip:1001@demo.test>;tag=alice1
To: <sip:1002@demo.test>;tag=bob9
Call-ID: call-xyz
CSeq: 7 INVITE
Contact: <sip:1002@192.0.2.2:5070>
Record-Route: <sip:p1.example;lr>
Record-Route: <sip:p2.example;lr>
Content-Length: 0

`);
    const d = Dialog.asUac(invite, ok, flow, local);
    expect(d.localTag).toBe('alice1');
    expect(d.remoteTag).toBe('bob9');
    expect(d.remoteTarget).toBe('sip:1002@192.0.2.2:5070');
    expect(d.routeSet).toEqual(['<sip:p2.example;lr>', '<sip:p1.example;lr>']);
    expect(d.remoteSeq).toBeNull();
    expect(d.request('BYE').cseq?.seq).toBe(8);
    const ack = d.ack(7);
    expect(ack.method).toBe('ACK');
    expect(ack.cseq).toEqual({ seq: 7, method: 'ACK' });
    expect(ack.headers.has('contact')).toBe(false);
    expect(firstContactUri(ok)).toBe('sip:1002@192.0.2.2:5070');
  });

  it('matches requests from the peer by Call-ID and both tags', () => {
    const d = Dialog.asUas(invite, 'ours', flow, local);
    const bye = (fromTag: string, toTag: string, callId = 'call-xyz', cseq = 8) =>
      parse<SipRequest>(`BYE sip:x@10.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK${Math.random().toString(36).slice(2)}
From: <sip:1001@demo.test>;tag=${fromTag}
To: <sip:1002@demo.test>;tag=${toTag}
Call-ID: ${callId}
CSeq: ${cseq} BYE
Content-Length: 0

`);
    expect(d.matches(bye('alice1', 'ours'))).toBe(true);
    expect(d.matches(bye('alice2', 'ours'))).toBe(false);
    expect(d.matches(bye('alice1', 'theirs'))).toBe(false);
    expect(d.matches(bye('alice1', 'ours', 'other'))).toBe(false);
  });

  it('refuses a remote CSeq that does not rise (§12.2.2), except for ACK and CANCEL', () => {
    const d = Dialog.asUas(invite, 'ours', flow, local);
    const req = (method: string, seq: number) =>
      parse<SipRequest>(`${method} sip:x@10.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKq${seq}${method}
From: <sip:1001@demo.test>;tag=alice1
To: <sip:1002@demo.test>;tag=ours
Call-ID: call-xyz
CSeq: ${seq} ${method}
Content-Length: 0

`);
    expect(d.acceptRemoteSeq(req('ACK', 7))).toBe(true);
    expect(d.acceptRemoteSeq(req('INVITE', 7))).toBe(false);
    expect(d.acceptRemoteSeq(req('INVITE', 8))).toBe(true);
    expect(d.acceptRemoteSeq(req('BYE', 8))).toBe(false);
    expect(d.acceptRemoteSeq(req('BYE', 20))).toBe(true);
    expect(d.acceptRemoteSeq(req('UPDATE', 9))).toBe(false);
    expect(d.remoteSeq).toBe(20);
  });

  it('uses the flow transport in Via', () => {
    const d = Dialog.asUas(invite, 'ours', { transport: 'tcp', address: '192.0.2.1', port: 40000, connectionId: 'c1' }, { sentBy: '10.0.0.1:5060', contact: 'sip:10.0.0.1:5060;transport=tcp' });
    expect(d.request('BYE').headers.get('via')).toMatch(/^SIP\/2\.0\/TCP 10\.0\.0\.1:5060;branch=z9hG4bK/);
  });

  it('makes random tags and Call-IDs', () => {
    expect(newTag()).toMatch(/^[0-9a-f]{12}$/);
    expect(newTag()).not.toBe(newTag());
    expect(newCallId('10.0.0.1')).toMatch(/^[A-Za-z0-9_-]{16}@10\.0\.0\.1$/);
  });
});
