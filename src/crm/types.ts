/**
 * CRM record shapes as the rest of Hotline sees them (camelCase, ISO timestamps,
 * money in major units). The store maps them to rows; the API maps them to JSON.
 */

export const RECORD_TYPES = ['contact', 'company', 'lead', 'deal', 'ticket', 'task'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** Record types that carry phone numbers and search tokens (quick search, screen pop). */
export const SEARCHABLE_TYPES = ['contact', 'lead', 'company'] as const;
export type SearchableType = (typeof SEARCHABLE_TYPES)[number];

export const LEAD_STATUSES = ['new', 'contacted', 'qualified', 'unqualified'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

export const DEAL_STAGES = ['qualification', 'proposal', 'negotiation', 'won', 'lost'] as const;
export type DealStage = (typeof DEAL_STAGES)[number];

export const TICKET_STATUSES = ['open', 'pending', 'solved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export type CustomValue = string | number | boolean | null;
/** Tenant-defined fields: a flat object, at most 50 keys. */
export type CustomFields = Record<string, CustomValue>;

export interface PhoneNumber {
  id: string;
  label: string;
  /** As typed (trimmed), shown to people. */
  raw: string;
  /** Canonical key '+' + country code + national digits; E.164 for real numbers. Null when no country applies. */
  e164: string | null;
}

export interface Email {
  label: string;
  address: string;
}

interface Stamps {
  id: string;
  createdAt: string;
  updatedAt: string;
}

export interface Contact extends Stamps {
  firstName: string;
  lastName: string;
  /** firstName + ' ' + lastName, kept for display and sorting. */
  name: string;
  title: string | null;
  emails: Email[];
  phones: PhoneNumber[];
  address: string | null;
  companyId: string | null;
  /** Read-only: the linked company's name, resolved by the store. */
  companyName: string | null;
  ownerId: string | null;
  custom: CustomFields;
}

export interface Company extends Stamps {
  name: string;
  website: string | null;
  address: string | null;
  industry: string | null;
  phones: PhoneNumber[];
  ownerId: string | null;
  custom: CustomFields;
}

export interface Lead extends Stamps {
  firstName: string;
  lastName: string;
  name: string;
  companyName: string | null;
  title: string | null;
  emails: Email[];
  phones: PhoneNumber[];
  address: string | null;
  status: LeadStatus;
  source: string | null;
  ownerId: string | null;
  custom: CustomFields;
}

export interface Deal extends Stamps {
  name: string;
  stage: DealStage;
  /** Major units (12.5 = 12.50 USD); stored as integer minor units. */
  amount: number | null;
  currency: string;
  companyId: string | null;
  contactIds: string[];
  ownerId: string | null;
  /** YYYY-MM-DD */
  closeDate: string | null;
  custom: CustomFields;
}

export interface Ticket extends Stamps {
  subject: string;
  description: string | null;
  status: TicketStatus;
  priority: Priority;
  category: string | null;
  contactId: string | null;
  assigneeId: string | null;
  custom: CustomFields;
}

export interface Task extends Stamps {
  title: string;
  notes: string | null;
  dueAt: string | null;
  assigneeId: string | null;
  recordType: RecordType | null;
  recordId: string | null;
  done: boolean;
  doneAt: string | null;
}

export interface Note {
  id: string;
  recordType: RecordType;
  recordId: string;
  authorId: string | null;
  body: string;
  createdAt: string;
  updatedAt: string;
}

export const ACTIVITY_KINDS = ['created', 'updated', 'note.added', 'task.added', 'ticket.opened', 'linked'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** One timeline entry of a record. */
export interface Activity {
  id: string;
  recordType: RecordType;
  recordId: string;
  kind: ActivityKind;
  summary: string;
  actorId: string | null;
  data: Record<string, unknown>;
  at: string;
}

export interface RecordMap {
  contact: Contact;
  company: Company;
  lead: Lead;
  deal: Deal;
  ticket: Ticket;
  task: Task;
}

// ---- inputs (what callers send; validated by validate.ts) ----

export interface PhoneInput {
  /** Keep the id of an existing number of the same record on update. */
  id?: string;
  label?: string;
  number: string;
}

export interface EmailInput {
  label?: string;
  address: string;
}

export interface ContactInput {
  firstName?: string;
  lastName?: string;
  title?: string | null;
  emails?: EmailInput[];
  phones?: PhoneInput[];
  address?: string | null;
  companyId?: string | null;
  ownerId?: string | null;
  custom?: CustomFields;
}

export interface CompanyInput {
  name?: string;
  website?: string | null;
  address?: string | null;
  industry?: string | null;
  phones?: PhoneInput[];
  ownerId?: string | null;
  custom?: CustomFields;
}

export interface LeadInput {
  firstName?: string;
  lastName?: string;
  companyName?: string | null;
  title?: string | null;
  emails?: EmailInput[];
  phones?: PhoneInput[];
  address?: string | null;
  status?: LeadStatus;
  source?: string | null;
  ownerId?: string | null;
  custom?: CustomFields;
}

export interface DealInput {
  name?: string;
  stage?: DealStage;
  amount?: number | null;
  currency?: string;
  companyId?: string | null;
  contactIds?: string[];
  ownerId?: string | null;
  closeDate?: string | null;
  custom?: CustomFields;
}

export interface TicketInput {
  subject?: string;
  description?: string | null;
  status?: TicketStatus;
  priority?: Priority;
  category?: string | null;
  contactId?: string | null;
  assigneeId?: string | null;
  custom?: CustomFields;
}

export interface TaskInput {
  title?: string;
  notes?: string | null;
  dueAt?: string | null;
  assigneeId?: string | null;
  recordType?: RecordType | null;
  recordId?: string | null;
  done?: boolean;
}

export interface InputMap {
  contact: ContactInput;
  company: CompanyInput;
  lead: LeadInput;
  deal: DealInput;
  ticket: TicketInput;
  task: TaskInput;
}

// ---- list filters ----

interface BaseFilter {
  /** Text search: every word must prefix-match (contacts, leads, companies) or be contained in the title. */
  q?: string;
}
export interface ContactFilter extends BaseFilter {
  ownerId?: string;
  companyId?: string;
}
export interface CompanyFilter extends BaseFilter {
  ownerId?: string;
}
export interface LeadFilter extends BaseFilter {
  ownerId?: string;
  status?: LeadStatus;
}
export interface DealFilter extends BaseFilter {
  ownerId?: string;
  companyId?: string;
  contactId?: string;
  stage?: DealStage;
}
export interface TicketFilter extends BaseFilter {
  status?: TicketStatus;
  priority?: Priority;
  contactId?: string;
  assigneeId?: string;
}
export interface TaskFilter extends BaseFilter {
  assigneeId?: string;
  done?: boolean;
  recordType?: RecordType;
  recordId?: string;
}

export interface FilterMap {
  contact: ContactFilter;
  company: CompanyFilter;
  lead: LeadFilter;
  deal: DealFilter;
  ticket: TicketFilter;
  task: TaskFilter;
}

export interface PageRequest {
  cursor?: string;
  /** 1..200, default 50 */
  limit?: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Who is acting: every CRM call is scoped by tenant. */
export interface CrmContext {
  tenantId: string;
  userId: string | null;
  /** ISO 3166 region for numbers typed without '+', e.g. 'US'. */
  defaultRegion: string;
}

export interface QuickSearchRow {
  type: SearchableType;
  id: string;
  name: string;
  /** Company name for people, else the address. */
  subtitle: string | null;
  phone: PhoneNumber | null;
  matchedBy: 'phone' | 'name' | 'company' | 'email' | 'title' | 'address' | 'website';
}

export interface LookupMatch {
  type: SearchableType;
  id: string;
  name: string;
  phone: PhoneNumber;
}
