import type { FormInstance } from 'antd';
import { isApiError } from './client';

/** "body/phones/0/number", "/phones/0/number" or "phones.0.number" → ['phones', 0, 'number']. */
export function detailPathToName(path: string): (string | number)[] {
  const parts = path
    .replace(/^\$\.?/, '')
    .split(/[./[\]]+/)
    .filter(Boolean);
  if (parts[0] === 'body') parts.shift();
  return parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** Puts the API error's field details on the matching form fields; returns the ones that matched none. */
export function applyFormErrors(form: FormInstance, err: unknown, knownFields: string[]): string[] {
  if (!isApiError(err) || err.details.length === 0) return [];
  const unmatched: string[] = [];
  const fields: { name: (string | number)[]; errors: string[] }[] = [];
  for (const detail of err.details) {
    const name = detailPathToName(detail.path ?? '');
    if (name.length > 0 && knownFields.includes(String(name[0]))) fields.push({ name, errors: [detail.message] });
    else unmatched.push(detail.path ? `${detail.path}: ${detail.message}` : detail.message);
  }
  if (fields.length) form.setFields(fields);
  return unmatched;
}
