/**
 * Row ↔ record mapping for the CRM tables. JSON columns are text, timestamps ISO text,
 * money an integer of minor units (the API speaks major units).
 */
import { fromMinor, toMinor } from '../../../crm/index.js';
import type {
  Activity,
  ActivityKind,
  Company,
  Contact,
  CustomFields,
  Deal,
  DealStage,
  Email,
  Lead,
  LeadStatus,
  Note,
  PhoneNumber,
  Priority,
  RecordType,
  Task,
  Ticket,
  TicketStatus,
} from '../../../crm/index.js';
import type {
  ActivitiesTable,
  CompaniesTable,
  ContactsTable,
  DealsTable,
  LeadsTable,
  NotesTable,
  TasksTable,
  TicketsTable,
} from '../../schema.js';

export const TABLE = {
  contact: 'contacts',
  company: 'companies',
  lead: 'leads',
  deal: 'deals',
  ticket: 'tickets',
  task: 'tasks',
} as const satisfies Record<RecordType, string>;

/** Parses a JSON column, tolerating a damaged value rather than failing a whole list. */
function json<T>(text: string | null | undefined, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export const contactRow = (tenantId: string, c: Contact): ContactsTable => ({
  id: c.id,
  tenant_id: tenantId,
  first_name: c.firstName,
  last_name: c.lastName,
  name: c.name,
  title: c.title,
  emails: JSON.stringify(c.emails),
  address: c.address,
  company_id: c.companyId,
  owner_id: c.ownerId,
  custom: JSON.stringify(c.custom),
  created_at: c.createdAt,
  updated_at: c.updatedAt,
});

export const contactOf = (r: ContactsTable, phones: PhoneNumber[], companyName: string | null): Contact => ({
  id: r.id,
  firstName: r.first_name,
  lastName: r.last_name,
  name: r.name,
  title: r.title,
  emails: json<Email[]>(r.emails, []),
  phones,
  address: r.address,
  companyId: r.company_id,
  companyName,
  ownerId: r.owner_id,
  custom: json<CustomFields>(r.custom, {}),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const companyRow = (tenantId: string, c: Company): CompaniesTable => ({
  id: c.id,
  tenant_id: tenantId,
  name: c.name,
  website: c.website,
  address: c.address,
  industry: c.industry,
  owner_id: c.ownerId,
  custom: JSON.stringify(c.custom),
  created_at: c.createdAt,
  updated_at: c.updatedAt,
});

export const companyOf = (r: CompaniesTable, phones: PhoneNumber[]): Company => ({
  id: r.id,
  name: r.name,
  website: r.website,
  address: r.address,
  industry: r.industry,
  phones,
  ownerId: r.owner_id,
  custom: json<CustomFields>(r.custom, {}),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const leadRow = (tenantId: string, l: Lead): LeadsTable => ({
  id: l.id,
  tenant_id: tenantId,
  first_name: l.firstName,
  last_name: l.lastName,
  name: l.name,
  company_name: l.companyName,
  title: l.title,
  emails: JSON.stringify(l.emails),
  address: l.address,
  status: l.status,
  source: l.source,
  owner_id: l.ownerId,
  custom: JSON.stringify(l.custom),
  created_at: l.createdAt,
  updated_at: l.updatedAt,
});

export const leadOf = (r: LeadsTable, phones: PhoneNumber[]): Lead => ({
  id: r.id,
  firstName: r.first_name,
  lastName: r.last_name,
  name: r.name,
  companyName: r.company_name,
  title: r.title,
  emails: json<Email[]>(r.emails, []),
  phones,
  address: r.address,
  status: r.status as LeadStatus,
  source: r.source,
  ownerId: r.owner_id,
  custom: json<CustomFields>(r.custom, {}),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const dealRow = (tenantId: string, d: Deal): DealsTable => ({
  id: d.id,
  tenant_id: tenantId,
  name: d.name,
  stage: d.stage,
  amount_minor: d.amount === null ? null : toMinor(d.amount, d.currency),
  currency: d.currency,
  company_id: d.companyId,
  owner_id: d.ownerId,
  close_date: d.closeDate,
  custom: JSON.stringify(d.custom),
  created_at: d.createdAt,
  updated_at: d.updatedAt,
});

export const dealOf = (r: DealsTable, contactIds: string[]): Deal => ({
  id: r.id,
  name: r.name,
  stage: r.stage as DealStage,
  // pg returns BIGINT as a number (type parser in database.ts); be defensive anyway.
  amount: r.amount_minor === null ? null : fromMinor(Number(r.amount_minor), r.currency),
  currency: r.currency,
  companyId: r.company_id,
  contactIds,
  ownerId: r.owner_id,
  closeDate: r.close_date,
  custom: json<CustomFields>(r.custom, {}),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const ticketRow = (tenantId: string, t: Ticket): TicketsTable => ({
  id: t.id,
  tenant_id: tenantId,
  subject: t.subject,
  description: t.description,
  status: t.status,
  priority: t.priority,
  category: t.category,
  contact_id: t.contactId,
  assignee_id: t.assigneeId,
  custom: JSON.stringify(t.custom),
  created_at: t.createdAt,
  updated_at: t.updatedAt,
});

export const ticketOf = (r: TicketsTable): Ticket => ({
  id: r.id,
  subject: r.subject,
  description: r.description,
  status: r.status as TicketStatus,
  priority: r.priority as Priority,
  category: r.category,
  contactId: r.contact_id,
  assigneeId: r.assignee_id,
  custom: json<CustomFields>(r.custom, {}),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const taskRow = (tenantId: string, t: Task): TasksTable => ({
  id: t.id,
  tenant_id: tenantId,
  title: t.title,
  notes: t.notes,
  due_at: t.dueAt,
  assignee_id: t.assigneeId,
  record_type: t.recordType,
  record_id: t.recordId,
  done_at: t.done ? (t.doneAt ?? t.updatedAt) : null,
  created_at: t.createdAt,
  updated_at: t.updatedAt,
});

export const taskOf = (r: TasksTable): Task => ({
  id: r.id,
  title: r.title,
  notes: r.notes,
  dueAt: r.due_at,
  assigneeId: r.assignee_id,
  recordType: r.record_type as RecordType | null,
  recordId: r.record_id,
  done: r.done_at !== null,
  doneAt: r.done_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const noteRow = (tenantId: string, n: Note): NotesTable => ({
  id: n.id,
  tenant_id: tenantId,
  record_type: n.recordType,
  record_id: n.recordId,
  author_id: n.authorId,
  body: n.body,
  created_at: n.createdAt,
  updated_at: n.updatedAt,
});

export const noteOf = (r: NotesTable): Note => ({
  id: r.id,
  recordType: r.record_type as RecordType,
  recordId: r.record_id,
  authorId: r.author_id,
  body: r.body,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const activityRow = (tenantId: string, a: Activity): ActivitiesTable => ({
  id: a.id,
  tenant_id: tenantId,
  record_type: a.recordType,
  record_id: a.recordId,
  kind: a.kind,
  summary: a.summary,
  actor_id: a.actorId,
  data: JSON.stringify(a.data),
  at: a.at,
});

export const activityOf = (r: ActivitiesTable): Activity => ({
  id: r.id,
  recordType: r.record_type as RecordType,
  recordId: r.record_id,
  kind: r.kind as ActivityKind,
  summary: r.summary,
  actorId: r.actor_id,
  data: json<Record<string, unknown>>(r.data, {}),
  at: r.at,
});
