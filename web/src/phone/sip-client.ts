/**
 * The `PhoneClient` made of JsSIP (the only module that knows it): one UA registered over the
 * same-origin WebSocket. The upgrade carries the session cookie, so the server knows the seat and
 * asks for no password (none is configured here). JsSIP reconnects a dropped socket by itself and
 * re-registers on reconnect; a failed registration is retried here.
 */
import { UA, WebSocketInterface } from 'jssip';
import type { RTCSession, DTMFOptions } from 'jssip/lib/RTCSession';
import type { RTCSessionEvent } from 'jssip/lib/UA';
import type { CallEvent, ClientCall, ClientEvents, MediaOptions, PhoneClient } from './types';

export interface SipClientConfig {
  /** ws(s)://host/sip */
  webSocketUrl: string;
  /** The seat's AOR, sip:1001@domain */
  uri: string;
  displayName: string;
  iceServers: RTCIceServer[];
  /** Where the far end is heard (its setSinkId picks the speaker). */
  audio: HTMLAudioElement;
  /** RFC 5626 §4.1 +sip.instance: a re-register from this tab replaces its own binding. */
  instanceId: string;
}

const RETRY_MIN_MS = 3000;
const RETRY_MAX_MS = 60_000;
/** RFC 4733 events through RTCDTMFSender; JsSIP's constant is an ambient enum, so named by value. */
const RFC4733 = 'RFC2833' as NonNullable<DTMFOptions['transportType']>;

function audioConstraints(media: MediaOptions): MediaStreamConstraints {
  return { audio: media.microphoneId ? { deviceId: { exact: media.microphoneId } } : true, video: false };
}

/** The user part of the remote URI, or the whole URI when there is none. */
function remoteParty(session: RTCSession): { number: string; name: string | null } {
  const id = session.remote_identity;
  return { number: id?.uri?.user ?? String(id?.uri ?? ''), name: id?.display_name || null };
}

class JsSipCall implements ClientCall {
  readonly id: string;
  readonly direction: 'incoming' | 'outgoing';
  readonly remote: { number: string; name: string | null };
  private readonly listeners = new Set<(e: CallEvent) => void>();
  private done = false;

  constructor(
    private readonly session: RTCSession,
    readonly offer: string | null,
    private readonly config: SipClientConfig,
    serverId: string | null = null,
  ) {
    this.serverId = serverId;
    this.id = session.id;
    this.direction = session.direction === 'incoming' ? 'incoming' : 'outgoing';
    this.remote = remoteParty(session);
    session.on('peerconnection', (e) => this.hear(e.peerconnection));
    session.on('progress', (e: { response?: { getHeader(name: string): string | undefined } }) => {
      this.noteServerId(e.response);
      this.emit({ type: 'progress' });
    });
    session.on('accepted', (e: { response?: { getHeader(name: string): string | undefined } }) => {
      this.noteServerId(e.response);
      this.emit({ type: 'accepted' });
    });
    session.on('hold', () => this.emit({ type: 'hold', held: true }));
    session.on('unhold', () => this.emit({ type: 'hold', held: false }));
    session.on('ended', (e) => this.end({ type: 'ended', cause: String(e.cause) }));
    session.on('failed', (e) => this.end({ type: 'failed', cause: String(e.cause) }));
  }

  serverId: string | null = null;

  private noteServerId(msg: { getHeader(name: string): string | undefined } | undefined): void {
    const id = msg?.getHeader?.('X-Hotline-Call-Id');
    if (id) this.serverId = id;
  }

  /** Attach the far end's audio to the element (the connection exists from answer/dial on). */
  hear(pc: RTCPeerConnection): void {
    pc.addEventListener('track', (e) => {
      const stream = e.streams[0] ?? new MediaStream([e.track]);
      this.config.audio.srcObject = stream;
      void this.config.audio.play().catch(() => undefined);
    });
  }

  answer(media: MediaOptions): void {
    this.session.answer({ mediaConstraints: audioConstraints(media), pcConfig: { iceServers: this.config.iceServers } });
  }

  reject(status = 486): void {
    if (!this.session.isEnded()) this.session.terminate({ status_code: status });
  }

  hangup(): void {
    if (!this.session.isEnded()) this.session.terminate();
  }

  setMuted(muted: boolean): void {
    if (muted) this.session.mute({ audio: true });
    else this.session.unmute({ audio: true });
  }

  setHeld(held: boolean): void {
    if (held) this.session.hold();
    else this.session.unhold();
  }

  sendDtmf(tone: string): void {
    this.session.sendDTMF(tone, { transportType: RFC4733, duration: 160, interToneGap: 70 });
  }

  on(listener: (e: CallEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private end(e: CallEvent): void {
    if (this.done) return;
    this.done = true;
    this.config.audio.srcObject = null;
    this.emit(e);
  }

  private emit(e: CallEvent): void {
    for (const l of this.listeners) l(e);
  }
}

export class JsSipClient implements PhoneClient {
  private ua: UA | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private connected = false;

  constructor(private readonly config: SipClientConfig) {}

  start(events: ClientEvents): void {
    if (this.ua) return;
    const socket = new WebSocketInterface(this.config.webSocketUrl);
    const ua = new UA({
      sockets: [socket],
      uri: this.config.uri,
      display_name: this.config.displayName,
      register: true,
      register_expires: 300,
      instance_id: this.config.instanceId,
      session_timers: false,
      user_agent: 'Hotline web phone',
      connection_recovery_min_interval: 2,
      connection_recovery_max_interval: 30,
    });
    this.ua = ua;
    ua.on('connecting', () => events.registration('connecting'));
    ua.on('connected', () => {
      this.connected = true;
      events.registration('registering');
    });
    ua.on('disconnected', () => {
      this.connected = false;
      this.clearRetry();
      events.registration('connecting');
    });
    ua.on('registered', () => {
      this.failures = 0;
      this.clearRetry();
      events.registration('registered');
    });
    ua.on('unregistered', () => {
      if (ua === this.ua) events.registration(this.connected ? 'registering' : 'connecting');
    });
    ua.on('registrationFailed', () => {
      events.registration('failed');
      this.scheduleRetry();
    });
    ua.on('newRTCSession', (e: RTCSessionEvent) => {
      if (e.originator !== 'remote') return;
      const body = e.request.body;
      events.incoming(new JsSipCall(e.session, typeof body === 'string' && body ? body : null, this.config, e.request.getHeader('X-Hotline-Call-Id') ?? null));
    });
    ua.start();
  }

  stop(): void {
    this.clearRetry();
    const ua = this.ua;
    this.ua = null;
    ua?.stop();
  }

  call(target: string, media: MediaOptions): ClientCall {
    const ua = this.ua;
    if (!ua) throw new Error('phone is not started');
    const domain = this.config.uri.replace(/^sips?:[^@]*@/, '');
    const uri = /^sips?:/.test(target) ? target : `sip:${target}@${domain}`;
    let call: JsSipCall | null = null;
    const pending: RTCPeerConnection[] = [];
    const session = ua.call(uri, {
      mediaConstraints: audioConstraints(media),
      pcConfig: { iceServers: this.config.iceServers },
      // The peer connection is made inside ua.call, before the call object exists.
      eventHandlers: { peerconnection: (e: { peerconnection: RTCPeerConnection }) => (call ? call.hear(e.peerconnection) : pending.push(e.peerconnection)) },
    });
    call = new JsSipCall(session, null, this.config);
    for (const pc of pending) call.hear(pc);
    return call;
  }

  /** JsSIP does not retry a refused REGISTER: try again with backoff while the socket is up. */
  private scheduleRetry(): void {
    this.clearRetry();
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** this.failures);
    this.failures += 1;
    this.retry = setTimeout(() => {
      this.retry = null;
      if (this.ua && this.connected) this.ua.register();
    }, delay);
  }

  private clearRetry(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }
}
