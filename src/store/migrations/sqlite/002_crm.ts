const common = `tenant_id TEXT NOT NULL, owner_id TEXT, custom TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL, updated_at TEXT NOT NULL`;

export const up = [
  `CREATE TABLE companies (id TEXT PRIMARY KEY, name TEXT NOT NULL, website TEXT, address TEXT, industry TEXT, ${common})`,
  `CREATE TABLE contacts (id TEXT PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL, name TEXT NOT NULL,
    title TEXT, emails TEXT NOT NULL DEFAULT '[]', address TEXT, company_id TEXT, ${common})`,
  `CREATE TABLE leads (id TEXT PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL, name TEXT NOT NULL,
    company_name TEXT, title TEXT, emails TEXT NOT NULL DEFAULT '[]', address TEXT, status TEXT NOT NULL, source TEXT, ${common})`,
  `CREATE TABLE deals (id TEXT PRIMARY KEY, name TEXT NOT NULL, stage TEXT NOT NULL, amount_minor INTEGER, currency TEXT NOT NULL,
    company_id TEXT, close_date TEXT, ${common})`,
  `CREATE TABLE deal_contacts (tenant_id TEXT NOT NULL, deal_id TEXT NOT NULL, contact_id TEXT NOT NULL, PRIMARY KEY (deal_id, contact_id))`,
  `CREATE INDEX deal_contacts_contact ON deal_contacts(tenant_id, contact_id)`,
  `CREATE INDEX deal_contacts_deal ON deal_contacts(tenant_id, deal_id)`,
  `CREATE TABLE tickets (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, subject TEXT NOT NULL, description TEXT, status TEXT NOT NULL,
    priority TEXT NOT NULL, category TEXT, contact_id TEXT, assignee_id TEXT, custom TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
  `CREATE TABLE tasks (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, title TEXT NOT NULL, notes TEXT, due_at TEXT, assignee_id TEXT,
    record_type TEXT, record_id TEXT, done_at TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
  `CREATE TABLE notes (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, record_type TEXT NOT NULL, record_id TEXT NOT NULL,
    author_id TEXT, body TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
  `CREATE TABLE activities (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, record_type TEXT NOT NULL, record_id TEXT NOT NULL,
    kind TEXT NOT NULL, summary TEXT NOT NULL, actor_id TEXT, data TEXT NOT NULL DEFAULT '{}', at TEXT NOT NULL)`,
  `CREATE TABLE phone_numbers (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, record_type TEXT NOT NULL, record_id TEXT NOT NULL,
    position INTEGER NOT NULL, label TEXT NOT NULL, raw TEXT NOT NULL, e164 TEXT)`,
  `CREATE TABLE search_tokens (tenant_id TEXT NOT NULL, token TEXT NOT NULL, record_type TEXT NOT NULL, record_id TEXT NOT NULL, phone_id TEXT)`,
  `CREATE TABLE import_jobs (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, user_id TEXT NOT NULL, status TEXT NOT NULL, file_name TEXT NOT NULL,
    total_rows INTEGER NOT NULL, processed_rows INTEGER NOT NULL, created_rows INTEGER NOT NULL, failed_rows INTEGER NOT NULL,
    errors TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL, finished_at TEXT)`,
  // Lists are tenant-scoped and paged by id (ids sort by creation time). Every lookup index
  // leads with tenant_id: queries always filter by tenant, and without planner statistics
  // SQLite would otherwise pick a (tenant_id, …) index and scan the whole tenant.
  `CREATE INDEX companies_tenant ON companies(tenant_id, id)`,
  // CSV import links contacts to companies by name.
  `CREATE INDEX companies_name ON companies(tenant_id, name)`,
  `CREATE INDEX contacts_tenant ON contacts(tenant_id, id)`,
  `CREATE INDEX contacts_company ON contacts(tenant_id, company_id)`,
  `CREATE INDEX leads_tenant ON leads(tenant_id, id)`,
  `CREATE INDEX deals_tenant ON deals(tenant_id, id)`,
  `CREATE INDEX tickets_tenant ON tickets(tenant_id, id)`,
  `CREATE INDEX tickets_contact ON tickets(tenant_id, contact_id)`,
  `CREATE INDEX tasks_tenant ON tasks(tenant_id, id)`,
  `CREATE INDEX tasks_record ON tasks(tenant_id, record_id)`,
  `CREATE INDEX notes_record ON notes(tenant_id, record_id, id)`,
  `CREATE INDEX activities_record ON activities(tenant_id, record_id, id)`,
  `CREATE INDEX phone_numbers_record ON phone_numbers(tenant_id, record_id, position)`,
  // Phone lookup on every call: exact E.164 within the tenant.
  `CREATE INDEX phone_numbers_e164 ON phone_numbers(tenant_id, e164)`,
  // Quick search: prefix ranges over tokens within the tenant. Covering (record_id,
  // record_type, phone_id) so searches are index-only and stream in (token, record_id) order.
  `CREATE INDEX search_tokens_token ON search_tokens(tenant_id, token, record_id, record_type, phone_id)`,
  `CREATE INDEX search_tokens_record ON search_tokens(tenant_id, record_id, token)`,
  `CREATE INDEX import_jobs_tenant ON import_jobs(tenant_id, id)`,
];
