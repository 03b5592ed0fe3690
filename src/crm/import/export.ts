/**
 * Contacts as CSV, in the same columns the importer suggests, so an exported file
 * imports back unchanged. Phone and e-mail cells hold several values separated by
 * "; ". A UTF-8 BOM makes Excel read Chinese names correctly.
 */
import { stringify } from 'csv-stringify/sync';
import type { Contact } from '../types.js';

export const EXPORT_HEADER = ['First Name', 'Last Name', 'Title', 'Company', 'Email', 'Mobile', 'Work Phone', 'Home Phone', 'Phone', 'Address', 'Owner', 'Created', 'Id'];

const byLabel = (c: Contact, label: string | null) =>
  c.phones
    .filter((p) => (label ? p.label === label : !['mobile', 'work', 'home'].includes(p.label)))
    .map((p) => p.raw)
    .join('; ');

// Cells starting with = + - @ are formulas to a spreadsheet; prefix them so a crafted
// contact name cannot run in the admin's Excel (CSV injection).
const safe = (v: string) => (/^[=+\-@\t\r]/.test(v) && !/^\+?[\d\s\-().]+$/.test(v) ? `'${v}` : v);

export function contactCsvRow(c: Contact, ownerEmail: string | null): string[] {
  return [
    c.firstName,
    c.lastName,
    c.title ?? '',
    c.companyName ?? '',
    c.emails.map((e) => e.address).join('; '),
    byLabel(c, 'mobile'),
    byLabel(c, 'work'),
    byLabel(c, 'home'),
    byLabel(c, null),
    c.address ?? '',
    ownerEmail ?? '',
    c.createdAt,
    c.id,
  ].map(safe);
}

export const csvLines = (rows: string[][]): string => stringify(rows, { record_delimiter: '\r\n' });

export const UTF8_BOM = '\uFEFF';
