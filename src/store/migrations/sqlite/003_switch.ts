export const up = [
  // A tenant may be reached at its own SIP domain; requests to an IP or an unknown domain go to
  // the default tenant (config sipDefaultTenant).
  `ALTER TABLE tenants ADD COLUMN sip_domain TEXT`,
  `CREATE UNIQUE INDEX tenants_sip_domain ON tenants(sip_domain)`,
  // A seat: an extension number that is also the SIP username. Only digests of the password
  // are kept (HA1 = H(number:realm:password) per algorithm, RFC 7616 §3.4.2, RFC 8760).
  `CREATE TABLE seats (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    number TEXT NOT NULL,
    user_id TEXT REFERENCES users(id),
    display_name TEXT,
    enabled INTEGER NOT NULL DEFAULT 1,
    realm TEXT NOT NULL,
    ha1_md5 TEXT NOT NULL,
    ha1_sha256 TEXT NOT NULL,
    ha1_sha512_256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  )`,
  `CREATE UNIQUE INDEX seats_number ON seats(tenant_id, number)`,
  `CREATE INDEX seats_user ON seats(tenant_id, user_id)`,
  // Registrar bindings (RFC 3261 §10.3): kept durably so a restart loses none.
  `CREATE TABLE sip_bindings (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    seat_id TEXT NOT NULL REFERENCES seats(id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    contact TEXT NOT NULL,
    instance_id TEXT,
    reg_id INTEGER,
    call_id TEXT NOT NULL,
    cseq BIGINT NOT NULL,
    expires_at TEXT NOT NULL,
    q REAL,
    transport TEXT NOT NULL,
    source_address TEXT NOT NULL,
    source_port INTEGER NOT NULL,
    connection_id TEXT,
    user_agent TEXT,
    path TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  )`,
  `CREATE UNIQUE INDEX sip_bindings_contact ON sip_bindings(seat_id, contact)`,
  `CREATE INDEX sip_bindings_expiry ON sip_bindings(expires_at)`,
];
