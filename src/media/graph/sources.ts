/**
 * What a leg can play: prompts from WAV files (any common format and rate, converted once at load
 * and cached per worker, since hold music is shared by every held call) and call-progress tones.
 */
import { readFile, stat } from 'node:fs/promises';
import { PromptSource, ToneSource, loadPrompt, tonePlan } from '../audio/index.js';
import { MediaError } from '../errors.js';
import type { PlaySpec } from '../protocol.js';
import type { FrameSource } from './leg.js';

/** Prompts kept decoded: about 2 MB of 8 kHz audio each at most (2 min). */
const MAX_PROMPT_SAMPLES = 8000 * 120;
const MAX_CACHED = 64;

export class PromptCache {
  private readonly cache = new Map<string, { mtimeMs: number; samples: Int16Array }>();

  async load(path: string): Promise<Int16Array> {
    let st;
    try {
      st = await stat(path);
    } catch (e) {
      throw new MediaError('MEDIA_IO_FAILED', `cannot read prompt ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const hit = this.cache.get(path);
    if (hit && hit.mtimeMs === st.mtimeMs) {
      // Refresh its place in the LRU order.
      this.cache.delete(path);
      this.cache.set(path, hit);
      return hit.samples;
    }
    if (st.size > 64 * 1024 * 1024) throw new MediaError('MEDIA_BAD_AUDIO', `prompt ${path} is larger than 64 MB`);
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (e) {
      throw new MediaError('MEDIA_IO_FAILED', `cannot read prompt ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    let samples = loadPrompt(buf);
    if (samples.length > MAX_PROMPT_SAMPLES) samples = samples.slice(0, MAX_PROMPT_SAMPLES);
    this.cache.set(path, { mtimeMs: st.mtimeMs, samples });
    while (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    return samples;
  }

  async source(spec: PlaySpec): Promise<FrameSource> {
    if (spec.kind === 'file') {
      const samples = await this.load(spec.path);
      return new PromptSource(samples, { loop: spec.loop === true });
    }
    if (spec.kind === 'tone') {
      const tone = new ToneSource(tonePlan(spec.region, spec.tone));
      if (!spec.durationMs) return { next: (out) => (tone.next(out), true) };
      let left = Math.ceil(spec.durationMs / 20);
      return { next: (out) => (left-- > 0 ? (tone.next(out), true) : (out.fill(0), false)) };
    }
    if (spec.kind === 'silence') {
      return { next: (out) => (out.fill(0), true) };
    }
    throw new MediaError('MEDIA_BAD_REQUEST', `unknown play source ${String((spec as { kind: unknown }).kind)}`);
  }
}

