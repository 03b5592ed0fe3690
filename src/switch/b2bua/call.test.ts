import { describe, expect, it } from 'vitest';
import { AppError } from '../../kit/index.js';
import { CALL_TRANSITIONS, CallState, assertCallTransition } from './call.js';

describe('call state machine', () => {
  const all = Object.values(CallState);

  it('allows exactly the moves in the table', () => {
    for (const from of all) {
      for (const to of all) {
        const allowed = CALL_TRANSITIONS[from].includes(to);
        if (allowed) expect(() => assertCallTransition(from, to)).not.toThrow();
        else {
          let err: unknown;
          try {
            assertCallTransition(from, to);
          } catch (e) {
            err = e;
          }
          expect(err, `${from} → ${to}`).toBeInstanceOf(AppError);
          expect((err as AppError).code).toBe('CALL_ILLEGAL_TRANSITION');
        }
      }
    }
  });

  it('moves forward only, every state can end, and ended is final', () => {
    expect(CALL_TRANSITIONS[CallState.Ended]).toEqual([]);
    for (const s of all) if (s !== CallState.Ended) expect(CALL_TRANSITIONS[s]).toContain(CallState.Ended);
    expect(() => assertCallTransition(CallState.Answered, CallState.Ringing)).toThrow(/answered to ringing/);
    expect(() => assertCallTransition(CallState.Routing, CallState.Answered)).toThrow();
    expect(() => assertCallTransition(CallState.Ended, CallState.Ended)).toThrow();
    expect(() => assertCallTransition(CallState.Early, CallState.Ringing)).toThrow();
  });
});
