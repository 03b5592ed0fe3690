/**
 * The browser phone's view of a SIP user agent. `sip-client.ts` implements it with JsSIP; tests
 * use a fake. Nothing outside `sip-client.ts` knows about JsSIP.
 */

/** Registration as the user sees it. */
export type RegistrationState = 'connecting' | 'registering' | 'registered' | 'failed' | 'stopped';

export interface CallParty {
  /** The user part of the SIP URI (an extension or a phone number). */
  number: string;
  /** The display name, when the caller sent one. */
  name: string | null;
}

export type CallEvent =
  /** 18x received (outgoing calls). */
  | { type: 'progress' }
  /** 2xx sent or received: media is flowing. */
  | { type: 'accepted' }
  /** The call ended after it was answered. */
  | { type: 'ended'; cause: string }
  /** The call never got answered (cancelled, rejected, busy, failed). */
  | { type: 'failed'; cause: string }
  | { type: 'hold'; held: boolean };

export interface MediaOptions {
  /** Microphone deviceId; default device when absent. */
  microphoneId?: string | null;
}

export interface ClientCall {
  readonly id: string;
  readonly direction: 'incoming' | 'outgoing';
  readonly remote: CallParty;
  /** The SDP offer of an incoming INVITE (null for a late offer or an outgoing call). */
  readonly offer: string | null;
  /** Hotline's id of the call (X-Hotline-Call-Id), once the server said it: for the calls API. */
  readonly serverId: string | null;
  answer(media: MediaOptions): void;
  /** Refuse an incoming call that is still ringing (486 Busy Here by default). */
  reject(status?: number): void;
  /** End the call in whatever state it is (CANCEL, BYE, or a final response). */
  hangup(): void;
  setMuted(muted: boolean): void;
  /** RFC 3264 §8.4 hold: a re-INVITE with a=sendonly; false to resume. */
  setHeld(held: boolean): void;
  /** One DTMF digit as RFC 4733 telephone-events in the media. */
  sendDtmf(tone: string): void;
  on(listener: (event: CallEvent) => void): () => void;
}

export interface ClientEvents {
  registration(state: RegistrationState): void;
  incoming(call: ClientCall): void;
}

export interface PhoneClient {
  start(events: ClientEvents): void;
  /** Unregister and close the socket. */
  stop(): void;
  /** Place a call to a number (or a SIP URI). */
  call(target: string, media: MediaOptions): ClientCall;
}
