/**
 * What the app knows about each CRM record type: its URL segment, its fields (for forms and
 * detail pages) and its list columns. Labels come from i18n (`field.<name>`, `enum.<enum>.<value>`).
 */

export type RecordTypeKey = 'contacts' | 'companies' | 'leads' | 'deals' | 'tickets' | 'tasks';
export const RECORD_TYPES: RecordTypeKey[] = ['contacts', 'companies', 'leads', 'deals', 'tickets', 'tasks'];

/** Singular names as used by the API in events, search hits and task links. */
export type SingularType = 'contact' | 'company' | 'lead' | 'deal' | 'ticket' | 'task';

export const SINGULAR: Record<RecordTypeKey, SingularType> = {
  contacts: 'contact',
  companies: 'company',
  leads: 'lead',
  deals: 'deal',
  tickets: 'ticket',
  tasks: 'task',
};

/** Accepts 'contact' or 'contacts' (events may use either) and returns the plural key. */
export function toRecordType(value: unknown): RecordTypeKey | null {
  if (typeof value !== 'string') return null;
  if ((RECORD_TYPES as string[]).includes(value)) return value as RecordTypeKey;
  const found = RECORD_TYPES.find((key) => SINGULAR[key] === value);
  return found ?? null;
}

export type FieldKind =
  | 'text'
  | 'textarea'
  | 'email'
  | 'phones'
  | 'emails'
  | 'select'
  | 'number'
  | 'date'
  | 'datetime'
  | 'boolean'
  | 'record'
  | 'records'
  | 'user'
  | 'recordLink';

export interface FieldDef {
  name: string;
  kind: FieldKind;
  /** For 'select': the enum name in i18n (`enum.<enumName>.<value>`) and its values. */
  enumName?: string;
  options?: string[];
  /** For 'record' / 'records': which record type the id points at. */
  target?: RecordTypeKey;
  required?: boolean;
  /** Default value for the create form. */
  initial?: unknown;
  /** Wide fields take the whole form row. */
  wide?: boolean;
  /**
   * What an emptied field sends on PATCH: null (default, for nullable fields), '' (non-null
   * strings such as firstName) or nothing (fields that must hold a value, such as currency).
   */
  emptyAs?: 'null' | 'empty' | 'omit';
  /** i18n key of the label when `field.<name>` does not fit (a task's title is not a job title). */
  labelKey?: string;
}

export interface ColumnDef {
  name: string;
  kind: FieldKind | 'name';
  enumName?: string;
  target?: RecordTypeKey;
  labelKey?: string;
}

export interface RecordTypeDef {
  key: RecordTypeKey;
  singular: SingularType;
  /** Field holding the display name of a record. */
  titleField: string;
  fields: FieldDef[];
  columns: ColumnDef[];
}

export const LEAD_STATUSES = ['new', 'contacted', 'qualified', 'unqualified'];
export const DEAL_STAGES = ['qualification', 'proposal', 'negotiation', 'won', 'lost'];
export const TICKET_STATUSES = ['open', 'pending', 'solved', 'closed'];
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'];
export const TASK_RECORD_TYPES: SingularType[] = ['contact', 'company', 'lead', 'deal', 'ticket'];

export const RECORD_DEFS: Record<RecordTypeKey, RecordTypeDef> = {
  contacts: {
    key: 'contacts',
    singular: 'contact',
    titleField: 'name',
    fields: [
      { name: 'firstName', kind: 'text', emptyAs: 'empty' },
      { name: 'lastName', kind: 'text', emptyAs: 'empty' },
      { name: 'title', kind: 'text' },
      { name: 'companyId', kind: 'record', target: 'companies' },
      { name: 'phones', kind: 'phones', wide: true, initial: [{ label: 'mobile', number: '' }] },
      { name: 'emails', kind: 'emails', wide: true, initial: [] },
      { name: 'address', kind: 'textarea', wide: true },
      { name: 'ownerId', kind: 'user' },
    ],
    columns: [
      { name: 'name', kind: 'name' },
      { name: 'phones', kind: 'phones' },
      { name: 'emails', kind: 'emails' },
      { name: 'title', kind: 'text' },
      { name: 'companyName', kind: 'text' },
      { name: 'updatedAt', kind: 'datetime' },
    ],
  },
  companies: {
    key: 'companies',
    singular: 'company',
    titleField: 'name',
    fields: [
      { name: 'name', kind: 'text', required: true },
      { name: 'website', kind: 'text' },
      { name: 'industry', kind: 'text' },
      { name: 'ownerId', kind: 'user' },
      { name: 'phones', kind: 'phones', wide: true, initial: [] },
      { name: 'address', kind: 'textarea', wide: true },
    ],
    columns: [
      { name: 'name', kind: 'name' },
      { name: 'phones', kind: 'phones' },
      { name: 'website', kind: 'text' },
      { name: 'industry', kind: 'text' },
      { name: 'updatedAt', kind: 'datetime' },
    ],
  },
  leads: {
    key: 'leads',
    singular: 'lead',
    titleField: 'name',
    fields: [
      { name: 'firstName', kind: 'text', emptyAs: 'empty' },
      { name: 'lastName', kind: 'text', emptyAs: 'empty' },
      { name: 'companyName', kind: 'text' },
      { name: 'title', kind: 'text' },
      { name: 'status', kind: 'select', enumName: 'leadStatus', options: LEAD_STATUSES, initial: 'new' },
      { name: 'source', kind: 'text' },
      { name: 'phones', kind: 'phones', wide: true, initial: [{ label: 'mobile', number: '' }] },
      { name: 'emails', kind: 'emails', wide: true, initial: [] },
      { name: 'address', kind: 'textarea', wide: true },
      { name: 'ownerId', kind: 'user' },
    ],
    columns: [
      { name: 'name', kind: 'name' },
      { name: 'companyName', kind: 'text' },
      { name: 'phones', kind: 'phones' },
      { name: 'status', kind: 'select', enumName: 'leadStatus' },
      { name: 'source', kind: 'text' },
      { name: 'updatedAt', kind: 'datetime' },
    ],
  },
  deals: {
    key: 'deals',
    singular: 'deal',
    titleField: 'name',
    fields: [
      { name: 'name', kind: 'text', required: true },
      { name: 'stage', kind: 'select', enumName: 'dealStage', options: DEAL_STAGES, initial: 'qualification' },
      { name: 'amount', kind: 'number' },
      { name: 'currency', kind: 'text', emptyAs: 'omit' },
      { name: 'closeDate', kind: 'date' },
      { name: 'companyId', kind: 'record', target: 'companies' },
      { name: 'contactIds', kind: 'records', target: 'contacts', wide: true, initial: [] },
      { name: 'ownerId', kind: 'user' },
    ],
    columns: [
      { name: 'name', kind: 'name' },
      { name: 'stage', kind: 'select', enumName: 'dealStage' },
      { name: 'amount', kind: 'number' },
      { name: 'closeDate', kind: 'date' },
      { name: 'companyId', kind: 'record', target: 'companies' },
    ],
  },
  tickets: {
    key: 'tickets',
    singular: 'ticket',
    titleField: 'subject',
    fields: [
      { name: 'subject', kind: 'text', required: true, wide: true },
      { name: 'status', kind: 'select', enumName: 'ticketStatus', options: TICKET_STATUSES, initial: 'open' },
      { name: 'priority', kind: 'select', enumName: 'ticketPriority', options: TICKET_PRIORITIES, initial: 'normal' },
      { name: 'category', kind: 'text' },
      { name: 'contactId', kind: 'record', target: 'contacts' },
      { name: 'assigneeId', kind: 'user' },
      { name: 'description', kind: 'textarea', wide: true },
    ],
    columns: [
      { name: 'subject', kind: 'name' },
      { name: 'status', kind: 'select', enumName: 'ticketStatus' },
      { name: 'priority', kind: 'select', enumName: 'ticketPriority' },
      { name: 'category', kind: 'text' },
      { name: 'contactId', kind: 'record', target: 'contacts' },
      { name: 'updatedAt', kind: 'datetime' },
    ],
  },
  tasks: {
    key: 'tasks',
    singular: 'task',
    titleField: 'title',
    fields: [
      { name: 'title', kind: 'text', required: true, wide: true, labelKey: 'field.taskTitle' },
      { name: 'dueAt', kind: 'datetime' },
      { name: 'assigneeId', kind: 'user' },
      { name: 'recordId', kind: 'recordLink', wide: true },
      { name: 'done', kind: 'boolean', initial: false },
      { name: 'notes', kind: 'textarea', wide: true },
    ],
    columns: [
      { name: 'title', kind: 'name', labelKey: 'field.taskTitle' },
      { name: 'dueAt', kind: 'datetime' },
      { name: 'done', kind: 'boolean' },
      { name: 'recordType', kind: 'text' },
    ],
  },
};

export function recordTitle(def: RecordTypeDef, record: Record<string, unknown> | undefined): string {
  if (!record) return '';
  const value = record[def.titleField];
  if (typeof value === 'string' && value.trim()) return value;
  if (typeof record.name === 'string' && record.name.trim()) return record.name;
  const parts = [record.firstName, record.lastName].filter((p) => typeof p === 'string' && p);
  return parts.length ? parts.join(' ') : String(record.id ?? '');
}
