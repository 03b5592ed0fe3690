/**
 * Test support: run a suite against every database engine Hotline supports. Each
 * run gets a fresh database (a temp SQLite file; a new PostgreSQL database at
 * TEST_POSTGRES_URL or 127.0.0.1:5432 that is dropped afterwards). Under CI=true an
 * unreachable PostgreSQL fails the suite instead of skipping it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type Store } from '../database.js';
import { migrate } from '../migrate.js';

export const PG_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let pgReachable: Promise<boolean> | undefined;
export function postgresReachable(): Promise<boolean> {
  pgReachable ??= (async () => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.end();
      return true;
    } catch {
      return false;
    }
  })();
  return pgReachable;
}

export interface TestStore extends Store {
  /** Drops the database (PostgreSQL) or deletes the folder (SQLite). */
  dispose(): Promise<void>;
  url: string | null;
  dataDir: string;
}

function onceClosable(store: Store): Store {
  let closing: Promise<void> | undefined;
  return { ...store, close: () => (closing ??= store.close()) };
}

export async function createTestStore(dialect: 'sqlite' | 'postgres'): Promise<TestStore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hotline-test-'));
  if (dialect === 'sqlite') {
    const store = onceClosable(openStore({ dataDir }));
    await migrate(store);
    return {
      ...store,
      url: null,
      dataDir,
      dispose: async () => {
        await store.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  if (!(await postgresReachable())) {
    throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL}`);
  }
  const name = `hotline_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  const store = onceClosable(openStore({ dataDir, databaseUrl: url, poolSize: 4 }));
  await migrate(store);
  return {
    ...store,
    url,
    dataDir,
    dispose: async () => {
      await store.close();
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The dialects a repository test should run on: both, unless PostgreSQL is
 * unreachable outside CI (then only SQLite, with a warning).
 */
export async function testDialects(): Promise<Array<'sqlite' | 'postgres'>> {
  if (await postgresReachable()) return ['sqlite', 'postgres'];
  if (process.env.CI === 'true') return ['sqlite', 'postgres']; // will fail loudly in createTestStore
  console.warn(`[test] PostgreSQL unreachable at ${PG_ADMIN_URL}: running SQLite only`);
  return ['sqlite'];
}
