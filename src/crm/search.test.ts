import { describe, expect, it } from 'vitest';
import { parseQuery, phraseTerm, termMatches, textTokens, tokensFor, foldText } from './search.js';
import type { Company, Contact } from './types.js';

const contact = (over: Partial<Contact> = {}): Contact => ({
  id: 'c1',
  firstName: 'Margaret',
  lastName: 'Chen',
  name: 'Margaret Chen',
  title: 'Head of Ops',
  emails: [{ label: 'work', address: 'Maggie.Chen@Example.com' }],
  phones: [
    { id: 'p1', label: 'work', raw: '+1 555 0123', e164: '+15550123' },
    { id: 'p2', label: 'mobile', raw: '+1 555 0124', e164: '+15550124' },
  ],
  address: null,
  companyId: null,
  companyName: 'Marcom',
  ownerId: null,
  custom: {},
  createdAt: '',
  updatedAt: '',
  ...over,
});

/** Does the record match the query, by the same rule the database applies? */
const matches = (q: string, tokens: string[], region = 'US') =>
  parseQuery(q, region).every((t) => tokens.some((tok) => termMatches(t, tok)));

describe('tokens', () => {
  it('folds case, width and accents', () => {
    expect(foldText('José ÅNGSTRÖM')).toBe('jose angstrom');
    expect(textTokens('Ｍａｒｃｏｍ Café')).toEqual(['marcom', 'cafe']);
  });

  it('indexes every suffix of CJK runs, and splits digits from them', () => {
    expect(textTokens('马丁路 88号')).toEqual(['马丁路', '丁路', '路', '88', '号']);
    expect(textTokens('마틴로')).toEqual(['마틴로', '틴로', '로']);
  });

  it('covers names, company, email parts, title and phones with their ids', () => {
    const toks = tokensFor('contact', contact());
    const words = toks.filter((t) => !t.phoneId).map((t) => t.token);
    expect(words).toEqual(expect.arrayContaining(['margaret', 'chen', 'marcom', 'maggie', 'example', 'com', 'head', 'ops']));
    const phones = toks.filter((t) => t.phoneId);
    expect(phones).toEqual(
      expect.arrayContaining([
        { token: '#15550123', phoneId: 'p1', field: 'phone' },
        { token: '#5550123', phoneId: 'p1', field: 'phone' },
        { token: '#5550124', phoneId: 'p2', field: 'phone' },
      ]),
    );
    // 'chen' appears in the name and the email: stored once
    expect(toks.filter((t) => t.token === 'chen')).toHaveLength(1);
  });

  it('indexes company website without scheme noise', () => {
    const c: Company = {
      id: 'k',
      name: 'Marcom',
      website: 'https://www.marcom.example',
      address: '1 Main St',
      industry: null,
      phones: [],
      ownerId: null,
      custom: {},
      createdAt: '',
      updatedAt: '',
    };
    const words = tokensFor('company', c).map((t) => t.token);
    expect(words).toContain('marcom');
    expect(words).not.toContain('https');
    expect(words).not.toContain('www');
  });

  it('caps token length', () => {
    expect(textTokens('a'.repeat(100))[0]).toHaveLength(32);
  });
});

describe('parseQuery', () => {
  it('turns phone-looking input into one digit term with fallbacks', () => {
    expect(parseQuery('(555) 012-3', 'US')).toEqual([{ kind: 'digits', alternatives: ['#5550123'] }]);
    const plus = parseQuery('+1 555 0123', 'US');
    expect(plus).toHaveLength(1);
    expect(plus[0]!.alternatives).toEqual(expect.arrayContaining(['#15550123', '#5550123']));
    const trunk = parseQuery('010 1234', 'CN');
    expect(trunk[0]!.alternatives).toEqual(expect.arrayContaining(['#0101234', '#101234']));
    // a bare number may be a house number too
    expect(parseQuery('88', 'US')[0]!.alternatives).toEqual(expect.arrayContaining(['#88', '88']));
  });

  it('splits words and keeps CJK runs whole', () => {
    expect(parseQuery('  Mar  ', 'US')).toEqual([{ kind: 'text', alternatives: ['mar'] }]);
    expect(parseQuery('马丁', 'CN')).toEqual([{ kind: 'text', alternatives: ['马丁'] }]);
    expect(parseQuery('Margaret 555 0123', 'US').map((t) => t.kind)).toEqual(['text', 'digits']);
  });

  it('treats SQL-looking text as plain words', () => {
    const terms = parseQuery("'; DROP TABLE contacts;--", 'US');
    expect(terms.map((t) => t.alternatives[0])).toEqual(['drop', 'table', 'contacts']);
  });

  it('returns nothing for punctuation only', () => {
    expect(parseQuery(' -- ; ', 'US')).toEqual([]);
  });
});

describe('matching rule (SPEC B3 examples)', () => {
  const margaret = tokensFor('contact', contact()).map((t) => t.token);
  const simon = tokensFor('contact', contact({ firstName: 'Simon', lastName: 'Peter', emails: [], title: null, phones: [] })).map(
    (t) => t.token,
  );
  const road = tokensFor('contact', contact({ firstName: 'Wei', lastName: 'Wang', emails: [], companyName: null, address: '马丁路 88号' })).map(
    (t) => t.token,
  );

  it('"Mar" finds by first name and by company name', () => {
    expect(matches('Mar', margaret)).toBe(true);
    expect(matches('Mar', simon)).toBe(true);
    expect(matches('Mar', road)).toBe(false);
  });

  it('CJK substrings match an address', () => {
    expect(matches('马丁', road)).toBe(true);
    expect(matches('丁路', road)).toBe(true);
    expect(matches('马丁路88号', road)).toBe(true);
    expect(matches('马路', road)).toBe(false);
  });

  it('numbers match in every common spelling', () => {
    for (const q of ['5550123', '(555) 012-3', '+1 555 0123', '555012', '1 555 0123', '555-0123']) expect(matches(q, margaret), q).toBe(true);
    expect(matches('5550199', margaret)).toBe(false);
  });

  it('all terms must match', () => {
    expect(matches('margaret chen', margaret)).toBe(true);
    expect(matches('margaret lee', margaret)).toBe(false);
  });
});

describe('first-and-last-name phrase', () => {
  it('indexes "first last" as one token and turns two plain words into its prefix', () => {
    const c = { firstName: 'Margaret', lastName: 'Chen', emails: [], phones: [], title: null, address: null, companyName: null } as unknown as Contact;
    expect(tokensFor('contact', c).map((t) => t.token)).toContain('margaret chen');
    expect(phraseTerm(parseQuery('Margaret Ch', 'US'))).toEqual({ kind: 'text', alternatives: ['margaret ch'] });
    expect(phraseTerm(parseQuery('Margaret', 'US'))).toBeNull();
    expect(phraseTerm(parseQuery('Margaret 555 0123', 'US'))).toBeNull();
  });
});
