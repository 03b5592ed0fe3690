import type { MediaNotice } from '../protocol.js';
import type { TickScheduler } from './scheduler.js';
import type { PromptCache } from './sources.js';

/** What every graph object of a worker shares: its clock, its 20 ms scheduler, its prompts, its way out. */
export interface GraphContext {
  readonly scheduler: TickScheduler;
  readonly prompts: PromptCache;
  notify(n: MediaNotice): void;
  /** Monotonic ms (packet arrival, latching). */
  now(): number;
}
