/**
 * N-party mixing. Each tick every audible member's frame is added into one 32-bit sum; each member
 * then gets the sum minus its own contribution (so nobody hears themself), plus what is whispered
 * to it, clipped to 16 bits. That is O(N) per tick instead of O(N²). Roles: a muted or held member
 * is not heard; a listener hears the room and is never heard; a whisperer hears the room and is
 * heard by one member only (the supervisor features build on these two).
 */
import { FRAME_SAMPLES as FRAME } from '../audio/index.js';
import { MediaError } from '../errors.js';
import type { MemberMode } from '../protocol.js';
import type { GraphContext } from './context.js';
import type { RtpLeg } from './leg.js';
import { GraphNode } from './node.js';
import type { TickTarget } from './scheduler.js';

/** A module constant, not the re-exported binding: read in per-sample loops (a getter under tsx). */
const FRAME_SAMPLES = FRAME;

export interface Member {
  readonly id: string;
  readonly leg: RtpLeg;
  mode: Required<MemberMode>;
  readonly out: Int16Array;
}

export class Conference extends GraphNode implements TickTarget {
  readonly members = new Map<string, Member>();
  private readonly sum = new Int32Array(FRAME_SAMPLES);

  constructor(
    readonly id: string,
    private readonly ctx: GraphContext,
  ) {
    super();
    ctx.scheduler.add(this);
  }

  add(id: string, leg: RtpLeg, mode: MemberMode = {}): Member {
    if (this.members.has(id)) throw new MediaError('MEDIA_BAD_REQUEST', `member ${id} is already in conference ${this.id}`);
    const m: Member = { id, leg, mode: normalise(mode), out: new Int16Array(FRAME_SAMPLES) };
    this.adopt(leg);
    leg.useInput(1);
    this.members.set(id, m);
    return m;
  }

  get(id: string): Member {
    const m = this.members.get(id);
    if (!m) throw new MediaError('MEDIA_NOT_FOUND', `no member ${id} in conference ${this.id}`);
    return m;
  }

  setMode(id: string, mode: MemberMode): void {
    const m = this.get(id);
    const next = normalise({ ...m.mode, ...mode });
    if (next.role === 'whisper' && (!next.whisperTo || !this.members.has(next.whisperTo) || next.whisperTo === id)) {
      throw new MediaError('MEDIA_BAD_REQUEST', `whisper needs another member of the conference to whisper to`);
    }
    m.mode = next;
  }

  async remove(id: string): Promise<void> {
    const m = this.members.get(id);
    if (!m) return;
    this.members.delete(id);
    m.leg.mixOut = null;
    // Whispers to a member who left go nowhere: make them plain listeners.
    for (const o of this.members.values()) if (o.mode.whisperTo === id) o.mode = { ...o.mode, role: 'listen', whisperTo: null };
    await m.leg.close();
  }

  private heard(m: Member): boolean {
    return !m.mode.muted && !m.mode.held && m.mode.role === 'normal' && m.leg.inState !== 'silence';
  }

  mix(): void {
    const sum = this.sum;
    sum.fill(0);
    for (const m of this.members.values()) {
      if (!this.heard(m)) continue;
      const f = m.leg.inFrame;
      for (let i = 0; i < FRAME_SAMPLES; i++) sum[i]! += f[i]!;
    }
    for (const m of this.members.values()) {
      const out = m.out;
      const own = this.heard(m) ? m.leg.inFrame : null;
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        const v = sum[i]! - (own ? own[i]! : 0);
        out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
      m.leg.mixOut = out;
    }
    // Whispers: added to their one listener only, after the room mix.
    for (const w of this.members.values()) {
      if (w.mode.role !== 'whisper' || w.mode.muted || w.mode.held || !w.mode.whisperTo || w.leg.inState === 'silence') continue;
      const target = this.members.get(w.mode.whisperTo);
      if (!target) continue;
      const f = w.leg.inFrame;
      const out = target.out;
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        const v = out[i]! + f[i]!;
        out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
    }
  }

  protected async dispose(): Promise<void> {
    this.ctx.scheduler.delete(this);
    this.members.clear();
  }
}

function normalise(m: MemberMode): Required<MemberMode> {
  return { muted: m.muted === true, held: m.held === true, role: m.role ?? 'normal', whisperTo: m.whisperTo ?? null };
}
