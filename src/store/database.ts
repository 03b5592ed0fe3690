import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives, for logs and `hotline doctor` (password masked). */
  location: string;
  close(): Promise<void>;
}

// int8 (COUNT(*), SUM) arrives as text from pg by default; our integers fit in 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export interface StoreOptions {
  dataDir: string;
  databaseUrl?: string | null;
  /** For tests: an SQLite file name inside dataDir (default hotline.db). */
  sqliteFile?: string;
  poolSize?: number;
}

export function openStore(opts: StoreOptions): Store {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
    // An idle client's error (server restart) must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const u = new URL(opts.databaseUrl);
    if (u.password) u.password = '****';
    return { db, dialect: 'postgres', location: u.toString(), close: () => db.destroy() };
  }
  const dir = resolve(opts.dataDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, opts.sqliteFile ?? 'hotline.db');
  const sqlite = new SQLite(file);
  // WAL lets readers run beside the writer; synchronous=FULL makes each commit
  // durable before the API answers (call records must survive a power cut).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', location: file, close: () => db.destroy() };
}
