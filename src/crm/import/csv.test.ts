import { describe, expect, it } from 'vitest';
import { checkMapping, decodeCsv, draftRow, parseCsv, parseCsvAsync, suggestMapping } from './csv.js';

describe('CSV decoding', () => {
  it('reads UTF-8 with and without a BOM, and UTF-16 with a BOM', () => {
    expect(decodeCsv(Buffer.from('name\n陈美玲\n'))).toBe('name\n陈美玲\n');
    expect(decodeCsv(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a\n')]))).toBe('a\n');
    const u16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('姓名\n', 'utf16le')]);
    expect(decodeCsv(u16)).toBe('姓名\n');
  });

  it('refuses bytes that are not UTF-8 unless an encoding is named', () => {
    const gb = Buffer.from([0xd0, 0xd5, 0xc3, 0xfb, 0x0a, 0xb3, 0xc2]); // "姓名\n陈" in GB18030
    expect(() => decodeCsv(gb)).toThrow(expect.objectContaining({ code: 'CSV_ENCODING' }));
    expect(decodeCsv(gb, 'gb18030')).toBe('姓名\n陈');
  });
});

describe('CSV parsing', () => {
  it('parses quotes, embedded commas and newlines, and semicolon files', () => {
    const p = parseCsv('Name,Address\n"Chen, Margaret","1 Main St\nApt 2"\n');
    expect(p.columns).toEqual(['Name', 'Address']);
    expect(p.rows).toEqual([['Chen, Margaret', '1 Main St\nApt 2']]);
    expect(parseCsv('a;b\n1;2\n').rows).toEqual([['1', '2']]);
  });

  it('names the line of a broken quote', () => {
    expect(() => parseCsv('a,b\n1,2\n"3,4\n')).toThrow(expect.objectContaining({ code: 'CSV_MALFORMED' }));
  });

  it('refuses a file without a header and disambiguates repeated headers', () => {
    expect(() => parseCsv('')).toThrow(expect.objectContaining({ code: 'CSV_EMPTY' }));
    expect(parseCsv('Phone,Phone\n1,2\n').columns).toEqual(['Phone', 'Phone (2)']);
  });
});

describe('column mapping', () => {
  it('suggests fields from English and Chinese headers', () => {
    expect(suggestMapping(['First Name', 'Last Name', 'E-mail', 'Mobile', 'Company', 'Notes'])).toEqual({
      'First Name': 'firstName',
      'Last Name': 'lastName',
      'E-mail': 'email',
      Mobile: 'mobilePhone',
      Company: 'company',
      Notes: null,
    });
    expect(suggestMapping(['姓名', '手机', '公司名称', '地址', '電話'])).toEqual({
      姓名: 'name',
      手机: 'mobilePhone',
      公司名称: 'company',
      地址: 'address',
      電話: 'phone',
    });
  });

  it('checks a client mapping against the file', () => {
    expect(() => checkMapping(['a'], { b: 'name' })).toThrow(expect.objectContaining({ code: 'MAPPING_INVALID' }));
    expect(() => checkMapping(['a'], { a: 'salary' })).toThrow(expect.objectContaining({ code: 'MAPPING_INVALID' }));
    expect(() => checkMapping(['a', 'b'], { a: 'name', b: 'name' })).toThrow(
      expect.objectContaining({ details: [expect.objectContaining({ message: expect.stringMatching(/already mapped/) })] }),
    );
    expect(() => checkMapping(['a'], { a: 'email' })).toThrow(/name/);
    expect(() => checkMapping(['a'], [])).toThrow(expect.objectContaining({ code: 'MAPPING_INVALID' }));
    expect(checkMapping(['a', 'b'], { a: 'name', b: 'ignore' })).toEqual({ a: 'name', b: null });
  });

  it('drafts a row: splits full names, several numbers and e-mails', () => {
    const cols = ['Name', 'Phone', 'Mobile', 'Email'];
    const m = { Name: 'name', Phone: 'phone', Mobile: 'mobilePhone', Email: 'email' } as const;
    const d = draftRow(cols, m, ['Margaret Chen', '+1 555 0123; +1 555 0125', '+1 555 0124', 'm@chen.test, mc@x.test']);
    expect(d.firstName).toBe('Margaret');
    expect(d.lastName).toBe('Chen');
    expect(d.phones).toEqual([
      { label: 'work', number: '+1 555 0123' },
      { label: 'work', number: '+1 555 0125' },
      { label: 'mobile', number: '+1 555 0124' },
    ]);
    expect(d.emails.map((e) => e.address)).toEqual(['m@chen.test', 'mc@x.test']);
    expect(draftRow(['n'], { n: 'name' }, ['陈美玲']).firstName).toBe('陈美玲');
  });
});

describe('CSV parsing in slices', () => {
  it('gives the same rows as the one-shot parser, across slice boundaries', async () => {
    const lines = ['Name,Phone,Address'];
    for (let i = 0; i < 500; i++) lines.push(`"Person ${i}, Jr",+1 555 ${String(i).padStart(4, '0')},"${i} Main St\nFloor ${i % 7}"`);
    const text = lines.join('\r\n') + '\r\n';
    const a = parseCsv(text);
    const b = await parseCsvAsync(text, 97);
    expect(b).toEqual(a);
    expect(b.rows).toHaveLength(500);
  });

  it('reports a broken file', async () => {
    await expect(parseCsvAsync('a,b\n"1,2\n', 3)).rejects.toMatchObject({ code: 'CSV_MALFORMED' });
  });
});

describe('CSV export', () => {
  it('maps its own header back on import and defuses formulas', async () => {
    const { EXPORT_HEADER, contactCsvRow } = await import('./export.js');
    const m = suggestMapping(EXPORT_HEADER);
    expect(m).toMatchObject({ 'First Name': 'firstName', 'Last Name': 'lastName', Company: 'company', Email: 'email', Mobile: 'mobilePhone', 'Work Phone': 'workPhone', 'Home Phone': 'homePhone', Phone: 'phone', Address: 'address', Owner: 'ownerEmail' });
    const row = contactCsvRow(
      {
        id: 'x', firstName: '=HYPERLINK("http://evil")', lastName: 'Chen', name: '', title: null, emails: [], address: null, companyId: null, companyName: null,
        ownerId: null, custom: {}, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '',
        phones: [{ id: 'p', label: 'mobile', raw: '+1 555 0124', e164: '+15550124' }],
      },
      null,
    );
    expect(row[0]).toBe(`'=HYPERLINK("http://evil")`);
    expect(row[5]).toBe('+1 555 0124');
  });
});
