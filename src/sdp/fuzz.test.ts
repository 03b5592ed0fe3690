/**
 * Property-based fuzzing: parseSdp never throws, every failure is a coded SdpError, and whatever
 * parses serializes to text that parses again to the same structure.
 */
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SdpError, parseSdp, remoteRtpEndpoint, direction, rtpmaps, serializeSdp, rewriteConnection } from './index.js';

const dir = new URL('./fixtures/', import.meta.url);
const seeds = readdirSync(dir).map((f) => readFileSync(new URL(f, dir), 'utf8'));
const CODES = new Set(['SDP_MALFORMED', 'SDP_UNSUPPORTED_VERSION', 'SDP_TOO_LARGE']);

function check(input: string | Uint8Array): void {
  let r: ReturnType<typeof parseSdp>;
  try {
    r = parseSdp(input);
  } catch (e) {
    throw new Error(`parseSdp threw: ${String(e)}`);
  }
  if (!r.ok) {
    expect(r.error).toBeInstanceOf(SdpError);
    expect(CODES.has(r.error.code)).toBe(true);
    return;
  }
  // What parses must serialize (unless a value holds a NUL, which serialize refuses by design)
  // and parse back to the same thing.
  let text: string;
  try {
    text = serializeSdp(r.sdp);
  } catch (e) {
    expect(e).toBeInstanceOf(SdpError);
    return;
  }
  const again = parseSdp(text);
  expect(again.ok).toBe(true);
  if (again.ok) expect(again.sdp).toEqual(r.sdp);
  for (let i = 0; i < r.sdp.media.length; i++) {
    for (const fn of [() => remoteRtpEndpoint(r.sdp, i), () => direction(r.sdp, i), () => rtpmaps(r.sdp.media[i]!)]) {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(SdpError);
      }
    }
  }
  try {
    rewriteConnection(r.sdp, { address: '203.0.113.1', ports: r.sdp.media.map((_, i) => 20000 + 2 * i) });
  } catch (e) {
    expect(e).toBeInstanceOf(SdpError);
  }
}

const LINE_TYPES = [...'vosiuepcbtrzkamxy'];
const lineArb = fc.tuple(
  fc.constantFrom(...LINE_TYPES),
  fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('0', '- 1 2 IN IP4 1.2.3.4', 'IN IP4 0.0.0.0', 'audio 0 RTP/AVP 0', 'audio 9/2 RTP/AVP', 'AS:64', 'rtpmap:0 PCMU/8000', 'rtcp:9 IN IP4 1.1.1.1', 'sendonly', '0 0', 'IN IP6 ff15::1/3', 'IN IP4 224.0.0.1/1/2'),
  ),
).map(([t, v]) => `${t}=${v}`);

describe('fuzz', () => {
  it('random strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => check(s)), { numRuns: 2000 });
  });

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => check(b)), { numRuns: 1000 });
  });

  it('SDP-shaped line soup after v=0', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 30 }), fc.constantFrom('\r\n', '\n'), (lines, eol) => check(['v=0', ...lines].join(eol))),
      { numRuns: 2000 },
    );
  });

  it('mutated real-world descriptions', () => {
    const mutated = fc
      .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.string({ maxLength: 8 })), { minLength: 1, maxLength: 8 }))
      .map(([seed, edits]) => {
        let s = seed;
        for (const [at, del, ins] of edits) {
          const i = at % (s.length + 1);
          s = s.slice(0, i) + ins + s.slice(i + (del % 4));
        }
        return s;
      });
    fc.assert(fc.property(mutated, (s) => check(s)), { numRuns: 2000 });
  });

  it('pathological sizes stay fast', () => {
    const t0 = performance.now();
    check('v=0\r\n' + 'a=' + 'x'.repeat(60_000));
    check('v=0\r\no=- 1 2 IN IP4 1.1.1.1\r\n' + 'c=IN IP4 ' + '/'.repeat(50_000));
    check('v=0\r\no=- 1 2 IN IP4 1.1.1.1\r\n' + 'm=audio 1 RTP/AVP' + ' 0'.repeat(30_000));
    check('v=0\r\n' + '\n'.repeat(100_000));
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});
