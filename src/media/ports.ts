import { MediaError } from './errors.js';

/**
 * Hands out RTP ports: even numbers whose odd neighbour (RTCP, RFC 3550 §11) is also in range.
 * A port is never handed out twice until freed. Allocation walks the range cyclically from where
 * it last stopped, so a freed port is the last to be reused: a late packet of an ended call is then
 * unlikely to land in a new one.
 */
export class PortAllocator {
  private readonly first: number;
  private readonly count: number;
  private readonly used = new Set<number>();
  private cursor = 0;

  constructor(portMin: number, portMax: number) {
    this.first = portMin % 2 === 0 ? portMin : portMin + 1;
    // pairs (p, p+1) with p even, p >= portMin, p + 1 <= portMax
    this.count = Math.max(0, Math.floor((portMax - this.first + 1) / 2));
  }

  /** Number of RTP/RTCP pairs the range holds. */
  get capacity(): number {
    return this.count;
  }

  get inUse(): number {
    return this.used.size;
  }

  /** Take `n` pairs at once (all or none); returns their even RTP ports. */
  allocate(n: number): number[] {
    if (this.count - this.used.size < n) {
      throw new MediaError('MEDIA_PORTS_EXHAUSTED', `no ${n} free RTP port pair(s) left (${this.used.size}/${this.count} in use)`);
    }
    const out: number[] = [];
    while (out.length < n) {
      const port = this.first + 2 * this.cursor;
      this.cursor = (this.cursor + 1) % this.count;
      if (!this.used.has(port)) {
        this.used.add(port);
        out.push(port);
      }
    }
    return out;
  }

  free(port: number): void {
    this.used.delete(port);
  }
}
