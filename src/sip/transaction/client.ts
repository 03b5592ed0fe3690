/**
 * Client transactions (RFC 3261 §17.1 with the RFC 6026 corrections).
 */
import { SipHeaders, SipRequest, type SipResponse } from '../message.js';
import {
  TimerSet,
  TransactionError,
  assertTransition,
  type TransactionContext,
  type TransitionTable,
  type TransportTarget,
} from './common.js';

/** What the TU hears from a client transaction. Every handler is optional. */
export interface ClientTransactionHandlers {
  /** A 1xx, a final response, and (INVITE, RFC 6026 §7.2) every 2xx retransmission while Accepted. */
  response?(res: SipResponse, tx: ClientTransaction): void;
  /** Timer B or F fired with no final response (RFC 3261 §17.1.1.2, §17.1.2.2): treat as 408. */
  timeout?(tx: ClientTransaction): void;
  /** `send` threw (RFC 3261 §17.1.4): treat as 503. */
  transportError?(error: unknown, tx: ClientTransaction): void;
  /** The transaction reached Terminated and left the table. */
  terminated?(tx: ClientTransaction): void;
}

export enum InviteClientState {
  Calling = 'calling',
  Proceeding = 'proceeding',
  Completed = 'completed',
  Accepted = 'accepted',
  Terminated = 'terminated',
}

export enum NonInviteClientState {
  Trying = 'trying',
  Proceeding = 'proceeding',
  Completed = 'completed',
  Terminated = 'terminated',
}

/** RFC 3261 Figure 5 as corrected by RFC 6026 §7.2. */
export const INVITE_CLIENT_TRANSITIONS: TransitionTable<InviteClientState> = {
  [InviteClientState.Calling]: [InviteClientState.Proceeding, InviteClientState.Completed, InviteClientState.Accepted, InviteClientState.Terminated],
  [InviteClientState.Proceeding]: [InviteClientState.Completed, InviteClientState.Accepted, InviteClientState.Terminated],
  [InviteClientState.Completed]: [InviteClientState.Terminated],
  [InviteClientState.Accepted]: [InviteClientState.Terminated],
  [InviteClientState.Terminated]: [],
};

/** RFC 3261 Figure 6. */
export const NON_INVITE_CLIENT_TRANSITIONS: TransitionTable<NonInviteClientState> = {
  [NonInviteClientState.Trying]: [NonInviteClientState.Proceeding, NonInviteClientState.Completed, NonInviteClientState.Terminated],
  [NonInviteClientState.Proceeding]: [NonInviteClientState.Completed, NonInviteClientState.Terminated],
  [NonInviteClientState.Completed]: [NonInviteClientState.Terminated],
  [NonInviteClientState.Terminated]: [],
};

/** RFC 3261 §17.1.1.2: Timer D is at least 32 s on unreliable transports. */
export const TIMER_D_UNRELIABLE = 32_000;

abstract class ClientTransactionBase<S extends string> {
  abstract readonly kind: 'invite-client' | 'non-invite-client';
  abstract state: S;
  /** The key the layer files it under: top Via branch + CSeq method (RFC 3261 §17.1.3). */
  readonly key: string;
  readonly branch: string;
  handlers: ClientTransactionHandlers;
  /** The last response passed on or absorbed. */
  lastResponse: SipResponse | undefined;
  protected readonly timers: TimerSet;

  constructor(
    protected readonly ctx: TransactionContext,
    readonly request: SipRequest,
    readonly target: TransportTarget,
    readonly reliable: boolean,
    branch: string,
    handlers: ClientTransactionHandlers,
  ) {
    this.branch = branch;
    this.key = clientKey(branch, request.method);
    this.handlers = handlers;
    this.timers = new TimerSet(ctx.clock);
  }

  /** Names of running timers (`A`, `B`, `D`, `E`, `F`, `K`, `M`). */
  runningTimers(): string[] {
    return this.timers.names();
  }

  get terminated(): boolean {
    return this.state === ('terminated' as S);
  }

  /** Hand a message to the transport; a throw is a transport error (RFC 3261 §17.1.4). */
  protected transmit(msg: SipRequest): boolean {
    try {
      this.ctx.send(msg, this.target, this.reliable);
      return true;
    } catch (e) {
      this.onTransportError(e);
      return false;
    }
  }

  protected onTransportError(e: unknown): void {
    if (this.terminated) return;
    this.emit(() => this.handlers.transportError?.(e, this as unknown as ClientTransaction));
    this.terminate();
  }

  /** Call a TU handler; a throwing TU must not wedge the state machine. */
  protected emit(fn: () => void): void {
    try {
      fn();
    } catch {
      // The TU's bug is the TU's: the transaction keeps its own state right.
    }
  }

  protected abstract terminate(): void;

  /** Stop now: cancel every timer and leave the table. Safe to repeat; the TU hears `terminated`. */
  close(): void {
    if (!this.terminated) this.terminate();
  }

  /** Called by the layer with a response whose branch and CSeq method matched (§17.1.3). */
  abstract receive(res: SipResponse): void;

  /** Common Terminated entry: timers off, out of the table, tell the TU. */
  protected enterTerminated(): void {
    this.timers.cancelAll();
    this.ctx.removed(this);
    this.emit(() => this.handlers.terminated?.(this as unknown as ClientTransaction));
  }
}

/**
 * INVITE client transaction: RFC 3261 §17.1.1 with RFC 6026 §7.2 (the Accepted state, Timer M).
 *
 * ```
 *                     | INVITE from TU / INVITE sent
 *   Timer A fires     V
 *   INVITE sent  +-----------+   Timer B fires or transport error / inform TU
 *       +------->|  Calling  |--------------------------------------------------+
 *       +--------|           |---------------------------+                      |
 *                +-----------+   2xx / 2xx to TU          |                      |
 *                  |       |                              |                      |
 *      300-699 /   |       | 1xx / 1xx to TU              |                      |
 *      ACK sent,   |       V                              |                      |
 *      to TU       |  +------------+  2xx / 2xx to TU     |                      |
 *                  |  | Proceeding |-------------------->+|                      |
 *                  |  |            |<--+ 1xx / to TU     ||                      |
 *                  |  +------------+---+                 VV                      |
 *                  |       |                     +-------------+  2xx / to TU    |
 *                  |       | 300-699 /           |  Accepted   |<----+           |
 *                  |       | ACK sent, to TU     | (RFC 6026)  |-----+           |
 *                  V       V                     +-------------+                 |
 *               +-------------+  300-699 /              |                        |
 *               |  Completed  |  ACK re-sent            | Timer M fires          |
 *               |             |<------+                 | (64*T1)                |
 *               +-------------+-------+                 |                        |
 *                      | Timer D fires (32 s UDP, 0 reliable)                    |
 *                      V                                V                        |
 *               +----------------------------------------------------------+     |
 *               |                        Terminated                        |<----+
 *               +----------------------------------------------------------+
 *
 * Timer A: T1, doubling, unreliable transports only. Timer B: 64*T1, Calling only.
 * ```
 */
export class InviteClientTransaction extends ClientTransactionBase<InviteClientState> {
  readonly kind = 'invite-client' as const;
  state = InviteClientState.Calling;
  /** The ACK this transaction generated for a non-2xx final (RFC 3261 §17.1.1.3). */
  ack: SipRequest | undefined;
  private intervalA: number;

  constructor(
    ctx: TransactionContext,
    request: SipRequest,
    target: TransportTarget,
    reliable: boolean,
    branch: string,
    handlers: ClientTransactionHandlers,
  ) {
    super(ctx, request, target, reliable, branch, handlers);
    this.intervalA = ctx.timers.T1;
  }

  /** Enter Calling: send, and start A (unreliable only) and B (RFC 3261 §17.1.1.2). */
  start(): void {
    if (!this.transmit(this.request)) return;
    if (!this.reliable) this.timers.start('A', this.intervalA, () => this.timerA());
    this.timers.start('B', 64 * this.ctx.timers.T1, () => this.timerB());
  }

  /** The only way the state changes. Refuses moves RFC 3261 Figure 5 / RFC 6026 do not draw. */
  private transition(to: InviteClientState): void {
    assertTransition('INVITE client transaction', INVITE_CLIENT_TRANSITIONS, this.state, to);
    const from = this.state;
    this.state = to;
    if (from === InviteClientState.Calling) {
      // RFC 3261 §17.1.1.2: leaving Calling stops retransmissions and Timer B.
      this.timers.cancel('A');
      this.timers.cancel('B');
    }
    // Completed and Accepted only absorb retransmissions for up to 32 s: drop parsed views.
    if (to === InviteClientState.Completed || to === InviteClientState.Accepted) {
      this.request.headers.compact();
      this.lastResponse?.headers.compact();
      this.ack?.headers.compact();
    }
    switch (to) {
      case InviteClientState.Completed:
        // RFC 3261 §17.1.1.2: Timer D, at least 32 s for unreliable transports, zero for reliable.
        if (this.reliable) this.transition(InviteClientState.Terminated);
        else this.timers.start('D', TIMER_D_UNRELIABLE, () => this.transition(InviteClientState.Terminated));
        break;
      case InviteClientState.Accepted:
        // RFC 6026 §7.2: Timer M = 64*T1 lets 2xx retransmissions (forks) reach the TU.
        this.timers.start('M', 64 * this.ctx.timers.T1, () => this.transition(InviteClientState.Terminated));
        break;
      case InviteClientState.Terminated:
        this.enterTerminated();
        break;
      default:
        break;
    }
  }

  protected terminate(): void {
    this.transition(InviteClientState.Terminated);
  }

  private timerA(): void {
    if (this.state !== InviteClientState.Calling) return;
    // RFC 3261 §17.1.1.2: retransmit and double A (no cap for INVITE).
    this.intervalA *= 2;
    if (!this.transmit(this.request)) return;
    this.timers.start('A', this.intervalA, () => this.timerA());
  }

  private timerB(): void {
    if (this.state !== InviteClientState.Calling) return;
    this.emit(() => this.handlers.timeout?.(this));
    this.transition(InviteClientState.Terminated);
  }

  receive(res: SipResponse): void {
    const s = res.status;
    switch (this.state) {
      case InviteClientState.Calling:
      case InviteClientState.Proceeding:
        this.lastResponse = res;
        if (s < 200) {
          if (this.state === InviteClientState.Calling) this.transition(InviteClientState.Proceeding);
          this.emit(() => this.handlers.response?.(res, this));
        } else if (s < 300) {
          // RFC 6026 §7.2: a 2xx moves to Accepted and goes to the TU, which sends the ACK (§13.2.2.4).
          this.transition(InviteClientState.Accepted);
          this.emit(() => this.handlers.response?.(res, this));
        } else {
          // RFC 3261 §17.1.1.2: ACK, pass the response up, go Completed.
          this.ack = buildAck(this.request, res);
          this.emit(() => this.handlers.response?.(res, this));
          if (this.terminated || !this.transmit(this.ack)) return;
          this.transition(InviteClientState.Completed);
        }
        return;
      case InviteClientState.Completed:
        // RFC 3261 §17.1.1.2: a retransmitted final is absorbed and the ACK sent again.
        if (s >= 300 && this.ack) this.transmit(this.ack);
        return;
      case InviteClientState.Accepted:
        // RFC 6026 §7.2: every 2xx goes to the TU; anything else is absorbed.
        if (s >= 200 && s < 300) {
          this.lastResponse = res;
          this.emit(() => this.handlers.response?.(res, this));
        }
        return;
      case InviteClientState.Terminated:
        return;
    }
  }
}

/**
 * Non-INVITE client transaction: RFC 3261 §17.1.2.
 *
 * ```
 *                                |Request from TU
 *                                |send request        Timer E: T1, doubling up to T2 (UDP);
 *            Timer E             V                      T2 in Proceeding
 *            send request  +-----------+              Timer F: 64*T1
 *                +---------|           |-------------------+
 *                |         |  Trying   |  Timer F          |
 *                +-------->|           |  or Transport Err.|
 *                          +-----------+  inform TU        |
 *             200-699         |  |                         |
 *             resp. to TU     |  |1xx                      |
 *             +---------------+  |resp. to TU              |
 *             |                  |                         |
 *             |   Timer E        V       Timer F           |
 *             |   send req +-----------+ or Transport Err. |
 *             |  +---------|           | inform TU         |
 *             |  |         |Proceeding |------------------>|
 *             |  +-------->|           |-----+             |
 *             |            +-----------+     |1xx          |
 *             |              |      ^        |resp to TU   |
 *             | 200-699      |      +--------+             |
 *             | resp. to TU  |                             |
 *             |              V                             |
 *             |            +-----------+                   |
 *             |            |           |                   |
 *             |            | Completed |                   |
 *             |            |           |                   |
 *             |            +-----------+                   |
 *             |              ^   |                         |
 *             |              |   | Timer K (T4 UDP, 0 TCP) |
 *             +--------------+   | -                       |
 *                                V                         |
 *                          +-----------+                   |
 *                          | Terminated|<------------------+
 *                          +-----------+
 * ```
 */
export class NonInviteClientTransaction extends ClientTransactionBase<NonInviteClientState> {
  readonly kind = 'non-invite-client' as const;
  state = NonInviteClientState.Trying;
  private intervalE: number;

  constructor(
    ctx: TransactionContext,
    request: SipRequest,
    target: TransportTarget,
    reliable: boolean,
    branch: string,
    handlers: ClientTransactionHandlers,
  ) {
    super(ctx, request, target, reliable, branch, handlers);
    this.intervalE = ctx.timers.T1;
  }

  /** Enter Trying: send, start E (unreliable only) and F (RFC 3261 §17.1.2.2). */
  start(): void {
    if (!this.transmit(this.request)) return;
    if (!this.reliable) this.timers.start('E', this.intervalE, () => this.timerE());
    this.timers.start('F', 64 * this.ctx.timers.T1, () => this.timerF());
  }

  /** The only way the state changes. Refuses moves RFC 3261 Figure 6 does not draw. */
  private transition(to: NonInviteClientState): void {
    assertTransition('non-INVITE client transaction', NON_INVITE_CLIENT_TRANSITIONS, this.state, to);
    this.state = to;
    switch (to) {
      case NonInviteClientState.Completed:
        this.timers.cancel('E');
        this.timers.cancel('F');
        // RFC 3261 §17.1.2.2: Timer K = T4 for unreliable transports, zero for reliable.
        if (this.reliable) this.transition(NonInviteClientState.Terminated);
        else this.timers.start('K', this.ctx.timers.T4, () => this.transition(NonInviteClientState.Terminated));
        break;
      case NonInviteClientState.Terminated:
        this.enterTerminated();
        break;
      default:
        break;
    }
  }

  protected terminate(): void {
    this.transition(NonInviteClientState.Terminated);
  }

  private timerE(): void {
    const { T2 } = this.ctx.timers;
    if (this.state === NonInviteClientState.Trying) this.intervalE = Math.min(2 * this.intervalE, T2);
    else if (this.state === NonInviteClientState.Proceeding) this.intervalE = T2; // §17.1.2.2
    else return;
    if (!this.transmit(this.request)) return;
    this.timers.start('E', this.intervalE, () => this.timerE());
  }

  private timerF(): void {
    if (this.state !== NonInviteClientState.Trying && this.state !== NonInviteClientState.Proceeding) return;
    this.emit(() => this.handlers.timeout?.(this));
    this.transition(NonInviteClientState.Terminated);
  }

  receive(res: SipResponse): void {
    if (this.state !== NonInviteClientState.Trying && this.state !== NonInviteClientState.Proceeding) return; // absorbed in Completed
    this.lastResponse = res;
    if (res.status < 200) {
      if (this.state === NonInviteClientState.Trying) this.transition(NonInviteClientState.Proceeding);
      this.emit(() => this.handlers.response?.(res, this));
      return;
    }
    this.emit(() => this.handlers.response?.(res, this));
    if (!this.terminated) this.transition(NonInviteClientState.Completed);
  }
}

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;

export const clientKey = (branch: string, method: string): string => `${branch}\u0000${method.toUpperCase()}`;

/**
 * The ACK for a non-2xx final response (RFC 3261 §17.1.1.3): Request-URI, Call-ID, From and the
 * CSeq number of the INVITE, the To of the response (with its tag), one Via equal to the INVITE's
 * top Via (same branch), and the INVITE's Route headers.
 */
export function buildAck(invite: SipRequest, res: SipResponse): SipRequest {
  const h = new SipHeaders([], invite.headers.limits);
  const topVia = invite.headers.getAll('via')[0];
  if (topVia === undefined) throw new TransactionError('SIP_TX_NO_VIA', 'the INVITE has no Via');
  h.append('Via', topVia);
  for (const r of invite.headers.lines('route')) h.append('Route', r);
  h.append('Max-Forwards', '70');
  const from = invite.headers.get('from');
  const to = res.headers.get('to') ?? invite.headers.get('to');
  const callId = invite.headers.get('call-id');
  if (from !== undefined) h.append('From', from);
  if (to !== undefined) h.append('To', to);
  if (callId !== undefined) h.append('Call-ID', callId);
  h.append('CSeq', `${invite.cseq?.seq ?? 0} ACK`);
  return new SipRequest({ method: 'ACK', uri: invite.uri, headers: h });
}
