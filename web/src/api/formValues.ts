import dayjs, { type Dayjs } from 'dayjs';
import type { RecordTypeDef } from './recordTypes';
import type { Email, Phone } from './types';

export interface PhoneFormValue {
  /** Kept so an edited number keeps its id (call history links to it). */
  id?: string;
  label: string;
  number: string;
}

type Values = Record<string, unknown>;

/** The create form's starting values. */
export function initialFormValues(def: RecordTypeDef, preset: Values = {}): Values {
  const values: Values = {};
  for (const field of def.fields) {
    if (field.initial !== undefined) values[field.name] = structuredClone(field.initial);
  }
  return { ...values, ...preset };
}

/** A record as the edit form holds it (phones as {label, number}, dates as dayjs). */
export function toFormValues(def: RecordTypeDef, record: Values): Values {
  const values: Values = {};
  for (const field of def.fields) {
    const value = record[field.name];
    switch (field.kind) {
      case 'phones':
        values[field.name] = Array.isArray(value)
          ? (value as Phone[]).map((p) => ({ id: p.id, label: p.label || 'other', number: p.raw ?? p.e164 ?? '' }))
          : [];
        break;
      case 'emails':
        values[field.name] = Array.isArray(value)
          ? (value as Email[]).map((e) => ({ label: e.label || 'work', address: e.address ?? '' }))
          : [];
        break;
      case 'date':
      case 'datetime':
        values[field.name] = typeof value === 'string' && value ? dayjs(value) : null;
        break;
      case 'records':
        values[field.name] = Array.isArray(value) ? value : [];
        break;
      case 'boolean':
        values[field.name] = Boolean(value);
        break;
      case 'recordLink':
        values.recordType = record.recordType ?? null;
        values.recordId = record.recordId ?? null;
        break;
      default:
        values[field.name] = value ?? null;
    }
  }
  return values;
}

function emptyToNull(value: unknown): unknown {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? null : trimmed;
  }
  return value === undefined ? null : value;
}

/**
 * Form values → request body. Create bodies omit empty fields; patch bodies send null to clear one.
 * Phones go out as [{label, number}] with the raw text the user typed.
 */
export function toRequestBody(def: RecordTypeDef, values: Values, mode: 'create' | 'patch'): Values {
  const body: Values = {};
  const put = (name: string, value: unknown) => {
    if (mode === 'create' && (value === null || value === undefined)) return;
    body[name] = value;
  };
  for (const field of def.fields) {
    const value = values[field.name];
    switch (field.kind) {
      case 'phones':
        body[field.name] = ((value as PhoneFormValue[] | undefined) ?? [])
          .filter((p) => p && typeof p.number === 'string' && p.number.trim() !== '')
          .map((p) => ({ ...(p.id ? { id: p.id } : {}), label: p.label || 'other', number: p.number.trim() }));
        break;
      case 'emails':
        body[field.name] = ((value as Email[] | undefined) ?? [])
          .filter((e) => e && typeof e.address === 'string' && e.address.trim() !== '')
          .map((e) => ({ label: e.label || 'work', address: e.address.trim() }));
        break;
      case 'date':
        put(field.name, value ? (value as Dayjs).format('YYYY-MM-DD') : null);
        break;
      case 'datetime':
        put(field.name, value ? (value as Dayjs).toISOString() : null);
        break;
      case 'number':
        put(field.name, typeof value === 'number' && Number.isFinite(value) ? value : null);
        break;
      case 'boolean':
        body[field.name] = Boolean(value);
        break;
      case 'records':
        body[field.name] = Array.isArray(value) ? value : [];
        break;
      case 'recordLink':
        put('recordType', emptyToNull(values.recordType));
        put('recordId', emptyToNull(values.recordId));
        break;
      default: {
        const v = emptyToNull(value);
        if (v === null && mode === 'patch' && field.emptyAs === 'empty') body[field.name] = '';
        else if (v === null && field.emptyAs === 'omit') break;
        else put(field.name, v);
      }
    }
  }
  return body;
}
