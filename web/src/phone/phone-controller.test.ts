import { describe, expect, it } from 'vitest';
import { PhoneController } from './phone-controller';
import { isWebRtcOffer } from './sdp';
import type { CallEvent, CallParty, ClientCall, ClientEvents, MediaOptions, PhoneClient } from './types';

const PLAIN_RTP = 'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 20000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n';
const WEBRTC =
  'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\na=fingerprint:sha-256 AA:BB\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:abcd\r\na=ice-pwd:efghijklmnopqrstuvwxyz\r\na=rtpmap:111 opus/48000/2\r\n';

class FakeCall implements ClientCall {
  readonly id: string;
  readonly log: string[] = [];
  serverId: string | null = "call-1";
  private readonly listeners = new Set<(e: CallEvent) => void>();
  constructor(
    readonly direction: 'incoming' | 'outgoing',
    readonly remote: CallParty,
    readonly offer: string | null,
  ) {
    this.id = `${direction}-${remote.number}`;
  }
  answer(media: MediaOptions) {
    this.log.push(`answer ${media.microphoneId ?? 'default'}`);
  }
  reject(status = 486) {
    this.log.push(`reject ${status}`);
  }
  hangup() {
    this.log.push('hangup');
  }
  setMuted(m: boolean) {
    this.log.push(`mute ${m}`);
  }
  setHeld(h: boolean) {
    this.log.push(`hold ${h}`);
    this.emit({ type: 'hold', held: h });
  }
  sendDtmf(t: string) {
    this.log.push(`dtmf ${t}`);
  }
  on(l: (e: CallEvent) => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  emit(e: CallEvent) {
    for (const l of this.listeners) l(e);
  }
}

class FakeClient implements PhoneClient {
  events: ClientEvents | null = null;
  stopped = false;
  placed: FakeCall[] = [];
  start(events: ClientEvents) {
    this.events = events;
  }
  stop() {
    this.stopped = true;
  }
  call(target: string) {
    const c = new FakeCall('outgoing', { number: target, name: null }, null);
    this.placed.push(c);
    return c;
  }
}

function setup() {
  const client = new FakeClient();
  const rings: string[] = [];
  const timers: Array<() => void> = [];
  let now = 1000;
  const phone = new PhoneController(client, {
    alerts: { start: (p) => rings.push(`start ${p.number}`), stop: () => rings.push('stop') },
    media: () => ({ microphoneId: 'mic-2' }),
    now: () => now,
    setTimeout: (fn) => timers.push(fn),
    clearTimeout: () => undefined,
  });
  phone.start();
  client.events!.registration('registered');
  return { client, phone, rings, timers, tick: (ms: number) => (now += ms) };
}

const ringing = (p: PhoneController) => p.getState().call?.status === 'ringing';

describe('PhoneController', () => {
  it('shows live registration', () => {
    const client = new FakeClient();
    const phone = new PhoneController(client, { alerts: { start() {}, stop() {} }, media: () => ({}) });
    const seen: string[] = [];
    phone.subscribe((s) => seen.push(s.registration));
    phone.start();
    client.events!.registration('registering');
    client.events!.registration('registered');
    client.events!.registration('connecting'); // the socket dropped
    client.events!.registration('registered'); // and came back by itself
    expect(seen).toEqual(['connecting', 'registering', 'registered', 'connecting', 'registered']);
    phone.stop();
    expect(client.stopped).toBe(true);
    expect(phone.getState().registration).toBe('stopped');
  });

  it('rings for an incoming call and stops when the caller cancels', () => {
    const { client, phone, rings, timers } = setup();
    const call = new FakeCall('incoming', { number: '1002', name: 'Bob' }, WEBRTC);
    client.events!.incoming(call);
    expect(ringing(phone)).toBe(true);
    expect(phone.getState().call?.remote).toEqual({ number: '1002', name: 'Bob' });
    expect(rings).toEqual(['start 1002']);
    call.emit({ type: 'failed', cause: 'Canceled' });
    expect(phone.getState().call?.status).toBe('ended');
    expect(phone.getState().notice).toBeNull();
    expect(rings.at(-1)).toBe('stop');
    timers.shift()!();
    expect(phone.getState().call).toBeNull();
  });

  it('answers a WebRTC offer with the chosen microphone, then mutes, holds, sends DTMF and hangs up', () => {
    const { client, phone, rings, tick } = setup();
    const call = new FakeCall('incoming', { number: '1002', name: null }, WEBRTC);
    client.events!.incoming(call);
    phone.answer();
    expect(call.log).toEqual(['answer mic-2']);
    expect(rings.at(-1)).toBe('stop');
    tick(500);
    call.emit({ type: 'accepted' });
    expect(phone.getState().call).toMatchObject({ status: 'active', answeredAt: 1500 });
    phone.toggleMute();
    expect(phone.getState().call?.muted).toBe(true);
    phone.toggleHold();
    expect(phone.getState().call?.held).toBe(true);
    phone.toggleHold();
    phone.dtmf('5');
    phone.dtmf('#');
    phone.dtmf('x'); // not a DTMF tone
    phone.hangup();
    expect(call.log).toEqual(['answer mic-2', 'mute true', 'hold true', 'hold false', 'dtmf 5', 'dtmf #', 'hangup']);
    expect(phone.getState().call?.status).toBe('ended');
  });

  it('refuses a plain RTP offer with 488 instead of failing inside the browser', () => {
    const { client, phone } = setup();
    const call = new FakeCall('incoming', { number: '1002', name: null }, PLAIN_RTP);
    client.events!.incoming(call);
    phone.answer();
    expect(call.log).toEqual(['reject 488']);
    expect(phone.getState()).toMatchObject({ notice: 'not-webrtc', call: { status: 'ended' } });
  });

  it('declines with 603 and refuses a second call with 486', () => {
    const { client, phone } = setup();
    const first = new FakeCall('incoming', { number: '1002', name: null }, WEBRTC);
    client.events!.incoming(first);
    const second = new FakeCall('incoming', { number: '1003', name: null }, WEBRTC);
    client.events!.incoming(second);
    expect(second.log).toEqual(['reject 486']);
    expect(phone.getState().call?.remote.number).toBe('1002');
    phone.reject();
    expect(first.log).toEqual(['reject 603']);
  });

  it('dials only when registered and idle, and tracks the outgoing call', () => {
    const { client, phone } = setup();
    expect(phone.dial('not a number')).toBe(false);
    expect(phone.dial(' 555-0123 ')).toBe(true);
    const call = client.placed[0]!;
    expect(call.remote.number).toBe('5550123');
    expect(phone.getState().call?.status).toBe('calling');
    expect(phone.dial('1003')).toBe(false); // one call at a time
    call.emit({ type: 'progress' });
    expect(phone.getState().call?.status).toBe('early');
    call.emit({ type: 'failed', cause: 'Busy' });
    expect(phone.getState()).toMatchObject({ notice: null, call: { status: 'ended', cause: 'Busy' } });
    expect(phone.dial('1003')).toBe(true);
    client.placed[1]!.emit({ type: 'failed', cause: 'Incompatible SDP' });
    expect(phone.getState().notice).toBe('call-failed');
  });

  it('does not dial while unregistered', () => {
    const { client, phone } = setup();
    client.events!.registration('connecting');
    expect(phone.dial('1003')).toBe(false);
  });
});

describe('isWebRtcOffer', () => {
  it('tells WebRTC offers from plain RTP', () => {
    expect(isWebRtcOffer(WEBRTC)).toBe(true);
    expect(isWebRtcOffer(PLAIN_RTP)).toBe(false);
    expect(isWebRtcOffer(null)).toBe(true);
  });
});
