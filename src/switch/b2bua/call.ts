/**
 * One call between two seats, as the B2BUA sees it.
 *
 * ```
 *   routing ──▶ ringing ──▶ early ──▶ answered ──▶ ended
 *      │           │          │                      ▲
 *      └───────────┴──────────┴──────────────────────┘  (busy, cancelled, no answer, failed…)
 * ```
 * routing: authenticated INVITE accepted, relay being set up. ringing: INVITEs sent to every
 * registered device of the callee. early: a device rang (180) or sent early media (183).
 * answered: a device answered and the caller was sent 200. ended: both legs are gone; `endReason`
 * says why. Every call ends exactly once, with a reason.
 */
import { AppError } from '../../kit/index.js';

export enum CallState {
  Routing = 'routing',
  Ringing = 'ringing',
  Early = 'early',
  Answered = 'answered',
  Ended = 'ended',
}

export const CALL_TRANSITIONS: Record<CallState, readonly CallState[]> = {
  [CallState.Routing]: [CallState.Ringing, CallState.Ended],
  [CallState.Ringing]: [CallState.Early, CallState.Answered, CallState.Ended],
  [CallState.Early]: [CallState.Answered, CallState.Ended],
  [CallState.Answered]: [CallState.Ended],
  [CallState.Ended]: [],
};

/** Why a call ended; recorded with every call. */
export type EndReason =
  | 'caller-hangup'
  | 'callee-hangup'
  | 'cancelled'
  | 'busy'
  | 'unregistered'
  | 'not-found'
  | 'declined'
  | 'no-answer'
  | 'unreachable'
  | 'media-refused'
  | 'ack-timeout'
  | 'error'
  | 'shutdown';

export function assertCallTransition(from: CallState, to: CallState): void {
  if (!CALL_TRANSITIONS[from].includes(to)) {
    throw new AppError('conflict', 'CALL_ILLEGAL_TRANSITION', `call cannot go from ${from} to ${to}`);
  }
}

/** What the API and events show of a call. */
export interface CallView {
  id: string;
  tenantId: string;
  state: CallState;
  from: string;
  to: string;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  endReason: EndReason | null;
  /** The SIP status the caller was sent when the call failed before answer. */
  status: number | null;
  /** Who put the call on hold (the other party hears music), if anyone. */
  heldBy: 'caller' | 'callee' | null;
  recording: 'off' | 'on' | 'paused';
}

/** Media quality of one side of a call (RFC 3550 statistics and an E-model MOS). */
export interface CallQuality {
  packetsIn: number;
  packetsOut: number;
  lost: number;
  lossPercent: number;
  jitterMs: number;
  rttMs: number | null;
  mos: number | null;
}

export interface CallRecordingFile {
  path: string;
  bytes: number;
  durationMs: number;
  sha256: string;
}

/** A finished call as the call log keeps it. */
export interface CallRecord extends CallView {
  quality: { a: CallQuality | null; b: CallQuality | null } | null;
  recordings: CallRecordingFile[];
}
