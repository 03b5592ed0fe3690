/**
 * Property-based fuzzing: no input makes the parser, the typed headers, validation or the
 * serializer throw, and inputs are bounded so any super-linear behaviour would show as a timeout.
 */
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  StreamFramer,
  TYPED_HEADERS,
  parseDatagram,
  parseUri,
  serialize,
  validateRequest,
  validateResponse,
  type SipMessage,
  type TypedHeaderKey,
} from './index.js';

const seeds = [
  ...readdirSync(new URL('../../test/fixtures/sip/rfc4475/', import.meta.url)).map((f) =>
    readFileSync(new URL(`../../test/fixtures/sip/rfc4475/${f}`, import.meta.url)),
  ),
  ...readdirSync(new URL('../../test/fixtures/sip/realworld/', import.meta.url)).map((f) =>
    readFileSync(new URL(`../../test/fixtures/sip/realworld/${f}`, import.meta.url)),
  ),
].filter((b) => b.length <= 4096);

function exercise(m: SipMessage): void {
  for (const k of TYPED_HEADERS) m.headers.parsed(k as TypedHeaderKey);
  if (m.kind === 'request') {
    void m.requestUri;
    validateRequest(m, { supported: ['timer'] });
  } else validateResponse(m);
  const again = parseDatagram(serialize(m));
  expect(again.kind).not.toBe('keepalive');
}

function fullCheck(buf: Buffer): void {
  const r = parseDatagram(buf);
  if (r.kind === 'message') exercise(r.message);
  if (r.kind === 'error' && r.message) exercise(r.message);
  const f = new StreamFramer();
  for (const ev of f.push(buf)) if (ev.kind === 'message') exercise(ev.message);
}

// Bytes that matter to SIP syntax, so mutations hit the interesting paths.
const SPECIAL = [...'\r\n \t:;,<>"\\@?=%[]/'].map((c) => c.charCodeAt(0)).concat([0, 0x7f, 0xc3, 0xff, 0x30, 0x39]);

const mutation = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.oneof(fc.constantFrom(...SPECIAL), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(seed: Buffer, ops: Mutation[]): Buffer {
  let b = Buffer.from(seed);
  for (const m of ops) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.op === 'set' && b.length > 0) b[at] = m.byte;
    else if (m.op === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
    else if (m.op === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
    else if (m.op === 'dup') b = Buffer.concat([b.subarray(0, at + m.len), b.subarray(at)]);
  }
  return b;
}

describe('fuzz', () => {
  it('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        fullCheck(Buffer.from(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('random SIP-ish text never throws', () => {
    const piece = fc.constantFrom(
      'INVITE ', 'SIP/2.0', ' ', '\r\n', ':', ';', ',', '"', '<', '>', 'sip:', '@', 'Via', 'v', 'CSeq', 'To', 'f',
      'Contact', 'tag=', 'branch=', '%', '\\', '*', '1', '4294967296', 'Content-Length', 'l', '[::1]', 'Digest ', '=',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 200 }), (parts) => {
        fullCheck(Buffer.from(parts.join('')));
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated valid messages never throw', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 6 }), (seed, ops) => {
        fullCheck(mutate(seed, ops));
      }),
      { numRuns: 2000 },
    );
  });

  it('pathological inputs stay linear (bounded size, no timing assertion)', () => {
    const head = 'OPTIONS sip:a@b SIP/2.0\r\n';
    for (const body of [
      'Via: ' + 'SIP/2.0/UDP h;'.repeat(900),
      'To: ' + '"'.repeat(15000),
      'To: ' + '<'.repeat(15000),
      'Contact: ' + ';a'.repeat(7000),
      'Authorization: Digest ' + 'a=b,'.repeat(3500),
      'Date: ' + 'Mon, '.repeat(3000),
      'X: ' + ' \t'.repeat(7000),
    ]) {
      fullCheck(Buffer.from(head + body + '\r\n\r\n'));
    }
    for (const s of ['sip:' + '%'.repeat(15000), 'sip:' + ';'.repeat(15000), 'sip:a@' + '['.repeat(15000), 'tel:' + '1'.repeat(15000)]) {
      expect(parseUri(s).ok === true || parseUri(s).ok === false).toBe(true);
    }
  });
});
