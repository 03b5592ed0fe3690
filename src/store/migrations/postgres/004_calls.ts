export const up = [
  // The announcement played to all parties before a recording starts (a prompt language), or none.
  `ALTER TABLE tenants ADD COLUMN recording_notice TEXT`,
  // Every call that ended: who, when, why, its media quality per side and its recordings.
  `CREATE TABLE call_log (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    from_number TEXT NOT NULL,
    to_number TEXT NOT NULL,
    started_at TEXT NOT NULL,
    answered_at TEXT,
    ended_at TEXT NOT NULL,
    end_reason TEXT,
    status INTEGER,
    quality TEXT,
    recordings TEXT NOT NULL
  )`,
  `CREATE INDEX call_log_started ON call_log(tenant_id, started_at)`,
];
