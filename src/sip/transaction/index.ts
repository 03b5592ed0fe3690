/** The SIP transaction layer: RFC 3261 §17 with the RFC 6026 corrections. */
export {
  DEFAULT_TIMERS,
  MAGIC_COOKIE,
  TransactionError,
  assertTransition,
  canTransition,
  isRfc3261Branch,
  type SendFn,
  type TimerValues,
  type TransitionTable,
  type TransportTarget,
} from './common.js';
export {
  INVITE_CLIENT_TRANSITIONS,
  InviteClientState,
  InviteClientTransaction,
  NON_INVITE_CLIENT_TRANSITIONS,
  NonInviteClientState,
  NonInviteClientTransaction,
  TIMER_D_UNRELIABLE,
  buildAck,
  type ClientTransaction,
  type ClientTransactionHandlers,
} from './client.js';
export {
  AUTO_TRYING_MS,
  INVITE_SERVER_TRANSITIONS,
  InviteServerState,
  InviteServerTransaction,
  NON_INVITE_SERVER_TRANSITIONS,
  NonInviteServerState,
  NonInviteServerTransaction,
  type ServerTransaction,
  type ServerTransactionHandlers,
} from './server.js';
export { TransactionLayer, newBranch, type ReceiveOutcome, type TransactionLayerOptions } from './layer.js';
