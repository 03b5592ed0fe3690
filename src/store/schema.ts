/**
 * Table shapes as Kysely sees them. Both dialects store the same columns: ids are
 * text, timestamps are ISO-8601 UTC text (they sort as text), flags are 0/1
 * integers, JSON is text, money is an integer of minor units. So one query serves
 * SQLite and PostgreSQL alike.
 */
import type { Generated } from 'kysely';

export interface TenantsTable {
  id: string;
  slug: string;
  name: string;
  default_region: string;
  time_zone: string;
  created_at: string;
  sip_domain: string | null;
  recording_notice: string | null;
}

export interface UsersTable {
  id: string;
  tenant_id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string;
  locale: string | null;
  disabled: number;
  created_at: string;
  updated_at: string;
}

export interface SessionsTable {
  id: string; // sha-256 of the cookie token, hex
  tenant_id: string;
  user_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

export interface ApiTokensTable {
  id: string;
  tenant_id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface CompaniesTable {
  id: string;
  tenant_id: string;
  name: string;
  website: string | null;
  address: string | null;
  industry: string | null;
  owner_id: string | null;
  custom: string;
  created_at: string;
  updated_at: string;
}

export interface ContactsTable {
  id: string;
  tenant_id: string;
  first_name: string;
  last_name: string;
  name: string;
  title: string | null;
  emails: string; // JSON array of {label, address}
  address: string | null;
  company_id: string | null;
  owner_id: string | null;
  custom: string;
  created_at: string;
  updated_at: string;
}

export interface LeadsTable {
  id: string;
  tenant_id: string;
  first_name: string;
  last_name: string;
  name: string;
  company_name: string | null;
  title: string | null;
  emails: string;
  address: string | null;
  status: string;
  source: string | null;
  owner_id: string | null;
  custom: string;
  created_at: string;
  updated_at: string;
}

export interface PhoneNumbersTable {
  id: string;
  tenant_id: string;
  record_type: string; // contact | lead | company
  record_id: string;
  position: number;
  label: string;
  raw: string;
  e164: string | null;
}

export interface DealsTable {
  id: string;
  tenant_id: string;
  name: string;
  stage: string;
  amount_minor: number | null;
  currency: string;
  company_id: string | null;
  owner_id: string | null;
  close_date: string | null;
  custom: string;
  created_at: string;
  updated_at: string;
}

export interface DealContactsTable {
  tenant_id: string;
  deal_id: string;
  contact_id: string;
}

export interface TicketsTable {
  id: string;
  tenant_id: string;
  subject: string;
  description: string | null;
  status: string;
  priority: string;
  category: string | null;
  contact_id: string | null;
  assignee_id: string | null;
  custom: string;
  created_at: string;
  updated_at: string;
}

export interface TasksTable {
  id: string;
  tenant_id: string;
  title: string;
  notes: string | null;
  due_at: string | null;
  assignee_id: string | null;
  record_type: string | null;
  record_id: string | null;
  done_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface NotesTable {
  id: string;
  tenant_id: string;
  record_type: string;
  record_id: string;
  author_id: string | null;
  body: string;
  created_at: string;
  updated_at: string;
}

export interface ActivitiesTable {
  id: string;
  tenant_id: string;
  record_type: string;
  record_id: string;
  kind: string;
  summary: string;
  actor_id: string | null;
  data: string;
  at: string;
}

export interface SearchTokensTable {
  tenant_id: string;
  token: string;
  record_type: string;
  record_id: string;
  phone_id: string | null;
}

export interface ImportJobsTable {
  id: string;
  tenant_id: string;
  user_id: string;
  status: string;
  file_name: string;
  total_rows: number;
  processed_rows: number;
  created_rows: number;
  failed_rows: number;
  errors: string; // JSON array of {row, field, message}
  created_at: string;
  finished_at: string | null;
}

export interface SeatsTable {
  id: string;
  tenant_id: string;
  number: string;
  user_id: string | null;
  display_name: string | null;
  enabled: number;
  realm: string;
  ha1_md5: string;
  ha1_sha256: string;
  ha1_sha512_256: string;
  created_at: string;
  updated_at: string;
}

export interface CallLogTable {
  id: string;
  tenant_id: string;
  from_number: string;
  to_number: string;
  started_at: string;
  answered_at: string | null;
  ended_at: string;
  end_reason: string | null;
  status: number | null;
  quality: string | null; // JSON {a, b} of per-side quality
  recordings: string; // JSON array of {path, bytes, durationMs, sha256}
}

export interface SipBindingsTable {
  id: string;
  tenant_id: string;
  seat_id: string;
  number: string;
  contact: string;
  instance_id: string | null;
  reg_id: number | null;
  call_id: string;
  cseq: number;
  expires_at: string;
  q: number | null;
  transport: string;
  source_address: string;
  source_port: number;
  connection_id: string | null;
  user_agent: string | null;
  path: string | null;
  created_at: string;
  updated_at: string;
}

export interface Database {
  tenants: TenantsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  meta: MetaTable;
  companies: CompaniesTable;
  contacts: ContactsTable;
  leads: LeadsTable;
  phone_numbers: PhoneNumbersTable;
  deals: DealsTable;
  deal_contacts: DealContactsTable;
  tickets: TicketsTable;
  tasks: TasksTable;
  notes: NotesTable;
  activities: ActivitiesTable;
  search_tokens: SearchTokensTable;
  import_jobs: ImportJobsTable;
  seats: SeatsTable;
  sip_bindings: SipBindingsTable;
  call_log: CallLogTable;
}

// Kysely needs Generated only for server-filled columns; none here, kept for later tables.
export type { Generated };
