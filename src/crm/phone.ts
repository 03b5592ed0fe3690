/**
 * Phone number canonicalisation. Screen pop and quick search must match a number
 * however it was typed or signalled ("+1 555 0123", "15550123", "(555) 0123"), so
 * every number gets one canonical key: '+' + country calling code + national
 * significant digits. For numbers libphonenumber calls valid this is their E.164;
 * for fictional/short ones (the demo's 555-01xx) we compute the same shape ourselves
 * instead of giving up, because a carrier will still deliver them.
 */
import {
  getCountries,
  getCountryCallingCode,
  isSupportedCountry,
  Metadata,
  parsePhoneNumberFromString,
  type CountryCode,
} from 'libphonenumber-js/max';
import { invalid } from '../kit/index.js';

export interface NormalizedPhone {
  /** The input, trimmed. */
  raw: string;
  /** Canonical key ('+15550123'), null when no country can be determined. */
  e164: string | null;
  /** Digits to index for search: canonical digits (with country code) and national digits. */
  digitKeys: string[];
  /** Extension digits if one was given ("x12"); not part of the key. */
  extension: string | null;
}

const MIN_DIGITS = 3;
const MAX_DIGITS = 17;
const MAX_RAW = 64;

// Extension suffixes people type: "x12", "ext. 12", "extension 12", "#12", ";ext=12" (RFC 3966).
const EXT_RE = /^(.*?)\s*(?:;ext=|,|ext\.?|extension|x|#)\s*(\d{1,7})$/i;
// Only phone punctuation: spaces, + (leading only), - . ( ) /
const MAIN_RE = /^\+?[\d\s\-.()/]+$/;

const metadata = new Metadata();
const trunkPrefixCache = new Map<string, string | null>();

/** The national (trunk) prefix of a region: '0' for CN/GB/TW, '1' for US. */
export function trunkPrefixOf(region: string): string | null {
  if (!isSupportedCountry(region)) return null;
  let p = trunkPrefixCache.get(region);
  if (p === undefined) {
    metadata.selectNumberingPlan(region as CountryCode);
    // nationalPrefix() exists at runtime but is missing from the published typings.
    const plan = metadata.numberingPlan as unknown as { nationalPrefix(): string | undefined } | undefined;
    p = plan?.nationalPrefix() || null;
    trunkPrefixCache.set(region, p);
  }
  return p ?? null;
}

const callingCodes: Set<string> = new Set(getCountries().map((c) => getCountryCallingCode(c) as string));

const trunkByCode = new Map<string, string[]>();
/** The trunk prefixes used by any region sharing this calling code ('1' for NANP, '0' for +44). */
function trunkPrefixesOf(cc: string): string[] {
  let list = trunkByCode.get(cc);
  if (!list) {
    const set = new Set<string>();
    for (const c of getCountries()) if (getCountryCallingCode(c) === cc) set.add(trunkPrefixOf(c) ?? '');
    set.delete('');
    list = [...set];
    trunkByCode.set(cc, list);
  }
  return list;
}

/** Country calling code at the start of `digits` (1-3 digits), if any. */
export function leadingCallingCode(digits: string): string | null {
  for (let n = 1; n <= 3 && n < digits.length; n++) {
    const cc = digits.slice(0, n);
    if (callingCodes.has(cc)) return cc;
  }
  return null;
}

export function isSupportedRegion(region: string): boolean {
  return typeof region === 'string' && isSupportedCountry(region);
}

const phoneError = (raw: string, why: string) =>
  invalid('INVALID_PHONE_NUMBER', `"${raw.slice(0, MAX_RAW)}" is not a phone number: ${why}`, [
    { path: 'number', message: why },
  ]);

/** Splits off an extension; returns the main part (NFKC-normalised, trimmed). */
function splitExtension(s: string): { main: string; ext: string | null } {
  const m = EXT_RE.exec(s);
  if (m && m[1] !== undefined && /\d/.test(m[1])) return { main: m[1].trim(), ext: m[2] ?? null };
  return { main: s, ext: null };
}

/**
 * Canonicalise a typed or signalled number. Throws INVALID_PHONE_NUMBER for
 * letters, too few/many digits, or a '+' anywhere but the start.
 */
export function normalizePhone(input: string, defaultRegion: string): NormalizedPhone {
  if (typeof input !== 'string') throw phoneError(String(input), 'must be a string');
  const raw = input.trim();
  if (raw.length === 0) throw phoneError(raw, 'empty');
  if (raw.length > MAX_RAW) throw phoneError(raw, `longer than ${MAX_RAW} characters`);
  // NFKC turns full-width digits and punctuation (common in CJK input) into ASCII.
  let s = raw.normalize('NFKC');
  if (/^tel:/i.test(s)) s = s.slice(4);
  const { main, ext } = splitExtension(s);
  if (!MAIN_RE.test(main)) throw phoneError(raw, 'only digits, spaces and + - . ( ) / are allowed');
  const hasPlus = main.startsWith('+');
  const digits = main.replace(/\D/g, '');
  if (digits.length < MIN_DIGITS) throw phoneError(raw, `fewer than ${MIN_DIGITS} digits`);
  if (digits.length > MAX_DIGITS) throw phoneError(raw, `more than ${MAX_DIGITS} digits`);

  // Fast path for international numbers: '+' then country code then national digits is
  // already the key, unless a trunk prefix was written after the code ("+44 (0)20 …"), where
  // libphonenumber decides. Detecting the country of a +1 number costs ~30 µs, which
  // dominates a CSV import.
  if (hasPlus) {
    const cc = leadingCallingCode(digits);
    if (cc) {
      const national = digits.slice(cc.length);
      if (national.length >= MIN_DIGITS && !trunkPrefixesOf(cc).some((t) => national.startsWith(t))) {
        return { raw, e164: `+${cc}${national}`, digitKeys: [cc + national, national], extension: ext };
      }
    }
  }

  const region = isSupportedCountry(defaultRegion) ? (defaultRegion as CountryCode) : undefined;
  const parsed = parsePhoneNumberFromString(main, region ? { defaultCountry: region } : undefined);

  let cc: string | null = null;
  let national: string;
  if (parsed && parsed.isValid()) {
    // A real number: libphonenumber knows its trunk prefixes and international dialling prefixes.
    cc = parsed.countryCallingCode;
    national = parsed.nationalNumber;
  } else if (hasPlus) {
    // '+' means the digits already start with a country code; keep them as given.
    cc = parsed?.countryCallingCode ?? leadingCallingCode(digits);
    national = cc ? digits.slice(cc.length) : digits;
  } else if (region) {
    // Fictional/short national number: strip the region's trunk prefix ("0", or "1" in NANP)
    // so "15550123" and "555-0123" land on the same key as "+1 555 0123".
    cc = getCountryCallingCode(region);
    national = digits;
    const trunk = trunkPrefixOf(region);
    if (trunk && national.startsWith(trunk) && national.length - trunk.length >= MIN_DIGITS) {
      national = national.slice(trunk.length);
    }
  } else {
    national = digits;
  }

  const e164 = cc ? `+${cc}${national}` : hasPlus ? `+${digits}` : null;
  const keys = new Set<string>();
  if (e164) keys.add(e164.slice(1));
  keys.add(national);
  return { raw, e164, digitKeys: [...keys], extension: ext };
}

/** The canonical key or null, never throwing (for signalled numbers such as "anonymous"). */
export function phoneKeyOrNull(input: string, defaultRegion: string): string | null {
  try {
    return normalizePhone(input, defaultRegion).e164;
  } catch {
    return null;
  }
}
