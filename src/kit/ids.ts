import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

// One getrandom call per 4 KB of ids instead of one per id: bulk imports mint
// hundreds of thousands of ids.
let pool = Buffer.alloc(0);
let poolAt = 0;
function randomChunk(n: number): Buffer {
  if (n > 4096) return randomBytes(n);
  if (poolAt + n > pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + n);
  poolAt += n;
  return out;
}

/**
 * Sortable ids: 10 chars of millisecond time then 16 random chars (80 bits), so
 * ids created later sort later and b-tree inserts stay at the right edge.
 */
export function newId(now: number = Date.now()): string {
  let t = now;
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = ALPHABET[t % 32] + head;
    t = Math.floor(t / 32);
  }
  const bytes = randomChunk(10);
  let tail = '';
  // 10 bytes = 80 bits = 16 base32 chars
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      tail += ALPHABET[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return head + tail;
}

export const ID_PATTERN = '^[0-9a-hjkmnp-tv-z]{26}$';
export const isId = (s: string): boolean => /^[0-9a-hjkmnp-tv-z]{26}$/.test(s);

/**
 * Random bytes from the shared pool, encoded: for values that must be unpredictable but are not
 * secrets kept for long (SIP branches, tags, Call-IDs, nonce salt). Several per SIP message, so
 * one getrandom call per 4 KB instead of one each.
 */
export function randomToken(bytes: number, encoding: 'base64url' | 'hex' = 'base64url'): string {
  return randomChunk(bytes).toString(encoding);
}

/** Copies `n` pooled random bytes into `target` at `offset`. */
export function fillRandom(target: Buffer, offset: number, n: number): void {
  randomChunk(n).copy(target, offset);
}

/** A secret token with `bytes` of entropy, URL-safe. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
