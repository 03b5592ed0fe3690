import { Migrator, sql, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import { migrations as sqliteMigrations } from './migrations/sqlite/index.js';
import { migrations as postgresMigrations } from './migrations/postgres/index.js';
import type { Store } from './database.js';

class SqlProvider implements MigrationProvider {
  constructor(private readonly set: Record<string, { up: string[] }>) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, m] of Object.entries(this.set)) {
      out[name] = {
        up: async (db) => {
          for (const stmt of m.up) await sql.raw(stmt).execute(db);
        },
      };
    }
    return out;
  }
}

export interface MigrateOutcome {
  applied: string[];
  pending: number;
}

/**
 * Brings the schema up to date. Each migration runs in a transaction on both dialects
 * (Kysely's Migrator), so a failure leaves the schema as it was.
 */
export async function migrate(store: Store): Promise<MigrateOutcome> {
  const migrator = new Migrator({
    db: store.db,
    provider: new SqlProvider(store.dialect === 'postgres' ? postgresMigrations : sqliteMigrations),
  });
  const { error, results } = (await migrator.migrateToLatest()) as MigrationResultSet;
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '?'} failed: ${(error as Error).message ?? error}`);
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName), pending: 0 };
}

/** Names of migrations not yet applied (for `hotline doctor`). */
export async function pendingMigrations(store: Store): Promise<string[]> {
  const migrator = new Migrator({
    db: store.db,
    provider: new SqlProvider(store.dialect === 'postgres' ? postgresMigrations : sqliteMigrations),
  });
  const all = await migrator.getMigrations();
  return all.filter((m) => !m.executedAt).map((m) => m.name);
}
