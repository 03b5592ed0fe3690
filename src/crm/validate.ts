/**
 * Input validation for every CRM record type. The HTTP layer validates shapes with
 * JSON schema too, but the domain checks again because imports, the dialer and the
 * switch call the service directly. All problems are reported at once in `details`.
 */
import { invalid, isAppError, isId, type ErrorDetail } from '../kit/index.js';
import { normalizePhone } from './phone.js';
import {
  DEAL_STAGES,
  LEAD_STATUSES,
  PRIORITIES,
  RECORD_TYPES,
  TICKET_STATUSES,
  type CustomFields,
  type Email,
  type RecordType,
} from './types.js';

export const LIMITS = {
  name: 200,
  text: 500,
  longText: 20_000,
  emails: 20,
  phones: 20,
  label: 40,
  customKeys: 50,
  customValue: 2_000,
  contactIds: 100,
  maxAmount: 1e13,
} as const;

/** A phone as validated: raw + canonical key; id only when the caller wants to keep one. */
export interface PhoneDraft {
  id?: string;
  label: string;
  raw: string;
  e164: string | null;
}

type Spec =
  | { kind: 'string'; max: number; required?: boolean; nullable?: boolean }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'id'; nullable?: boolean }
  | { kind: 'ids'; max: number }
  | { kind: 'emails' }
  | { kind: 'phones' }
  | { kind: 'custom' }
  | { kind: 'amount' }
  | { kind: 'currency' }
  | { kind: 'date' }
  | { kind: 'datetime' }
  | { kind: 'boolean' }
  | { kind: 'recordType' };

const str = (max: number, o: { required?: boolean; nullable?: boolean } = {}): Spec => ({ kind: 'string', max, ...o });
const nstr = (max: number): Spec => str(max, { nullable: true });

const person: Record<string, Spec> = {
  firstName: str(LIMITS.name),
  lastName: str(LIMITS.name),
  title: nstr(LIMITS.name),
  emails: { kind: 'emails' },
  phones: { kind: 'phones' },
  address: nstr(LIMITS.text),
  ownerId: { kind: 'id', nullable: true },
  custom: { kind: 'custom' },
};

export const SPECS: Record<RecordType, Record<string, Spec>> = {
  contact: { ...person, companyId: { kind: 'id', nullable: true } },
  lead: {
    ...person,
    companyName: nstr(LIMITS.name),
    status: { kind: 'enum', values: LEAD_STATUSES },
    source: nstr(LIMITS.name),
  },
  company: {
    name: str(LIMITS.name, { required: true }),
    website: nstr(LIMITS.text),
    address: nstr(LIMITS.text),
    industry: nstr(LIMITS.name),
    phones: { kind: 'phones' },
    ownerId: { kind: 'id', nullable: true },
    custom: { kind: 'custom' },
  },
  deal: {
    name: str(LIMITS.name, { required: true }),
    stage: { kind: 'enum', values: DEAL_STAGES },
    amount: { kind: 'amount' },
    currency: { kind: 'currency' },
    companyId: { kind: 'id', nullable: true },
    contactIds: { kind: 'ids', max: LIMITS.contactIds },
    ownerId: { kind: 'id', nullable: true },
    closeDate: { kind: 'date' },
    custom: { kind: 'custom' },
  },
  ticket: {
    subject: str(LIMITS.name, { required: true }),
    description: nstr(LIMITS.longText),
    status: { kind: 'enum', values: TICKET_STATUSES },
    priority: { kind: 'enum', values: PRIORITIES },
    category: nstr(LIMITS.name),
    contactId: { kind: 'id', nullable: true },
    assigneeId: { kind: 'id', nullable: true },
    custom: { kind: 'custom' },
  },
  task: {
    title: str(LIMITS.name, { required: true }),
    notes: nstr(LIMITS.longText),
    dueAt: { kind: 'datetime' },
    assigneeId: { kind: 'id', nullable: true },
    recordType: { kind: 'recordType' },
    recordId: { kind: 'id', nullable: true },
    done: { kind: 'boolean' },
  },
};

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

const EMAIL_RE = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{1,63}$/;
const CUSTOM_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
// ISO 8601 date-time with zone (Z or ±hh:mm); Date.parse alone accepts too much.
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Decimal places of a currency's minor unit (USD 2, JPY 0, BHD 3). */
export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

export function toMinor(amount: number, currency: string): number {
  return Math.round(amount * 10 ** currencyDigits(currency));
}

export function fromMinor(minor: number, currency: string): number {
  const d = currencyDigits(currency);
  return Number((minor / 10 ** d).toFixed(d));
}

function checkEmails(v: unknown, path: string, errs: ErrorDetail[]): Email[] | undefined {
  if (!Array.isArray(v)) return void errs.push({ path, message: 'must be an array' });
  if (v.length > LIMITS.emails) return void errs.push({ path, message: `at most ${LIMITS.emails} emails` });
  const out: Email[] = [];
  v.forEach((e, i) => {
    const p = `${path}[${i}]`;
    if (!isPlainObject(e)) return void errs.push({ path: p, message: 'must be an object {label, address}' });
    const extra = Object.keys(e).filter((k) => k !== 'label' && k !== 'address');
    if (extra.length) errs.push({ path: `${p}.${extra[0]}`, message: 'unknown field' });
    const address = typeof e.address === 'string' ? e.address.trim() : '';
    if (!EMAIL_RE.test(address) || address.length > 254) errs.push({ path: `${p}.address`, message: 'not an email address' });
    const label = e.label === undefined ? 'work' : e.label;
    if (typeof label !== 'string' || label.trim().length === 0 || label.length > LIMITS.label)
      errs.push({ path: `${p}.label`, message: `must be a non-empty string of at most ${LIMITS.label} characters` });
    out.push({ label: typeof label === 'string' ? label.trim() : 'work', address });
  });
  return out;
}

function checkPhones(v: unknown, path: string, region: string, errs: ErrorDetail[], phoneErrs: ErrorDetail[]) {
  if (!Array.isArray(v)) return void errs.push({ path, message: 'must be an array' });
  if (v.length > LIMITS.phones) return void errs.push({ path, message: `at most ${LIMITS.phones} numbers` });
  const out: PhoneDraft[] = [];
  v.forEach((ph, i) => {
    const p = `${path}[${i}]`;
    if (!isPlainObject(ph)) return void errs.push({ path: p, message: 'must be an object {label, number}' });
    const extra = Object.keys(ph).filter((k) => k !== 'label' && k !== 'number' && k !== 'id');
    if (extra.length) errs.push({ path: `${p}.${extra[0]}`, message: 'unknown field' });
    const label = ph.label === undefined ? 'work' : ph.label;
    if (typeof label !== 'string' || label.trim().length === 0 || label.length > LIMITS.label)
      errs.push({ path: `${p}.label`, message: `must be a non-empty string of at most ${LIMITS.label} characters` });
    if (ph.id !== undefined && (typeof ph.id !== 'string' || !isId(ph.id)))
      errs.push({ path: `${p}.id`, message: 'not a phone number id' });
    if (typeof ph.number !== 'string') return void errs.push({ path: `${p}.number`, message: 'must be a string' });
    try {
      const n = normalizePhone(ph.number, region);
      const draft: PhoneDraft = { label: typeof label === 'string' ? label.trim() : 'work', raw: n.raw, e164: n.e164 };
      if (typeof ph.id === 'string') draft.id = ph.id;
      out.push(draft);
    } catch (e) {
      if (!isAppError(e)) throw e;
      phoneErrs.push({ path: `${p}.number`, message: e.message });
    }
  });
  return out;
}

function checkCustom(v: unknown, path: string, errs: ErrorDetail[]): CustomFields | undefined {
  if (!isPlainObject(v)) return void errs.push({ path, message: 'must be an object' });
  const keys = Object.keys(v);
  if (keys.length > LIMITS.customKeys) return void errs.push({ path, message: `at most ${LIMITS.customKeys} keys` });
  const out: CustomFields = {};
  for (const k of keys) {
    const val = v[k];
    if (!CUSTOM_KEY_RE.test(k)) {
      errs.push({ path: `${path}.${k.slice(0, 64)}`, message: 'key must match [A-Za-z_][A-Za-z0-9_]{0,63}' });
      continue;
    }
    const ok =
      val === null ||
      typeof val === 'boolean' ||
      (typeof val === 'number' && Number.isFinite(val)) ||
      (typeof val === 'string' && val.length <= LIMITS.customValue);
    if (!ok) errs.push({ path: `${path}.${k}`, message: 'must be a string, finite number, boolean or null' });
    else out[k] = val as CustomFields[string];
  }
  return out;
}

/**
 * Validates an input object against the type's fields. `create` requires the
 * required fields; both modes reject unknown fields and wrong types. Returns only the
 * fields present, normalised (strings trimmed, '' → null for nullable ones, phones
 * canonicalised). Throws INVALID_PHONE_NUMBER when phones are the only problem,
 * VALIDATION_FAILED otherwise.
 */
export function validateInput(
  type: RecordType,
  input: unknown,
  mode: 'create' | 'update',
  region: string,
): Record<string, unknown> {
  if (!isPlainObject(input)) throw invalid('VALIDATION_FAILED', 'body must be a JSON object');
  const spec = SPECS[type];
  const errs: ErrorDetail[] = [];
  const phoneErrs: ErrorDetail[] = [];
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    if (!(key in spec)) errs.push({ path: key.slice(0, 64), message: 'unknown field' });
  }
  for (const [key, s] of Object.entries(spec)) {
    const v = input[key];
    if (v === undefined) {
      if (mode === 'create' && s.kind === 'string' && s.required) errs.push({ path: key, message: 'is required' });
      continue;
    }
    switch (s.kind) {
      case 'string': {
        if (v === null && s.nullable) out[key] = null;
        else if (typeof v !== 'string') errs.push({ path: key, message: s.nullable ? 'must be a string or null' : 'must be a string' });
        else {
          const t = v.trim();
          if (t.length > s.max) errs.push({ path: key, message: `at most ${s.max} characters` });
          else if (t.length === 0 && s.required) errs.push({ path: key, message: 'must not be empty' });
          else out[key] = t.length === 0 && s.nullable ? null : t;
        }
        break;
      }
      case 'enum':
        if (typeof v !== 'string' || !s.values.includes(v)) errs.push({ path: key, message: `must be one of ${s.values.join(', ')}` });
        else out[key] = v;
        break;
      case 'id':
        if (v === null && s.nullable) out[key] = null;
        else if (typeof v !== 'string' || !isId(v)) errs.push({ path: key, message: 'not a valid id' });
        else out[key] = v;
        break;
      case 'ids':
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || !isId(x))) errs.push({ path: key, message: 'must be an array of ids' });
        else if (v.length > s.max) errs.push({ path: key, message: `at most ${s.max} ids` });
        else out[key] = [...new Set(v as string[])];
        break;
      case 'emails':
        out[key] = checkEmails(v, key, errs);
        break;
      case 'phones':
        out[key] = checkPhones(v, key, region, errs, phoneErrs);
        break;
      case 'custom':
        out[key] = checkCustom(v, key, errs);
        break;
      case 'amount':
        if (v === null) out[key] = null;
        else if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > LIMITS.maxAmount)
          errs.push({ path: key, message: `must be a number from 0 to ${LIMITS.maxAmount}, or null` });
        else out[key] = v;
        break;
      case 'currency':
        if (typeof v !== 'string' || !/^[A-Za-z]{3}$/.test(v)) errs.push({ path: key, message: 'must be an ISO 4217 code such as USD' });
        else out[key] = v.toUpperCase();
        break;
      case 'date': {
        if (v === null) {
          out[key] = null;
          break;
        }
        const m = typeof v === 'string' ? DATE_RE.exec(v) : null;
        const d = m ? new Date(`${v as string}T00:00:00Z`) : null;
        if (!m || !d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v)
          errs.push({ path: key, message: 'must be a date YYYY-MM-DD or null' });
        else out[key] = v;
        break;
      }
      case 'datetime': {
        if (v === null) {
          out[key] = null;
          break;
        }
        const ms = typeof v === 'string' && DATETIME_RE.test(v) ? Date.parse(v) : NaN;
        if (Number.isNaN(ms)) errs.push({ path: key, message: 'must be an ISO 8601 date-time with zone, or null' });
        else out[key] = new Date(ms).toISOString();
        break;
      }
      case 'boolean':
        if (typeof v !== 'boolean') errs.push({ path: key, message: 'must be true or false' });
        else out[key] = v;
        break;
      case 'recordType':
        if (v === null) out[key] = null;
        else if (typeof v !== 'string' || !(RECORD_TYPES as readonly string[]).includes(v))
          errs.push({ path: key, message: `must be one of ${RECORD_TYPES.join(', ')}` });
        else out[key] = v;
        break;
    }
  }
  if (errs.length === 0 && phoneErrs.length > 0) {
    throw invalid('INVALID_PHONE_NUMBER', phoneErrs[0]!.message, phoneErrs);
  }
  if (errs.length > 0) {
    const all = [...errs, ...phoneErrs];
    throw invalid('VALIDATION_FAILED', `invalid ${type}: ${all[0]!.path} ${all[0]!.message}`, all.slice(0, 20));
  }
  return out;
}
