/**
 * The browser phone's state: registration, the one call, and what the user may do with it. It
 * drives a `PhoneClient` (JsSIP in the app, a fake in tests) and the ringing alerts, and knows
 * nothing of React.
 */
import { isDialable, isWebRtcOffer, normalizeDialString } from './sdp';
import type { CallEvent, CallParty, ClientCall, MediaOptions, PhoneClient, RegistrationState } from './types';

export type CallStatus = 'ringing' | 'calling' | 'early' | 'active' | 'ended';

export interface CallView {
  id: string;
  direction: 'incoming' | 'outgoing';
  remote: CallParty;
  status: CallStatus;
  muted: boolean;
  held: boolean;
  /** Epoch ms. */
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  /** Why it ended (JsSIP cause names, e.g. "Canceled", "Busy"). */
  cause: string | null;
  /** Hotline's id of the call, for the calls API (null until the server said it). */
  serverId: string | null;
}

/**
 * `not-webrtc`: the server offered media the browser cannot take (plain RTP), refused with 488.
 * `busy`: a second call arrived during a call and was refused.
 */
export type PhoneNotice = 'not-webrtc' | 'call-failed' | 'busy' | null;

export interface PhoneState {
  registration: RegistrationState;
  call: CallView | null;
  notice: PhoneNotice;
}

/** What rings: the tone, the title, a desktop notification. */
export interface RingAlerts {
  start(caller: CallParty): void;
  stop(): void;
}

export interface PhoneControllerDeps {
  alerts: RingAlerts;
  /** The devices chosen now (read at each answer and dial). */
  media(): MediaOptions;
  now?(): number;
  setTimeout?(fn: () => void, ms: number): unknown;
  clearTimeout?(handle: unknown): void;
}

/** A caller giving up, a callee declining or not answering: normal ends, not errors to report. */
const QUIET_CAUSES = new Set(['Canceled', 'Rejected', 'Busy', 'Terminated', 'No Answer', 'Expires', 'Unavailable', 'Not Found']);

/** How long an ended call stays on screen. */
export const ENDED_VISIBLE_MS = 3000;

export class PhoneController {
  private state: PhoneState = { registration: 'stopped', call: null, notice: null };
  private readonly listeners = new Set<(s: PhoneState) => void>();
  private current: ClientCall | null = null;
  private offCall: (() => void) | null = null;
  private clearTimer: unknown = null;
  private started = false;
  private readonly now: () => number;
  private readonly later: (fn: () => void, ms: number) => unknown;
  private readonly cancel: (handle: unknown) => void;

  constructor(
    private readonly client: PhoneClient,
    private readonly deps: PhoneControllerDeps,
  ) {
    this.now = deps.now ?? (() => Date.now());
    this.later = deps.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
    this.cancel = deps.clearTimeout ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  getState = (): PhoneState => this.state;

  subscribe = (listener: (s: PhoneState) => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  start(): void {
    if (this.started) return;
    this.started = true;
    this.set({ registration: 'connecting' });
    this.client.start({
      registration: (registration) => {
        if (this.started) this.set({ registration });
      },
      incoming: (call) => this.onIncoming(call),
    });
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    if (this.current) this.current.hangup();
    this.detach();
    this.deps.alerts.stop();
    this.client.stop();
    this.set({ registration: 'stopped', call: null });
  }

  /** Call a number typed or picked by the user. Returns false when it cannot be dialled now. */
  dial(input: string): boolean {
    if (this.current || this.state.registration !== 'registered' || !isDialable(input)) return false;
    const call = this.client.call(normalizeDialString(input), this.deps.media());
    this.attach(call, 'calling');
    return true;
  }

  answer(): void {
    const call = this.current;
    if (!call || this.state.call?.status !== 'ringing') return;
    this.deps.alerts.stop();
    if (!isWebRtcOffer(call.offer)) {
      // RFC 3261 §21.4.26: the offer's media is not acceptable here.
      call.reject(488);
      this.finish('Incompatible SDP', 'not-webrtc');
      return;
    }
    call.answer(this.deps.media());
  }

  reject(): void {
    const call = this.current;
    if (!call || this.state.call?.status !== 'ringing') return;
    // 603 Decline (RFC 3261 §21.6.2): the user does not want this call, not "busy".
    call.reject(603);
    this.finish('Rejected', null);
  }

  hangup(): void {
    const call = this.current;
    if (!call) return;
    if (this.state.call?.status === 'ringing') return this.reject();
    call.hangup();
    this.finish('Terminated', null);
  }

  toggleMute(): void {
    const view = this.state.call;
    if (!this.current || view?.status !== 'active') return;
    this.current.setMuted(!view.muted);
    this.patchCall({ muted: !view.muted });
  }

  toggleHold(): void {
    const view = this.state.call;
    if (!this.current || view?.status !== 'active') return;
    this.current.setHeld(!view.held);
  }

  dtmf(tone: string): void {
    if (!this.current || this.state.call?.status !== 'active' || !/^[0-9A-D*#]$/i.test(tone)) return;
    this.current.sendDtmf(tone);
  }

  dismissNotice(): void {
    this.set({ notice: null });
  }

  private onIncoming(call: ClientCall): void {
    if (!this.started) {
      call.reject(480);
      return;
    }
    if (this.current) {
      call.reject(486);
      this.set({ notice: 'busy' });
      return;
    }
    this.attach(call, 'ringing');
    this.deps.alerts.start(call.remote);
  }

  private attach(call: ClientCall, status: CallStatus): void {
    if (this.clearTimer !== null) this.cancel(this.clearTimer);
    this.clearTimer = null;
    this.current = call;
    this.offCall = call.on((e) => this.onCallEvent(call, e));
    this.set({
      notice: null,
      call: { id: call.id, direction: call.direction, remote: call.remote, status, muted: false, held: false, startedAt: this.now(), answeredAt: null, endedAt: null, cause: null, serverId: call.serverId },
    });
  }

  private onCallEvent(call: ClientCall, e: CallEvent): void {
    if (call !== this.current) return;
    switch (e.type) {
      case 'progress':
        if (this.state.call?.status === 'calling') this.patchCall({ status: 'early', serverId: call.serverId });
        return;
      case 'accepted':
        this.deps.alerts.stop();
        this.patchCall({ status: 'active', answeredAt: this.now(), serverId: call.serverId });
        return;
      case 'hold':
        this.patchCall({ held: e.held });
        return;
      case 'ended':
        this.finish(e.cause, null);
        return;
      case 'failed':
        this.finish(e.cause, QUIET_CAUSES.has(e.cause) ? null : 'call-failed');
        return;
    }
  }

  /** The call is over: stop ringing, show it ended for a moment, then clear it. */
  private finish(cause: string, notice: PhoneNotice): void {
    this.deps.alerts.stop();
    this.detach();
    const view = this.state.call;
    if (!view || view.status === 'ended') return;
    this.set({ call: { ...view, status: 'ended', endedAt: this.now(), cause }, ...(notice ? { notice } : {}) });
    this.clearTimer = this.later(() => {
      this.clearTimer = null;
      if (this.state.call?.id === view.id && this.state.call.status === 'ended') this.set({ call: null });
    }, ENDED_VISIBLE_MS);
  }

  private detach(): void {
    this.offCall?.();
    this.offCall = null;
    this.current = null;
  }

  private patchCall(patch: Partial<CallView>): void {
    if (this.state.call) this.set({ call: { ...this.state.call, ...patch } });
  }

  private set(patch: Partial<PhoneState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l(this.state);
  }
}
