/**
 * Shared pieces of the transaction layer (RFC 3261 §17): timer values, the transport target,
 * the guarded state-machine helper and coded errors.
 */
import { AppError, type Clock, type TimerHandle } from '../../kit/index.js';
import type { SipMessage } from '../message.js';

/** RFC 3261 §17.1.1.1 / Table 4 timer base values, in milliseconds. */
export interface TimerValues {
  /** RTT estimate, default 500 ms. */
  T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, default 4 s. */
  T2: number;
  /** Maximum time a message stays in the network, default 5 s. */
  T4: number;
}

export const DEFAULT_TIMERS: Readonly<TimerValues> = Object.freeze({ T1: 500, T2: 4000, T4: 5000 });

/**
 * Where a message goes or came from. The transaction layer never looks inside it: it hands the
 * target it was given back to `send` (a server transaction answers to the request's source; the
 * transport applies RFC 3261 §18.2.2 / RFC 3581 if it wants to).
 */
export interface TransportTarget {
  readonly transport: string;
  readonly host: string;
  readonly port: number;
  /** A connection id for stream transports, when the transport has one. */
  readonly connection?: string;
}

/** The transport hook. Throwing means a transport error (RFC 3261 §17.1.4, §17.2.4). */
export type SendFn = (msg: SipMessage, target: TransportTarget, reliable: boolean) => void;

/** What the transactions need from their owner (the layer). */
export interface TransactionContext {
  readonly clock: Clock;
  readonly timers: Readonly<TimerValues>;
  send: SendFn;
  /** Called once, when the transaction reaches Terminated: remove it from the tables. */
  removed(tx: object): void;
}

export class TransactionError extends AppError {
  constructor(code: string, message: string) {
    super(code === 'SIP_TX_EXISTS' ? 'conflict' : 'invalid', code, message);
    this.name = 'TransactionError';
  }
}

/** A transition table: for each state, the states it may move to. */
export type TransitionTable<S extends string> = { readonly [K in S]: readonly S[] };

/** Whether `from → to` is a legal move in `table`. */
export function canTransition<S extends string>(table: TransitionTable<S>, from: S, to: S): boolean {
  return table[from].includes(to);
}

/** Throw `SIP_TX_ILLEGAL_TRANSITION` unless `from → to` is legal. */
export function assertTransition<S extends string>(machine: string, table: TransitionTable<S>, from: S, to: S): void {
  if (!canTransition(table, from, to)) {
    throw new TransactionError('SIP_TX_ILLEGAL_TRANSITION', `${machine}: illegal transition ${from} -> ${to}`);
  }
}

/** Named timers of one transaction; starting a timer again replaces it; `cancelAll` on Terminated. */
export class TimerSet {
  private handles = new Map<string, TimerHandle>();
  constructor(private readonly clock: Clock) {}

  start(name: string, ms: number, fn: () => void): void {
    this.cancel(name);
    const h = this.clock.setTimeout(() => {
      this.handles.delete(name);
      fn();
    }, ms);
    this.handles.set(name, h);
  }
  cancel(name: string): void {
    const h = this.handles.get(name);
    if (h) {
      h.cancel();
      this.handles.delete(name);
    }
  }
  has(name: string): boolean {
    return this.handles.has(name);
  }
  /** Names of the running timers (for tests and diagnostics). */
  names(): string[] {
    return [...this.handles.keys()];
  }
  cancelAll(): void {
    for (const h of this.handles.values()) h.cancel();
    this.handles.clear();
  }
}

/** RFC 3261 §8.1.1.7: branches we generate start with the magic cookie. */
export const MAGIC_COOKIE = 'z9hG4bK';

/** A branch that follows RFC 3261 (the cookie and something after it: the bare cookie of RFC 4475 "badbranch" is not). */
export const isRfc3261Branch = (branch: string | undefined): branch is string =>
  branch !== undefined && branch.startsWith(MAGIC_COOKIE) && branch.length > MAGIC_COOKIE.length;
