import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AppError } from '../kit/index.js';
import { normalizePhone, phoneKeyOrNull } from './phone.js';

const key = (raw: string, region = 'US') => normalizePhone(raw, region).e164;

describe('normalizePhone', () => {
  it('gives the demo short numbers one key however they are written', () => {
    for (const raw of ['+1 555 0123', '+15550123', '15550123', '(555) 0123', '555-0123', '555.0123', '1-555-0123', ' +1 (555) 012-3 ']) {
      expect(key(raw), raw).toBe('+15550123');
    }
    expect(normalizePhone('+1 555 0123', 'US').digitKeys).toEqual(['15550123', '5550123']);
  });

  it('keeps the trimmed raw text', () => {
    expect(normalizePhone('  +1 555 0123 ', 'US').raw).toBe('+1 555 0123');
  });

  it('uses E.164 for valid US numbers, with extensions outside the key', () => {
    expect(key('(212) 555-1234')).toBe('+12125551234');
    expect(key('1 212 555 1234')).toBe('+12125551234');
    const n = normalizePhone('(212) 555-1234 x12', 'US');
    expect(n.e164).toBe('+12125551234');
    expect(n.extension).toBe('12');
    expect(normalizePhone('212-555-1234 ext. 7', 'US').extension).toBe('7');
    expect(normalizePhone('212-555-1234x7', 'US').e164).toBe('+12125551234');
  });

  it('strips national trunk prefixes (CN, GB, TW)', () => {
    expect(key('010 1234 5678', 'CN')).toBe('+861012345678');
    expect(normalizePhone('010 1234 5678', 'CN').digitKeys).toEqual(['861012345678', '1012345678']);
    expect(key('+86 10 1234 5678', 'US')).toBe('+861012345678');
    expect(key('139 1234 5678', 'CN')).toBe('+8613912345678');
    expect(key('020 7946 0000', 'GB')).toBe('+442079460000');
    expect(key('+44 (0)20 7946 0000', 'US')).toBe('+442079460000');
    expect(key('0912 345 678', 'TW')).toBe('+886912345678');
    expect(key('(02) 2345-6789', 'TW')).toBe('+886223456789');
  });

  it('canonicalises short numbers in trunk-prefix regions by hand', () => {
    // 0123 4 is not a real CN number; the leading 0 is still a trunk prefix.
    expect(key('0123 4', 'CN')).toBe('+861234');
  });

  it('accepts full-width digits (CJK keyboards)', () => {
    expect(key('５５５－０１２３')).toBe('+15550123');
  });

  it('rejects letters, too few or too many digits, and misplaced +', () => {
    for (const raw of ['call me', '555-CALL', '12', '', '   ', '+1 555 0123 4567 8901 23', '555+0123', "'; DROP TABLE contacts;--", '1-800-FLOWERS']) {
      let err: unknown;
      try {
        normalizePhone(raw, 'US');
      } catch (e) {
        err = e;
      }
      expect(err, raw).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('INVALID_PHONE_NUMBER');
    }
  });

  it('without a usable region and no +, keeps digits but has no key', () => {
    const n = normalizePhone('555 0123', 'ZZ');
    expect(n.e164).toBeNull();
    expect(n.digitKeys).toEqual(['5550123']);
    expect(phoneKeyOrNull('anonymous', 'US')).toBeNull();
  });

  it('never throws anything but INVALID_PHONE_NUMBER, and keys are + and digits', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.constantFrom('US', 'CN', 'GB', 'TW', 'DE'), (s, r) => {
        try {
          const n = normalizePhone(s, r);
          if (n.e164 !== null) expect(n.e164).toMatch(/^\+\d{3,20}$/);
        } catch (e) {
          expect((e as AppError).code).toBe('INVALID_PHONE_NUMBER');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is idempotent on its own key', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\+?[1-9]\d{5,12}$/), fc.constantFrom('US', 'CN', 'GB', 'TW'), (s, r) => {
        const k = normalizePhone(s, r).e164;
        if (k) expect(normalizePhone(k, r).e164).toBe(k);
      }),
      { numRuns: 300 },
    );
  });
});

describe('international numbers take the fast path only when it gives libphonenumber’s key', () => {
  it.each([
    ['+44 (0)20 7946 0958', '+442079460958'], // trunk prefix written after the code: libphonenumber strips it
    ['+39 06 6982 1234', '+390669821234'], // Italian numbers keep their leading 0
    ['+1 (201) 555-0147', '+12015550147'],
    ['+86 138 0013 8000', '+8613800138000'],
    ['+886 2 2345 6789', '+886223456789'],
  ])('%s → %s', (raw, key) => {
    expect(normalizePhone(raw, 'US').e164).toBe(key);
    expect(normalizePhone(raw, 'CN').e164).toBe(key);
  });
});
