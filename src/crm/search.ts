/**
 * Quick-search tokens (SPEC B3). A record is indexed as a set of short tokens in
 * search_tokens(tenant_id, token); a query matches when every query term is a
 * prefix of some token of the record, which is a b-tree range scan
 * (token >= term AND token < term + U+10FFFF) in both SQLite and PostgreSQL
 * (COLLATE "C"), so it stays fast at a million contacts.
 *
 * - words: NFKD, accents stripped, NFC, lower-cased; split on anything that is not a
 *   letter, mark or number.
 * - CJK (Han, kana, Hangul) has no spaces, so each run is indexed by every suffix:
 *   any substring of the run is then a prefix of some suffix ("马丁" of "马丁路").
 * - phone numbers: '#' + canonical digits (with country code) and '#' + national
 *   digits, tagged with the phone's id so results can show the number that matched.
 */
import { getCountryCallingCode, isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';
import { leadingCallingCode, trunkPrefixOf } from './phone.js';
import type { Company, Contact, Lead, PhoneNumber, SearchableType } from './types.js';

export type TokenField = 'name' | 'company' | 'email' | 'title' | 'address' | 'website' | 'phone';

export interface SearchToken {
  token: string;
  phoneId: string | null;
  field: TokenField;
}

export interface SearchTerm {
  kind: 'text' | 'digits';
  /** The record matches the term when any alternative is a prefix of one of its tokens. */
  alternatives: string[];
}

/** Longest token (in code points); longer query terms are cut to this so they still prefix-match. */
export const MAX_TOKEN_LENGTH = 32;
/** Terms beyond this are ignored: more would only narrow an already tiny result. */
export const MAX_QUERY_TERMS = 6;
const MAX_QUERY_LENGTH = 200;

/** Upper bound for a prefix range: above every string that starts with the prefix. */
export const PREFIX_END = '\u{10FFFF}';

const CJK = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}\\u30FC';
const TOKEN_RE = new RegExp(`([${CJK}]+)|((?:(?![${CJK}])[\\p{L}\\p{M}\\p{N}])+)`, 'gu');

/** Lower-case, compatibility-folded, accent-free form used on both sides of the match. */
export function foldText(s: string): string {
  // Only combining diacritics (U+0300-036F) are dropped: kana voicing marks and Hangul
  // jamo recompose under NFC, so CJK text keeps its meaning.
  return s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').normalize('NFC').toLowerCase();
}

const cut = (s: string): string => {
  const cps = Array.from(s);
  return cps.length > MAX_TOKEN_LENGTH ? cps.slice(0, MAX_TOKEN_LENGTH).join('') : s;
};

interface Piece {
  text: string;
  cjk: boolean;
}

function pieces(s: string): Piece[] {
  const out: Piece[] = [];
  for (const m of foldText(s).matchAll(TOKEN_RE)) {
    if (m[1]) out.push({ text: m[1], cjk: true });
    else if (m[2]) out.push({ text: m[2], cjk: false });
  }
  return out;
}

/** Word tokens of a text (CJK runs expanded to all their suffixes). */
export function textTokens(s: string | null | undefined): string[] {
  if (!s) return [];
  const out: string[] = [];
  for (const p of pieces(s)) {
    if (!p.cjk) {
      out.push(cut(p.text));
      continue;
    }
    const cps = Array.from(p.text);
    for (let i = 0; i < cps.length; i++) out.push(cut(cps.slice(i).join('')));
  }
  return out;
}

/** Search digit keys of a stored phone: canonical digits and national digits. */
export function phoneDigitKeys(phone: Pick<PhoneNumber, 'raw' | 'e164'>): string[] {
  if (!phone.e164) {
    const d = phone.raw.normalize('NFKC').replace(/\D/g, '');
    return d ? [d] : [];
  }
  const d = phone.e164.slice(1);
  // Country calling codes are prefix-free (ITU E.164), so the split is unambiguous.
  const cc = leadingCallingCode(d);
  return cc && d.length > cc.length ? [d, d.slice(cc.length)] : [d];
}

function websiteText(w: string | null): string | null {
  if (!w) return null;
  return w.replace(/^[a-z]+:\/\//i, '').replace(/^www\./i, '');
}

/** Every token of a contact, lead or company, deduplicated, with the field it came from. */
export function tokensFor(type: SearchableType, record: Contact | Lead | Company): SearchToken[] {
  const out: SearchToken[] = [];
  const seen = new Set<string>();
  const add = (field: TokenField, tokens: string[], phoneId: string | null = null) => {
    for (const token of tokens) {
      const k = `${token}\u0000${phoneId ?? ''}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ token, phoneId, field });
    }
  };
  if (type === 'company') {
    const c = record as Company;
    add('name', textTokens(c.name));
    add('website', textTokens(websiteText(c.website)));
    add('address', textTokens(c.address));
  } else {
    const p = record as Contact | Lead;
    const first = textTokens(p.firstName);
    const last = textTokens(p.lastName);
    add('name', first);
    add('name', last);
    // "margaret chen" as one token: the commonest two-word query (a first name and the
    // start of a surname) is then one index range instead of an intersection of two broad ones.
    if (first.length === 1 && last.length === 1) add('name', [cut(`${first[0]} ${last[0]}`)]);
    add('company', textTokens(p.companyName));
    for (const e of p.emails) {
      const at = e.address.lastIndexOf('@');
      add('email', textTokens(at > 0 ? e.address.slice(0, at) : e.address));
      if (at > 0) add('email', textTokens(e.address.slice(at + 1)));
    }
    add('title', textTokens(p.title));
    add('address', textTokens(p.address));
  }
  for (const ph of record.phones) {
    add(
      'phone',
      phoneDigitKeys(ph).map((d) => `#${d}`),
      ph.id,
    );
  }
  return out;
}

const PHONEISH = /^[+\d\-.()/]+$/;

function digitTerm(group: string[], region: string): SearchTerm | null {
  const joined = group.join('');
  const plus = joined.startsWith('+');
  const d = joined.replace(/\D/g, '').slice(0, 17);
  if (!d) return null;
  const alts = new Set<string>([`#${d}`]);
  const supported = isSupportedCountry(region);
  const trunk = supported ? trunkPrefixOf(region) : null;
  const stripTrunk = (x: string) => {
    if (trunk && x.startsWith(trunk) && x.length > trunk.length) alts.add(`#${x.slice(trunk.length)}`);
  };
  if (plus) {
    const cc = leadingCallingCode(d);
    if (cc && d.length > cc.length) {
      const rest = d.slice(cc.length);
      alts.add(`#${rest}`);
      if (rest.startsWith('0') && rest.length > 1) alts.add(`#${rest.slice(1)}`); // "+44 (0)20…"
    }
  } else {
    stripTrunk(d);
    if (supported) {
      const cc = getCountryCallingCode(region as CountryCode) as string;
      if (d.startsWith(cc) && d.length > cc.length) {
        const rest = d.slice(cc.length);
        alts.add(`#${rest}`);
        stripTrunk(rest);
      }
    }
    // A bare number may also be a house number or a word in a name ("88号").
    if (group.length === 1 && /^\d+$/.test(joined)) alts.add(cut(d));
  }
  return { kind: 'digits', alternatives: [...alts] };
}

/**
 * The whole query as one prefix of a "first last" name token, when it is two or more
 * plain words ("kevin ha"); null otherwise.
 */
export function phraseTerm(terms: readonly SearchTerm[]): SearchTerm | null {
  if (terms.length !== 2 || terms.some((t) => t.kind !== 'text' || t.alternatives.length !== 1)) return null;
  return { kind: 'text', alternatives: [cut(terms.map((t) => t.alternatives[0]!).join(' '))] };
}

/**
 * Query text → terms. Runs of digit/phone-punctuation chunks ("(555) 012-3",
 * "+1 555 0123") become ONE digit term; other text is split into words like the index.
 * Any text is safe here: terms only ever travel as bound parameters.
 */
export function parseQuery(q: string, region: string): SearchTerm[] {
  const chunks = q.normalize('NFKC').slice(0, MAX_QUERY_LENGTH).trim().split(/\s+/).filter(Boolean);
  const terms: SearchTerm[] = [];
  const seen = new Set<string>();
  const push = (t: SearchTerm | null) => {
    if (!t) return;
    const k = t.alternatives.join('|');
    if (seen.has(k)) return;
    seen.add(k);
    terms.push(t);
  };
  let group: string[] = [];
  const flush = () => {
    if (group.length) push(digitTerm(group, region));
    group = [];
  };
  for (const c of chunks) {
    if (PHONEISH.test(c) && (/\d/.test(c) || group.length > 0)) {
      // a '+' starts a new number
      if (c.startsWith('+') && group.length) flush();
      group.push(c);
      continue;
    }
    flush();
    // One term per word or CJK run: the run's own suffixes are implied by the run.
    for (const p of pieces(c)) push({ kind: 'text', alternatives: [cut(p.text)] });
  }
  flush();
  return terms.slice(0, MAX_QUERY_TERMS);
}

/** True when `token` starts with any alternative of the term. */
export function termMatches(term: SearchTerm, token: string): boolean {
  return term.alternatives.some((a) => token.startsWith(a));
}
