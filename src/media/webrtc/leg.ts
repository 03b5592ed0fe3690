/**
 * One browser's WebRTC media (ICE + DTLS-SRTP, RFC 8827/8834) terminated with werift, exposed at
 * RTP level so the engine can bridge PCMU and telephone-event payloads to plain RTP legs.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import {
  MediaStreamTrack,
  ProtectionProfileAes128CmHmacSha1_80,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  type RTCRtpTransceiver,
  type RtpPacket,
} from 'werift';
import { MediaError } from '../errors.js';
import { verifyDtlsPeer, type DtlsClientLike } from './dtls-peer.js';
import { dropTrickle, fixTelephoneEvent, getSetup, parseFingerprints, restrictOffer, setSetup, type Fingerprint, type NegotiatedPayloadTypes } from './sdp.js';
import { isRtcp, srtcpAuthentic, srtpAuthentic, type SrtpContextLike } from './srtp-auth.js';
import { installSafeUdpBind } from './udp-bind.js';

export interface IceServer {
  /** One `stun:host[:port]` or `turn:host[:port][?transport=udp|tcp]` URL. */
  urls: string;
  username?: string;
  credential?: string;
}

export interface WebRtcLegOptions {
  /** IP to bind ICE host candidates on (the only host candidate offered). */
  host: string;
  /** Inclusive UDP port range for the ICE sockets. */
  portRange?: [number, number];
  /** At most one STUN and one TURN server (werift's limit). None by default: no outside queries. */
  iceServers?: IceServer[];
  /** Give up when ICE+DTLS has not connected this long after negotiation; default 30 s. */
  connectTimeoutMs?: number;
  /**
   * Fail a connected leg when nothing authentic (SRTP, SRTCP) has come from the browser for this
   * long; default 30 s, the consent expiry of RFC 7675 §5.1. werift alone never notices: its
   * consent check stops at the first missed response and leaves ICE `disconnected` for good.
   */
  mediaTimeoutMs?: number;
  /** Never throws into the leg. */
  onEvent?: (e: WebRtcLegEvent) => void;
}

export type WebRtcLegEvent =
  | { type: 'connected'; selectedPair: SelectedPair | undefined }
  | { type: 'failed'; reason: string }
  | { type: 'closed'; by: 'local' | 'peer' };

export type WebRtcLegState = 'new' | 'connecting' | 'connected' | 'failed' | 'closed';

export interface RtpIn {
  payloadType: number;
  sequence: number;
  timestamp: number;
  marker: boolean;
  ssrc: number;
  payload: Buffer;
}

export type RtpOut = Omit<RtpIn, 'ssrc'>;

export interface CandidateInfo {
  address: string;
  port: number;
  type: string;
}

export interface SelectedPair {
  local: CandidateInfo;
  remote: CandidateInfo;
}

export interface WebRtcLegStats {
  state: WebRtcLegState;
  iceState: string;
  dtlsState: string;
  selectedPair: SelectedPair | undefined;
  payloadTypes: NegotiatedPayloadTypes | undefined;
  /** RTP handed to onRtp, and its payload bytes. */
  packetsIn: number;
  bytesIn: number;
  /** RTP given to werift to encrypt and send, and its payload bytes. */
  packetsOut: number;
  bytesOut: number;
  rtcpIn: number;
  /** Datagrams and packets dropped before they reach onRtp, or sends refused. */
  dropped: {
    /** Non-STUN datagrams from an address other than the selected pair's remote. */
    stranger: number;
    /** Not STUN, DTLS or RTP/RTCP by the first byte (RFC 7983), or malformed RTP. */
    invalid: number;
    /** SRTP/SRTCP before the DTLS keys exist. */
    beforeKeys: number;
    /** SRTP with a wrong authentication tag (RFC 3711 §3.3 step 5). */
    srtpAuth: number;
    srtcpAuth: number;
    /** Authentic RTP with a payload type that was not negotiated. */
    payloadType: number;
    /** RTP received before the peer was authenticated. */
    unverified: number;
    /** sendRtp calls while not connected. */
    unsent: number;
  };
}

/** Fields of werift internals the leg reaches into (not in werift's public types). */
interface IceConnectionLike {
  nominated?: {
    protocol: { localCandidate?: { host: string; port: number; type: string } };
    remoteCandidate: { host: string; port: number; type: string };
  };
  protocols: { type?: string; datagramReceived(data: Buffer, addr: [string, number]): void }[];
  onData: { execute: (data: Buffer) => void };
  stunServer: unknown;
  state?: string;
}

interface DtlsTransportLike {
  state: string;
  role: string;
  srtpProfiles: number[];
  srtpStarted: boolean;
  srtp?: { remoteContext: SrtpContextLike };
  dtls?: DtlsClientLike & { srtp?: { srtpProfile?: number } };
  iceTransport: { connection: IceConnectionLike; state: string };
  onStateChange: { subscribe(cb: (s: string) => void): unknown };
  onRtp: { subscribe(cb: (p: RtpPacket) => void): unknown };
  onRtcp: { subscribe(cb: (p: unknown) => void): unknown };
  sendRtp(payload: Buffer, header: RtpHeader): Promise<number>;
}

const PCMU = () => new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 });
const TELEPHONE_EVENT = () =>
  new RTCRtpCodecParameters({ mimeType: 'audio/telephone-event', clockRate: 8000, channels: 1, payloadType: 101, parameters: '0-16' });

/**
 * werift reads only `host:port` after the scheme (no IPv6 literal, no query), so URLs are
 * normalised to that with the default port (RFC 7064/7065: 3478); `?transport=tcp` becomes
 * werift's forceTurnTCP.
 */
function normaliseIceServers(servers: IceServer[]): { iceServers: IceServer[]; forceTurnTCP: boolean } {
  let forceTurnTCP = false;
  const iceServers = servers.map((s) => {
    const m = /^(stun|turn):([^:?[\]]+)(?::(\d+))?(?:\?transport=(udp|tcp))?$/.exec(s.urls);
    if (!m) throw new MediaError('MEDIA_BAD_REQUEST', `unsupported ICE server URL ${s.urls} (stun: or turn: with a host name or IPv4 address)`);
    if (m[1] === 'turn' && (!s.username || !s.credential)) throw new MediaError('MEDIA_BAD_REQUEST', `TURN server ${s.urls} needs a username and credential`);
    if (m[1] === 'turn' && m[4] === 'tcp') forceTurnTCP = true;
    return { ...s, urls: `${m[1]}:${m[2]}:${m[3] ?? '3478'}` };
  });
  if (iceServers.filter((s) => s.urls.startsWith('stun:')).length > 1 || iceServers.filter((s) => s.urls.startsWith('turn:')).length > 1) {
    throw new MediaError('MEDIA_BAD_REQUEST', 'werift uses one STUN and one TURN server: give at most one of each');
  }
  return { iceServers, forceTurnTCP };
}

export class WebRtcLeg {
  private readonly transceiver: RTCRtpTransceiver;
  private state: WebRtcLegState = 'new';
  private fingerprints: Fingerprint[] = [];
  private payloadTypes: NegotiatedPayloadTypes | undefined;
  private verified = false;
  private armed = false;
  private rtpHandler: ((p: RtpIn) => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private lastHeard = 0;
  private closing: Promise<void> | undefined;
  private readonly counters = { packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0, rtcpIn: 0 };
  private readonly dropped: WebRtcLegStats['dropped'] = {
    stranger: 0,
    invalid: 0,
    beforeKeys: 0,
    srtpAuth: 0,
    srtcpAuth: 0,
    payloadType: 0,
    unverified: 0,
    unsent: 0,
  };

  private constructor(
    private readonly pc: RTCPeerConnection,
    private readonly opts: WebRtcLegOptions,
  ) {
    this.transceiver = pc.addTransceiver(new MediaStreamTrack({ kind: 'audio' }), { direction: 'sendrecv' });
    const dtls = this.dtls();
    // Only AES_CM_128_HMAC_SHA1_80 (RFC 5764 §4.1.2): it is the profile whose tags srtp-auth.ts checks.
    dtls.srtpProfiles = [ProtectionProfileAes128CmHmacSha1_80];
    const hasStun = (opts.iceServers ?? []).some((s) => s.urls.startsWith('stun:'));
    // werift falls back to a public STUN server when none is configured; a PBX must not call out.
    if (!hasStun) for (const t of pc.iceTransports) (t.connection as unknown as IceConnectionLike).stunServer = undefined;
    pc.connectionStateChange.subscribe((s) => {
      if (s === 'failed') this.fail('ICE or DTLS failed');
    });
    pc.iceConnectionStateChange.subscribe((s) => {
      if (s === 'failed') this.fail('ICE failed: no candidate pair works');
    });
  }

  static async create(opts: WebRtcLegOptions): Promise<WebRtcLeg> {
    const family = isIP(opts.host ?? '');
    if (family === 0 || opts.host === '0.0.0.0' || opts.host === '::') {
      throw new MediaError('MEDIA_BAD_REQUEST', `host must be a local unicast IP address: ${String(opts.host)}`);
    }
    const local = Object.values(networkInterfaces()).flatMap((l) => l ?? []).some((i) => i.address === opts.host);
    if (!local) throw new MediaError('MEDIA_BAD_REQUEST', `host ${opts.host} is not an address of this machine`);
    const range = opts.portRange;
    if (range && !(Number.isInteger(range[0]) && Number.isInteger(range[1]) && range[0] >= 1 && range[0] < range[1] && range[1] <= 65535)) {
      throw new MediaError('MEDIA_BAD_REQUEST', `bad port range ${range[0]}-${range[1]} (werift needs min < max)`);
    }
    const { iceServers, forceTurnTCP } = normaliseIceServers(opts.iceServers ?? []);
    installSafeUdpBind();
    const pc = new RTCPeerConnection({
      codecs: { audio: [PCMU(), TELEPHONE_EVENT()], video: [] },
      headerExtensions: { audio: [], video: [] },
      iceServers,
      forceTurnTCP,
      icePortRange: range,
      // Only `host`: werift otherwise offers every interface's address.
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: [opts.host],
      iceInterfaceAddresses: family === 4 ? { udp4: opts.host } : { udp6: opts.host },
      bundlePolicy: 'max-bundle',
    });
    return new WebRtcLeg(pc, opts);
  }

  /** Hotline offers: a complete SDP (all candidates, no trickle) with PCMU and telephone-event/8000. */
  async createOffer(): Promise<string> {
    this.assertState('new');
    try {
      const offer = await this.pc.createOffer();
      await this.pc.setLocalDescription(offer); // werift resolves after gathering has completed
    } catch (e) {
      throw this.negotiationError(e);
    }
    this.assertCandidates();
    // RFC 5763 §5 wants actpass, but only as the DTLS client can Hotline check the browser's
    // certificate (dtls-peer.ts); RFC 4145 allows `active` in an offer and browsers accept it.
    const { sdp } = fixTelephoneEvent(setSetup(dropTrickle(this.pc.localDescription!.sdp), 'active'));
    return sdp;
  }

  /** The browser's answer to createOffer. */
  async setAnswer(sdp: string): Promise<void> {
    this.assertState('new');
    if (getSetup(sdp) === 'active') throw this.fail('the answer takes the DTLS client role that was offered as active');
    let fixed: ReturnType<typeof fixTelephoneEvent>;
    try {
      fixed = fixTelephoneEvent(sdp);
    } catch (e) {
      throw this.fail((e as Error).message);
    }
    this.payloadTypes = fixed.payloadTypes;
    this.fingerprints = parseFingerprints(sdp);
    try {
      await this.pc.setRemoteDescription({ type: 'answer', sdp: fixed.sdp });
    } catch (e) {
      throw this.negotiationError(e);
    }
    this.arm();
  }

  /** The browser offers (an agent dials out): answer with PCMU and telephone-event/8000 only. */
  async answer(offerSdp: string): Promise<string> {
    this.assertState('new');
    if (getSetup(offerSdp) === 'active') throw this.fail('the offer insists on the DTLS client role');
    let restricted: ReturnType<typeof restrictOffer>;
    try {
      restricted = restrictOffer(offerSdp);
    } catch (e) {
      throw this.fail((e as Error).message);
    }
    this.fingerprints = parseFingerprints(offerSdp);
    let sdp: string;
    try {
      await this.pc.setRemoteDescription({ type: 'offer', sdp: restricted.sdp });
      const answer = await this.pc.createAnswer();
      // Answering actpass with active (RFC 5763 §5) makes Hotline the DTLS client.
      await this.pc.setLocalDescription({ type: 'answer', sdp: setSetup(answer.sdp, 'active') });
      sdp = this.pc.localDescription!.sdp;
    } catch (e) {
      throw this.negotiationError(e);
    }
    this.assertCandidates();
    const fixed = fixTelephoneEvent(setSetup(dropTrickle(sdp), 'active'));
    this.payloadTypes = fixed.payloadTypes;
    this.arm();
    return fixed.sdp;
  }

  /** The payload types in the final SDP, once negotiated. */
  get negotiated(): NegotiatedPayloadTypes | undefined {
    return this.payloadTypes;
  }

  get connectionState(): WebRtcLegState {
    return this.state;
  }

  /** Authentic RTP with a negotiated payload type (PCMU or telephone-event), decrypted. */
  onRtp(cb: (pkt: RtpIn) => void): void {
    this.rtpHandler = cb;
  }

  /** Encrypt and send one RTP packet with the leg's own SSRC. Dropped (counted) until connected. */
  sendRtp(pkt: RtpOut): void {
    if (this.state !== 'connected') {
      this.dropped.unsent++;
      return;
    }
    const header = new RtpHeader({
      payloadType: pkt.payloadType,
      sequenceNumber: pkt.sequence & 0xffff,
      timestamp: pkt.timestamp >>> 0,
      marker: pkt.marker,
      ssrc: this.transceiver.sender.ssrc,
    });
    this.counters.packetsOut++;
    this.counters.bytesOut += pkt.payload.length;
    // Straight to the DTLS transport: werift's RTCRtpSender rewrites every payload type to the
    // first codec, which would turn telephone-event into PCMU.
    this.dtls()
      .sendRtp(pkt.payload, header)
      .catch(() => {
        this.dropped.unsent++;
      });
  }

  stats(): WebRtcLegStats {
    const dtls = this.dtls();
    return {
      state: this.state,
      iceState: this.pc.iceConnectionState,
      dtlsState: dtls.state,
      selectedPair: this.selectedPair(),
      payloadTypes: this.payloadTypes,
      ...this.counters,
      dropped: { ...this.dropped },
    };
  }

  /** Stops ICE, DTLS and the sockets; safe to repeat. */
  close(): Promise<void> {
    if (this.state !== 'closed') {
      this.state = 'closed';
      this.emit({ type: 'closed', by: 'local' });
    }
    return this.teardown();
  }

  /** Releases werift's sockets and timers once. */
  private teardown(): Promise<void> {
    this.closing ??= (async () => {
      clearTimeout(this.timer);
      clearInterval(this.watchdog);
      this.rtpHandler = undefined;
      await this.pc.close().catch(() => undefined);
    })();
    return this.closing;
  }

  private dtls(): DtlsTransportLike {
    return this.transceiver.dtlsTransport as unknown as DtlsTransportLike;
  }

  private selectedPair(): SelectedPair | undefined {
    const n = this.dtls().iceTransport.connection.nominated;
    const l = n?.protocol.localCandidate;
    if (!n || !l) return undefined;
    const r = n.remoteCandidate;
    return { local: { address: l.host, port: l.port, type: l.type }, remote: { address: r.host, port: r.port, type: r.type } };
  }

  private assertState(want: WebRtcLegState) {
    if (this.state !== want || this.armed) throw new MediaError('MEDIA_BAD_REQUEST', `the leg is ${this.armed ? 'already negotiated' : this.state}`);
  }

  /** Gathering swallows bind errors; with no socket there is nothing to offer. */
  private assertCandidates(): void {
    if (!/^a=candidate:/m.test(this.pc.localDescription?.sdp ?? '')) {
      throw this.fail(`no ICE candidate: cannot bind a UDP port on ${this.opts.host}${this.opts.portRange ? ` in ${this.opts.portRange.join('-')}` : ''}`);
    }
  }

  private negotiationError(e: unknown): MediaError {
    if (e instanceof MediaError) return e;
    return this.fail(`negotiation failed: ${(e as Error)?.message ?? String(e)}`);
  }

  /** Hooks into werift once the description is applied, before any media can arrive. */
  private arm(): void {
    this.armed = true;
    this.state = 'connecting';
    const dtls = this.dtls();
    dtls.role = 'client';
    const connection = dtls.iceTransport.connection;
    this.guardSources(connection);
    this.guardDatagrams(connection, dtls);
    dtls.onStateChange.subscribe((s) => {
      if (s === 'connected') this.onDtlsConnected();
      else if (s === 'failed') this.fail('DTLS handshake failed');
      else if (s === 'closed' && this.state === 'connected') this.peerClosed();
    });
    dtls.onRtp.subscribe((p) => this.receive(p));
    dtls.onRtcp.subscribe(() => {
      this.counters.rtcpIn++;
    });
    const ms = this.opts.connectTimeoutMs ?? 30_000;
    this.timer = setTimeout(() => {
      if (this.state === 'connecting') this.fail(`not connected after ${ms} ms`);
    }, ms);
    this.timer.unref?.();
  }

  /**
   * Non-STUN datagrams are taken only from the selected pair's remote address. werift accepts
   * them from anyone, so a stranger could otherwise inject DTLS records (an alert closes the
   * session). STUN still goes through: ICE checks and consent (RFC 7675) need it.
   */
  private guardSources(connection: IceConnectionLike): void {
    for (const p of connection.protocols) {
      if (p.type !== 'stun') continue; // TURN data arrives from the relay, already bound to the peer
      const original = p.datagramReceived.bind(p);
      p.datagramReceived = (data: Buffer, addr: [string, number]) => {
        if (data.length > 0 && data[0]! > 3) {
          const r = connection.nominated?.remoteCandidate;
          if (!r || r.host !== addr[0] || r.port !== addr[1]) {
            this.dropped.stranger++;
            return;
          }
        }
        original(data, addr);
      };
    }
  }

  /** Demultiplexes by first byte (RFC 7983) and checks SRTP tags before werift decrypts. */
  private guardDatagrams(connection: IceConnectionLike, dtls: DtlsTransportLike): void {
    const original = connection.onData.execute;
    connection.onData.execute = (data: Buffer) => {
      const b = data[0];
      if (b === undefined) {
        this.dropped.invalid++;
        return;
      }
      if (b >= 20 && b <= 63) return original(data); // DTLS
      if (b < 128 || b > 191) {
        this.dropped.invalid++;
        return;
      }
      const ctx = dtls.srtpStarted ? dtls.srtp?.remoteContext : undefined;
      if (!ctx) {
        this.dropped.beforeKeys++;
        return;
      }
      if (isRtcp(data)) {
        if (!srtcpAuthentic(ctx, data)) {
          this.dropped.srtcpAuth++;
          return;
        }
      } else if (!srtpAuthentic(ctx, data)) {
        this.dropped.srtpAuth++;
        return;
      }
      this.lastHeard = Date.now();
      original(data);
    };
  }

  private onDtlsConnected(): void {
    if (this.state !== 'connecting') return;
    const dtls = this.dtls();
    const profile = dtls.dtls?.srtp?.srtpProfile;
    const problem = !dtls.dtls
      ? 'DTLS connected without a session'
      : profile !== ProtectionProfileAes128CmHmacSha1_80
        ? `unexpected SRTP profile ${String(profile)}`
        : verifyDtlsPeer(dtls.dtls, this.fingerprints);
    if (problem) {
      this.fail(problem);
      return;
    }
    this.verified = true;
    this.state = 'connected';
    clearTimeout(this.timer);
    const quiet = this.opts.mediaTimeoutMs ?? 30_000;
    this.lastHeard = Date.now();
    this.watchdog = setInterval(() => {
      if (this.state === 'connected' && Date.now() - this.lastHeard > quiet) this.fail(`nothing heard from the browser for ${quiet} ms`);
    }, Math.min(1000, quiet / 4));
    this.watchdog.unref?.();
    this.emit({ type: 'connected', selectedPair: this.selectedPair() });
  }

  private receive(p: RtpPacket): void {
    if (!this.verified || this.state !== 'connected') {
      this.dropped.unverified++;
      return;
    }
    const pt = p.header.payloadType;
    if (pt !== this.payloadTypes?.pcmu && pt !== this.payloadTypes?.telephoneEvent) {
      this.dropped.payloadType++;
      return;
    }
    this.counters.packetsIn++;
    this.counters.bytesIn += p.payload.length;
    this.rtpHandler?.({
      payloadType: pt,
      sequence: p.header.sequenceNumber,
      timestamp: p.header.timestamp,
      marker: p.header.marker,
      ssrc: p.header.ssrc,
      payload: p.payload,
    });
  }

  private peerClosed(): void {
    this.state = 'closed';
    this.emit({ type: 'closed', by: 'peer' });
    void this.teardown();
  }

  /** Moves to `failed` (once), tells onEvent, releases the sockets; returns a coded error. */
  private fail(reason: string): MediaError {
    const error = new MediaError('MEDIA_WEBRTC_FAILED', reason);
    if (this.state === 'failed' || this.state === 'closed') return error;
    this.state = 'failed';
    this.verified = false;
    this.emit({ type: 'failed', reason });
    void this.teardown();
    return error;
  }

  private emit(e: WebRtcLegEvent): void {
    try {
      this.opts.onEvent?.(e);
    } catch {
      // onEvent must not break the leg.
    }
  }
}
