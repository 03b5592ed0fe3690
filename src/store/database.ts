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
  // A 64 MB page cache (default 2 MB) keeps the upper levels of the search and phone
  // indexes in memory, which is what bulk imports and quick search touch most.
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('temp_store = MEMORY');
  // Checkpoint the WAL every ~40 MB instead of every 4 MB: a bulk import rewrites the same
  // index pages many times between checkpoints, and each checkpoint is a synchronous copy
  // and fsync done by the committing writer.
  sqlite.pragma('wal_autocheckpoint = 10000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, dialect: 'sqlite', location: file, close: () => db.destroy() };
}

/**
 * Kysely asks better-sqlite3 to prepare every query anew; compiling the SQL is a
 * large part of a small query's cost and of a bulk insert's. Statements are
 * reusable, so keep the most recent ones by their text (a statement still being
 * iterated is busy and is not shared).
 */
function withStatementCache(db: SQLite.Database, size = 256): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = (source: string): SQLite.Statement => {
    const hit = cache.get(source);
    if (hit && !hit.busy) {
      cache.delete(source);
      cache.set(source, hit); // most recently used last
      return hit;
    }
    const stmt = db.prepare(source);
    if (!hit) {
      cache.set(source, stmt);
      if (cache.size > size) cache.delete(cache.keys().next().value as string);
    }
    return stmt;
  };
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'prepare') return prepare;
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
