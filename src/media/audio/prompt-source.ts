/**
 * Plays an 8 kHz prompt as frames, once or in a loop. It copies straight from the prompt into the
 * caller's frame, so a prompt loaded once can feed any number of calls without allocation.
 */
export class PromptSource {
  private pos = 0;
  private done = false;

  constructor(
    private readonly samples: Int16Array,
    private readonly opts: { loop: boolean },
  ) {}

  /**
   * Fills `out` (a frame, normally 160 samples). Returns false once a non-looping prompt has
   * finished: the frame that holds its last samples still returns true, its remainder and every
   * later frame are silence. An empty looping prompt is endless silence.
   */
  next(out: Int16Array): boolean {
    const src = this.samples;
    const total = src.length;
    if (this.done || total === 0) {
      out.fill(0);
      if (!this.opts.loop) this.done = true;
      return this.opts.loop && !this.done;
    }
    let i = 0;
    while (i < out.length) {
      const n = Math.min(out.length - i, total - this.pos);
      out.set(src.subarray(this.pos, this.pos + n), i);
      i += n;
      this.pos += n;
      if (this.pos === total) {
        if (!this.opts.loop) {
          this.done = true;
          out.fill(0, i);
          return true;
        }
        this.pos = 0;
      }
    }
    return true;
  }

  /** Next sample to play, 0 ≤ position ≤ samples.length (wraps to 0 when looping). */
  get position(): number {
    return this.pos;
  }
}
