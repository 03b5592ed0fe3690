/**
 * Reading a contacts CSV: the bytes' encoding, the rows, and which column is which.
 * People export from Excel (UTF-8 with a BOM, UTF-16, or in China GB18030), from
 * Google Sheets (UTF-8) and from other CRMs, with English or Chinese headers.
 */
import { parse as parseStream, type Options } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import { invalid } from '../../kit/index.js';

export const IMPORT_FIELDS = [
  'firstName',
  'lastName',
  'name',
  'title',
  'company',
  'email',
  'phone',
  'mobilePhone',
  'workPhone',
  'homePhone',
  'address',
  'ownerEmail',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];
export type Mapping = Record<string, ImportField | null>;

export const ENCODINGS = ['utf-8', 'utf-16le', 'gb18030', 'big5'] as const;
export type Encoding = (typeof ENCODINGS)[number];

export const MAX_ROWS = 1_000_000;
export const MAX_COLUMNS = 200;

/**
 * Decodes the file. A BOM decides; otherwise the bytes must be valid UTF-8 unless the
 * caller names another encoding. Guessing between GB18030 and Big5 silently would
 * import garbled names, so an undecodable file is refused with a way forward.
 */
export function decodeCsv(bytes: Buffer, encoding?: Encoding): string {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(3));
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  const enc = encoding ?? 'utf-8';
  try {
    const text = new TextDecoder(enc, { fatal: true }).decode(bytes);
    if (text.includes('\u0000')) throw new Error('NUL in text');
    return text;
  } catch {
    throw invalid(
      'CSV_ENCODING',
      encoding
        ? `The file is not valid ${encoding} text`
        : 'The file is not UTF-8 text. Save it as "CSV UTF-8", or choose its encoding (GB18030 for Simplified Chinese Excel, Big5 for Traditional).',
    );
  }
}

export interface ParsedCsv {
  columns: string[];
  rows: string[][];
}

const parserOptions = (text: string): Options => ({
  bom: true,
  relax_column_count: true,
  skip_empty_lines: true,
  trim: true,
  delimiter: sniffDelimiter(text),
  max_record_size: 64 * 1024,
});

const malformed = (e: unknown) => {
  const err = e as Error & { lines?: number };
  return invalid('CSV_MALFORMED', `The CSV cannot be read${err.lines ? ` at line ${err.lines}` : ''}: ${err.message.replace(/^Invalid .*?:\s*/, '')}`);
};

/** Parses the text into a header and rows; structural errors name the line. */
export function parseCsv(text: string): ParsedCsv {
  let records: string[][];
  try {
    records = parse(text, parserOptions(text)) as string[][];
  } catch (e) {
    throw malformed(e);
  }
  return shape(records);
}

/**
 * The same as parseCsv for large files: the text is fed to the parser in slices with
 * a turn of the event loop between them, so a 100 MB import never stalls requests.
 */
export async function parseCsvAsync(text: string, slice = 256 * 1024): Promise<ParsedCsv> {
  const records: string[][] = [];
  const parser = parseStream(parserOptions(text));
  let failure: unknown;
  parser.on('readable', () => {
    let r: string[] | null;
    while ((r = parser.read() as string[] | null) !== null) {
      records.push(r);
      if (records.length > MAX_ROWS + 1) {
        failure ??= invalid('CSV_TOO_LONG', `At most ${MAX_ROWS} rows per import`);
        parser.destroy();
      }
    }
  });
  parser.on('error', (e) => (failure ??= malformed(e)));
  const ended = new Promise<void>((res) => {
    parser.on('end', res);
    parser.on('close', res);
  });
  for (let i = 0; i < text.length && !failure; i += slice) {
    parser.write(text.slice(i, i + slice));
    await new Promise((r) => setImmediate(r));
  }
  if (!failure) parser.end();
  await ended;
  if (failure) throw failure;
  return shape(records);
}

function shape(records: string[][]): ParsedCsv {
  const header = records.shift();
  if (!header || header.every((h) => !h)) throw invalid('CSV_EMPTY', 'The file has no header row');
  if (header.length > MAX_COLUMNS) throw invalid('CSV_TOO_WIDE', `At most ${MAX_COLUMNS} columns`);
  if (records.length > MAX_ROWS) throw invalid('CSV_TOO_LONG', `At most ${MAX_ROWS} rows per import`);
  const seen = new Map<string, number>();
  const columns = header.map((h, i) => {
    const name = h || `column ${i + 1}`;
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n > 1 ? `${name} (${n})` : name;
  });
  return { columns, rows: records };
}

function sniffDelimiter(text: string): string {
  const first = text.slice(0, text.indexOf('\n') >>> 0 || 4096);
  const count = (c: string) => first.split(c).length - 1;
  const candidates = [',', ';', '\t'].map((c) => [c, count(c)] as const).sort((a, b) => b[1] - a[1]);
  return candidates[0]![1] > 0 ? candidates[0]![0] : ',';
}

// Header words (lower-cased, spaces and punctuation removed) → field, in English and Chinese.
const SYNONYMS: Array<[ImportField, string[]]> = [
  ['firstName', ['firstname', 'givenname', 'first', 'forename', '名', '名字']],
  ['lastName', ['lastname', 'surname', 'familyname', 'last', '姓', '姓氏']],
  ['name', ['name', 'fullname', 'contactname', 'contact', '姓名', '联系人', '聯絡人', '客户名称', '客戶名稱', '名称', '名稱']],
  ['title', ['title', 'jobtitle', 'position', '职位', '職位', '职务', '職務']],
  ['company', ['company', 'companyname', 'organization', 'organisation', 'account', '公司', '公司名称', '公司名稱', '单位', '單位', '企业', '企業']],
  ['email', ['email', 'emailaddress', 'mail', 'e-mail', '邮箱', '郵箱', '电子邮件', '電子郵件', '邮件', '郵件']],
  ['mobilePhone', ['mobile', 'mobilephone', 'cell', 'cellphone', '手机', '手機', '手机号', '手機號', '移动电话', '行動電話']],
  ['workPhone', ['work', 'workphone', 'officephone', 'businessphone', '办公电话', '辦公電話', '工作电话', '工作電話']],
  ['homePhone', ['home', 'homephone', '家庭电话', '家庭電話', '住宅电话', '住宅電話']],
  ['phone', ['phone', 'phones', 'otherphone', 'phonenumber', 'telephone', 'tel', 'number', '电话', '電話', '电话号码', '電話號碼', '联系电话', '聯絡電話']],
  ['address', ['address', 'street', 'streetaddress', 'mailingaddress', '地址', '通讯地址', '通訊地址', '联系地址', '聯絡地址']],
  ['ownerEmail', ['owner', 'owneremail', 'assignedto', '负责人', '負責人', '所有者']],
];

const key = (s: string) => s.toLowerCase().replace(/[\s_\-.:()（）]/g, '');

export function suggestMapping(columns: readonly string[]): Mapping {
  const out: Mapping = {};
  const taken = new Set<ImportField>();
  for (const c of columns) {
    const k = key(c.replace(/ \(\d+\)$/, ''));
    const hit = SYNONYMS.find(([f, words]) => !taken.has(f) && words.includes(k));
    out[c] = hit ? hit[0] : null;
    if (hit) taken.add(hit[0]);
  }
  return out;
}

/** Checks a mapping sent by a client against the file's columns. */
export function checkMapping(columns: readonly string[], mapping: unknown): Mapping {
  if (!mapping || typeof mapping !== 'object' || Array.isArray(mapping)) throw invalid('MAPPING_INVALID', 'The mapping is a JSON object of column → field');
  const out: Mapping = {};
  const problems: Array<{ path: string; message: string }> = [];
  const used = new Map<string, string>();
  for (const [col, field] of Object.entries(mapping as Record<string, unknown>)) {
    if (!columns.includes(col)) {
      problems.push({ path: col.slice(0, 80), message: 'no such column in the file' });
      continue;
    }
    if (field === null || field === 'ignore' || field === '') {
      out[col] = null;
      continue;
    }
    if (typeof field !== 'string' || !(IMPORT_FIELDS as readonly string[]).includes(field)) {
      problems.push({ path: col.slice(0, 80), message: `unknown field ${JSON.stringify(field).slice(0, 40)}` });
      continue;
    }
    if (used.has(field)) problems.push({ path: col.slice(0, 80), message: `${field} is already mapped from ${used.get(field)}` });
    used.set(field, col);
    out[col] = field as ImportField;
  }
  if (problems.length) throw invalid('MAPPING_INVALID', 'The column mapping is not valid', problems);
  const fields = new Set(Object.values(out));
  if (!fields.has('firstName') && !fields.has('lastName') && !fields.has('name')) {
    throw invalid('MAPPING_INVALID', 'Map at least one column to a name (first name, last name or full name)');
  }
  return out;
}

export interface RowDraft {
  firstName: string;
  lastName: string;
  title: string | null;
  company: string | null;
  emails: Array<{ label: string; address: string }>;
  phones: Array<{ label: string; number: string }>;
  address: string | null;
  ownerEmail: string | null;
}

/** One CSV row as the fields of a contact (not yet validated). */
export function draftRow(columns: readonly string[], mapping: Mapping, row: readonly string[]): RowDraft {
  const get = (f: ImportField): string => {
    const i = columns.findIndex((c) => mapping[c] === f);
    return i >= 0 ? (row[i] ?? '').trim() : '';
  };
  let firstName = get('firstName');
  let lastName = get('lastName');
  const full = get('name');
  if (!firstName && !lastName && full) {
    // "Margaret Chen" splits at the first space; a name written without spaces (陈美玲) stays whole.
    const sp = full.indexOf(' ');
    if (sp > 0) {
      firstName = full.slice(0, sp);
      lastName = full.slice(sp + 1).trim();
    } else firstName = full;
  }
  const phones: RowDraft['phones'] = [];
  for (const [f, label] of [['phone', 'work'], ['mobilePhone', 'mobile'], ['workPhone', 'work'], ['homePhone', 'home']] as const) {
    // A cell may hold several numbers separated by ; or |
    for (const n of get(f).split(/[;|]/).map((s) => s.trim()).filter(Boolean)) phones.push({ label, number: n });
  }
  const emails = get('email')
    .split(/[;,|\s]+/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((address) => ({ label: 'work', address }));
  return {
    firstName,
    lastName,
    title: get('title') || null,
    company: get('company') || null,
    emails,
    phones,
    address: get('address') || null,
    ownerEmail: get('ownerEmail') || null,
  };
}
