/**
 * Server transactions (RFC 3261 §17.2 with the RFC 6026 corrections).
 */
import { newId } from '../../kit/index.js';
import type { SipRequest, SipResponse } from '../message.js';
import { bytesOnly, createResponse, type ResponseOptions } from '../serializer.js';
import {
  TimerSet,
  TransactionError,
  assertTransition,
  type TransactionContext,
  type TransitionTable,
  type TransportTarget,
} from './common.js';

/** What the TU hears from a server transaction. Every handler is optional. */
export interface ServerTransactionHandlers {
  /** Timer H fired: no ACK for a non-2xx final (RFC 3261 §17.2.1). */
  timeout?(tx: ServerTransaction): void;
  /** `send` threw (RFC 3261 §17.2.4). */
  transportError?(error: unknown, tx: ServerTransaction): void;
  /** The transaction reached Terminated and left the tables. */
  terminated?(tx: ServerTransaction): void;
}

export enum InviteServerState {
  Proceeding = 'proceeding',
  Completed = 'completed',
  Confirmed = 'confirmed',
  Accepted = 'accepted',
  Terminated = 'terminated',
}

export enum NonInviteServerState {
  Trying = 'trying',
  Proceeding = 'proceeding',
  Completed = 'completed',
  Terminated = 'terminated',
}

/** RFC 3261 Figure 7 as corrected by RFC 6026 §7.1. */
export const INVITE_SERVER_TRANSITIONS: TransitionTable<InviteServerState> = {
  [InviteServerState.Proceeding]: [InviteServerState.Completed, InviteServerState.Accepted, InviteServerState.Terminated],
  [InviteServerState.Completed]: [InviteServerState.Confirmed, InviteServerState.Terminated],
  [InviteServerState.Confirmed]: [InviteServerState.Terminated],
  [InviteServerState.Accepted]: [InviteServerState.Terminated],
  [InviteServerState.Terminated]: [],
};

/** RFC 3261 Figure 8. */
export const NON_INVITE_SERVER_TRANSITIONS: TransitionTable<NonInviteServerState> = {
  [NonInviteServerState.Trying]: [NonInviteServerState.Proceeding, NonInviteServerState.Completed, NonInviteServerState.Terminated],
  [NonInviteServerState.Proceeding]: [NonInviteServerState.Completed, NonInviteServerState.Terminated],
  [NonInviteServerState.Completed]: [NonInviteServerState.Terminated],
  [NonInviteServerState.Terminated]: [],
};

/** RFC 3261 §17.2.1: send 100 Trying if the TU has not answered within 200 ms. */
export const AUTO_TRYING_MS = 200;

abstract class ServerTransactionBase<S extends string> {
  abstract readonly kind: 'invite-server' | 'non-invite-server';
  abstract state: S;
  handlers: ServerTransactionHandlers = {};
  /** The last provisional response sent (re-sent on request retransmissions). */
  lastProvisional: SipResponse | undefined;
  /** The final response sent (re-sent on request retransmissions and Timer G). */
  finalResponse: SipResponse | undefined;
  /** A To tag `reply()` uses when the request has none and the caller gives none. */
  readonly localTag: string;
  protected readonly timers: TimerSet;

  /** The request, until the transaction only waits for retransmissions (then its bytes only). */
  get request(): SipRequest {
    return this.req;
  }

  constructor(
    protected readonly ctx: TransactionContext,
    private req: SipRequest,
    /** Where the request came from: responses go back there. */
    readonly source: TransportTarget,
    readonly reliable: boolean,
    /**
     * The RFC 3261 key (branch, sent-by, method: §17.2.3), or `undefined` for a request without
     * the magic cookie, matched by the RFC 2543 rule instead.
     */
    readonly key: string | undefined,
  ) {
    this.timers = new TimerSet(ctx.clock);
    this.localTag = newId(ctx.clock.now()).slice(-12);
  }

  get terminated(): boolean {
    return this.state === ('terminated' as S);
  }

  /** The last response sent, provisional or final. */
  get lastResponse(): SipResponse | undefined {
    return this.finalResponse ?? this.lastProvisional;
  }

  /** Names of running timers (`trying`, `G`, `H`, `I`, `J`, `L`). */
  runningTimers(): string[] {
    return this.timers.names();
  }

  /** Build a response with `createResponse` (§8.2.6) and send it through the transaction. */
  reply(status: number, opts: ResponseOptions = {}): SipResponse {
    const res = createResponse(this.request, status, { toTag: this.localTag, ...opts });
    this.respond(res);
    return res;
  }

  /** Send a response from the TU through the transaction. Throws when the state forbids it. */
  abstract respond(res: SipResponse): void;

  /** Called by the layer with a request that matched this transaction (§17.2.3). */
  abstract receive(req: SipRequest): void;

  protected abstract terminate(): void;

  /** Stop now: cancel every timer and leave the tables. Safe to repeat. */
  close(): void {
    if (!this.terminated) this.terminate();
  }

  /**
   * The answer is given; from now on only retransmissions are handled (for up to 32 s over UDP):
   * keep the request and the final response as bytes. Transactions matched by the RFC 2543 rule
   * keep both parsed (without their parsed views), since that rule reads them.
   */
  protected compact(): void {
    this.lastProvisional = undefined;
    if (this.key === undefined) {
      // The RFC 2543 rule reads the request and the response's To tag.
      this.req.headers.compact();
      this.finalResponse?.headers.compact();
      return;
    }
    if (this.finalResponse) this.finalResponse = bytesOnly(this.finalResponse);
    this.req = bytesOnly(this.req);
  }

  protected transmit(res: SipResponse): boolean {
    try {
      this.ctx.send(res, this.source, this.reliable);
      return true;
    } catch (e) {
      // RFC 3261 §17.2.4: tell the TU and give up (we do not try RFC 3263 alternates here).
      if (!this.terminated) {
        this.emit(() => this.handlers.transportError?.(e, this as unknown as ServerTransaction));
        this.terminate();
      }
      return false;
    }
  }

  protected emit(fn: () => void): void {
    try {
      fn();
    } catch {
      // The TU's bug is the TU's: the transaction keeps its own state right.
    }
  }

  protected enterTerminated(): void {
    this.timers.cancelAll();
    this.ctx.removed(this);
    this.emit(() => this.handlers.terminated?.(this as unknown as ServerTransaction));
  }

  protected refuse(what: string): never {
    throw new TransactionError('SIP_TX_BAD_STATE', `${this.kind} transaction in state ${this.state}: cannot ${what}`);
  }
}

/**
 * INVITE server transaction: RFC 3261 §17.2.1 with RFC 6026 §7.1 (the Accepted state, Timer L).
 *
 * ```
 *                               |INVITE
 *                               |pass INV to TU
 *            INVITE             V send 100 if TU won't in 200 ms
 *            send response+-----------+
 *                +--------|           |--------+ 101-199 from TU
 *                |        |Proceeding |        | send response
 *                +------->|           |<-------+
 *                         |           |          Transport Err.
 *                         |           |          Inform TU
 *                         |           |--------------------------------->+
 *                         +-----------+                                  |
 *            300-699 from TU |     |2xx from TU                          |
 *            send response   |     |send response                        |
 *                            |     +------------------>+                 |
 *                            |                         |                 |
 *            INVITE          V          Timer G fires  |                 |
 *            send response+-----------+ send response  |                 |
 *                +--------|           |--------+       |                 |
 *                |        | Completed |        |       |                 |
 *                +------->|           |<-------+       |                 |
 *                         +-----------+                |                 |
 *                            |     |                   |                 |
 *                        ACK |     |                   |                 |
 *                        -   |     +------------------>+ Timer H fires   |
 *                            V      or Transport Err.  | Inform TU       |
 *                         +-----------+                |                 |
 *                         |           |                |                 |
 *                         | Confirmed |                |                 |
 *                         |           |                |                 |
 *                         +-----------+                |                 |
 *                               |                      |                 |
 *                               |Timer I fires         |                 |
 *                               |-                     |                 |
 *                               |                      |                 |
 *                               V                      |                 |
 *                         +-----------+                |                 |
 *                         |           |                |                 |
 *                         | Terminated|<---------------+                 |
 *                         |           |                                  |
 *                         +-----------+                                  |
 *                              ^   ^                                     |
 *                              |   |                                     |
 *                              |   +-------------------------------------+
 *                              |
 *                              |  Timer L fires        +-----------+  2xx from TU / send response
 *                              +-----------------------| Accepted  |  INVITE / absorbed
 *                                                      |(RFC 6026) |  ACK / to TU
 *                                                      +-----------+
 * ```
 * Timers: G = T1 doubling to T2 (UDP only), H = 64*T1, I = T4 (UDP) or 0, L = 64*T1.
 */
export class InviteServerTransaction extends ServerTransactionBase<InviteServerState> {
  readonly kind = 'invite-server' as const;
  state = InviteServerState.Proceeding;
  private intervalG: number;

  constructor(ctx: TransactionContext, request: SipRequest, source: TransportTarget, reliable: boolean, key: string | undefined) {
    super(ctx, request, source, reliable, key);
    this.intervalG = ctx.timers.T1;
  }

  /** Enter Proceeding: arm the automatic 100 Trying (RFC 3261 §17.2.1). */
  start(): void {
    this.timers.start('trying', AUTO_TRYING_MS, () => {
      if (this.state === InviteServerState.Proceeding && this.lastProvisional === undefined) {
        const trying = createResponse(this.request, 100);
        this.lastProvisional = trying;
        this.transmit(trying);
      }
    });
  }

  /** The only way the state changes. Refuses moves RFC 3261 Figure 7 / RFC 6026 do not draw. */
  private transition(to: InviteServerState): void {
    assertTransition('INVITE server transaction', INVITE_SERVER_TRANSITIONS, this.state, to);
    this.state = to;
    this.timers.cancel('trying');
    const { T1, T2, T4 } = this.ctx.timers;
    if (to !== InviteServerState.Proceeding) this.compact();
    switch (to) {
      case InviteServerState.Completed:
        // RFC 3261 §17.2.1: G (unreliable only) retransmits the final, H waits for the ACK.
        if (!this.reliable) this.timers.start('G', this.intervalG, () => this.timerG(T2));
        this.timers.start('H', 64 * T1, () => this.timerH());
        break;
      case InviteServerState.Confirmed:
        this.timers.cancel('G');
        this.timers.cancel('H');
        // RFC 3261 §17.2.1: Timer I = T4 for unreliable transports, zero for reliable.
        if (this.reliable) this.transition(InviteServerState.Terminated);
        else this.timers.start('I', T4, () => this.transition(InviteServerState.Terminated));
        break;
      case InviteServerState.Accepted:
        // RFC 6026 §7.1: Timer L = 64*T1 absorbs INVITE retransmissions after a 2xx.
        this.timers.start('L', 64 * T1, () => this.transition(InviteServerState.Terminated));
        break;
      case InviteServerState.Terminated:
        this.enterTerminated();
        break;
      default:
        break;
    }
  }

  protected terminate(): void {
    this.transition(InviteServerState.Terminated);
  }

  private timerG(T2: number): void {
    if (this.state !== InviteServerState.Completed || !this.finalResponse) return;
    this.intervalG = Math.min(2 * this.intervalG, T2);
    if (!this.transmit(this.finalResponse)) return;
    this.timers.start('G', this.intervalG, () => this.timerG(T2));
  }

  private timerH(): void {
    if (this.state !== InviteServerState.Completed) return;
    this.emit(() => this.handlers.timeout?.(this));
    this.transition(InviteServerState.Terminated);
  }

  respond(res: SipResponse): void {
    const s = res.status;
    if (this.state === InviteServerState.Proceeding) {
      this.timers.cancel('trying'); // the TU answered: no automatic 100 (§17.2.1)
      if (s < 200) {
        this.lastProvisional = res;
        this.transmit(res);
      } else if (s < 300) {
        this.finalResponse = res;
        // RFC 6026 §7.1: send the 2xx and go Accepted (not Terminated as in RFC 3261).
        if (this.transmit(res)) this.transition(InviteServerState.Accepted);
      } else {
        this.finalResponse = res;
        if (this.transmit(res)) this.transition(InviteServerState.Completed);
      }
      return;
    }
    if (this.state === InviteServerState.Accepted && s >= 200 && s < 300) {
      // RFC 6026 §7.1: the TU's 2xx retransmissions (§13.3.1.4) go through the Accepted transaction.
      this.finalResponse = res;
      this.transmit(res);
      return;
    }
    this.refuse(`send a ${s}`);
  }

  receive(req: SipRequest): void {
    if (req.method === 'ACK') {
      if (this.state === InviteServerState.Completed) this.transition(InviteServerState.Confirmed);
      // Confirmed: absorbed (§17.2.1). Accepted: the layer hands the ACK to the TU (RFC 6026 §7.1).
      // Proceeding: an ACK before any final is meaningless, dropped.
      return;
    }
    switch (this.state) {
      case InviteServerState.Proceeding:
        // RFC 3261 §17.2.1: re-send the most recent provisional response.
        if (this.lastProvisional) this.transmit(this.lastProvisional);
        return;
      case InviteServerState.Completed:
        if (this.finalResponse) this.transmit(this.finalResponse);
        return;
      default:
        // Confirmed (§17.2.1) and Accepted (RFC 6026 §7.1): absorbed.
        return;
    }
  }
}

/**
 * Non-INVITE server transaction: RFC 3261 §17.2.2.
 *
 * ```
 *                                   |Request received
 *                                   |pass to TU
 *                                   V
 *                             +-----------+
 *                             |           |
 *                             | Trying    |-------------+
 *                             |           |             |
 *                             +-----------+             |200-699 from TU
 *                                   |                   |send response
 *                                   |1xx from TU        |
 *                                   |send response      |
 *                                   |                   |
 *                Request            V      1xx from TU  |
 *                send response+-----------+send response|
 *                    +--------|           |--------+    |
 *                    |        | Proceeding|        |    |
 *                    +------->|           |<-------+    |
 *             +<--------------|           |             |
 *             |Trnsprt Err    +-----------+             |
 *             |Inform TU            |                   |
 *             |                     |                   |
 *             |                     |200-699 from TU    |
 *             |                     |send response      |
 *             |  Request            V                   |
 *             |  send response+-----------+             |
 *             |      +--------|           |             |
 *             |      |        | Completed |<------------+
 *             |      +------->|           |
 *             +<--------------|           |
 *             |Trnsprt Err    +-----------+
 *             |Inform TU            |
 *             |                     |Timer J fires (64*T1 UDP, 0 reliable)
 *             |                     |-
 *             |                     |
 *             |                     V
 *             |               +-----------+
 *             |               |           |
 *             +-------------->| Terminated|
 *                             |           |
 *                             +-----------+
 * ```
 * In Trying a retransmitted request is absorbed (no response to re-send yet).
 */
export class NonInviteServerTransaction extends ServerTransactionBase<NonInviteServerState> {
  readonly kind = 'non-invite-server' as const;
  state = NonInviteServerState.Trying;

  start(): void {
    // Trying has no timers (RFC 3261 §17.2.2).
  }

  /** The only way the state changes. Refuses moves RFC 3261 Figure 8 does not draw. */
  private transition(to: NonInviteServerState): void {
    assertTransition('non-INVITE server transaction', NON_INVITE_SERVER_TRANSITIONS, this.state, to);
    this.state = to;
    if (to === NonInviteServerState.Completed) this.compact();
    switch (to) {
      case NonInviteServerState.Completed:
        // RFC 3261 §17.2.2: Timer J = 64*T1 for unreliable transports, zero for reliable.
        if (this.reliable) this.transition(NonInviteServerState.Terminated);
        else this.timers.start('J', 64 * this.ctx.timers.T1, () => this.transition(NonInviteServerState.Terminated));
        break;
      case NonInviteServerState.Terminated:
        this.enterTerminated();
        break;
      default:
        break;
    }
  }

  protected terminate(): void {
    this.transition(NonInviteServerState.Terminated);
  }

  respond(res: SipResponse): void {
    if (this.state !== NonInviteServerState.Trying && this.state !== NonInviteServerState.Proceeding) this.refuse(`send a ${res.status}`);
    if (res.status < 200) {
      this.lastProvisional = res;
      if (this.transmit(res) && this.state === NonInviteServerState.Trying) this.transition(NonInviteServerState.Proceeding);
      return;
    }
    this.finalResponse = res;
    if (this.transmit(res)) this.transition(NonInviteServerState.Completed);
  }

  receive(_req: SipRequest): void {
    // RFC 3261 §17.2.2: Trying absorbs; Proceeding re-sends the provisional; Completed the final.
    if (this.state === NonInviteServerState.Proceeding && this.lastProvisional) this.transmit(this.lastProvisional);
    else if (this.state === NonInviteServerState.Completed && this.finalResponse) this.transmit(this.finalResponse);
  }
}

export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;
