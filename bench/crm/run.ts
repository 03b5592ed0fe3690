/**
 * CRM at scale: quick search and phone lookup latency with N contacts, and the time
 * to import a 100,000-row CSV, on SQLite and on PostgreSQL.
 *
 *   npm run bench:crm [-- --contacts 1000000 --dialects sqlite,postgres --queries 300 --import-rows 100000]
 *
 * Seeds its own data (deterministic), through the same repository code the server
 * uses; queries go through CrmService exactly as the HTTP routes call it. Prints a
 * Markdown table: p50/p95/p99 in milliseconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { sql } from 'kysely';
import { AccountsService, MemorySigninThrottle } from '../../src/accounts/index.js';
import { importTarget } from '../../src/app/imports.js';
import { CrmService, type CrmContext, type NewContactRow } from '../../src/crm/index.js';
import { ImportRunner, parseCsvAsync, suggestMapping, checkMapping } from '../../src/crm/import/index.js';
import { MemoryEventBus, systemClock } from '../../src/kit/index.js';
import { KyselyAccountsRepo, migrate, openStore, type Store } from '../../src/store/index.js';
import { KyselyCrmRepository } from '../../src/store/repos/crm/index.js';
import { KyselyImportJobsRepo } from '../../src/store/repos/imports/index.js';
import { machine, quantile } from '../support.js';
import { CN_GIVEN, FIRST, LAST, companyName, contact, rng } from './data.js';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '1000000' },
    dialects: { type: 'string', default: 'sqlite,postgres' },
    queries: { type: 'string', default: '300' },
    'import-rows': { type: 'string', default: '100000' },
    slowest: { type: 'string', default: '0' },
    'pg-url': { type: 'string', default: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const N = Number(values.contacts);
const QUERIES = Number(values.queries);
const IMPORT_ROWS = Number(values['import-rows']);
const COMPANIES = 2000;

const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

async function openBenchStore(dialect: string): Promise<{ store: Store; cleanup: () => Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'hotline-bench-crm-'));
    const store = openStore({ dataDir: dir });
    await migrate(store);
    return { store, cleanup: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const name = 'hotline_bench_crm';
  const admin = new pg.Client({ connectionString: values['pg-url'] });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(values['pg-url']!);
  u.pathname = `/${name}`;
  const store = openStore({ dataDir: tmpdir(), databaseUrl: u.toString(), poolSize: 4 });
  await migrate(store);
  return {
    store,
    cleanup: async () => {
      await store.close();
      const a = new pg.Client({ connectionString: values['pg-url'] });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

function stats(xs: number[]) {
  return { p50: quantile(xs, 0.5), p95: quantile(xs, 0.95), p99: quantile(xs, 0.99) };
}

async function timeEach<T>(items: T[], fn: (x: T) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (const x of items) {
    const t0 = performance.now();
    await fn(x);
    out.push(performance.now() - t0);
  }
  return out;
}

async function bench(dialect: string) {
  const { store, cleanup } = await openBenchStore(dialect);
  try {
    const bus = new MemoryEventBus();
    const accounts = new AccountsService(new KyselyAccountsRepo(store.db), systemClock, new MemorySigninThrottle(systemClock, 60_000), { sessionIdleMs: 1e9, sessionMaxMs: 1e9, signinMaxFailures: 5 });
    const tenant = await accounts.createTenant({ name: 'Bench', defaultRegion: 'US' });
    const owner = await accounts.createUser(tenant.id, { email: 'owner@bench.test', name: 'Owner', role: 'owner', password: 'bench password 1' });
    const repo = new KyselyCrmRepository(store.db);
    const crm = new CrmService({ repo, events: bus, clock: systemClock });
    const ctx: CrmContext = { tenantId: tenant.id, userId: owner.id, defaultRegion: 'US' };

    log(`${dialect}: seeding ${COMPANIES} companies and ${N} contacts`);
    const seed0 = performance.now();
    const companyIds: string[] = [];
    for (let i = 0; i < COMPANIES; i++) companyIds.push((await crm.create(ctx, 'company', { name: companyName(i) })).id);
    const r = rng(42);
    const BATCH = 5000;
    const sample: ReturnType<typeof contact>[] = [];
    for (let start = 0; start < N; start += BATCH) {
      const rows: NewContactRow[] = [];
      for (let i = start; i < Math.min(N, start + BATCH); i++) {
        const c = contact(i, r);
        if (i % Math.max(1, Math.floor(N / 2000)) === 0) sample.push(c);
        rows.push({
          firstName: c.firstName,
          lastName: c.lastName,
          name: `${c.firstName} ${c.lastName}`,
          title: null,
          emails: c.emails,
          phones: c.phones,
          address: c.address,
          companyId: c.companyIndex === null ? null : companyIds[c.companyIndex]!,
          ownerId: null,
          custom: {},
        });
      }
      await repo.insertContactsBulk(tenant.id, rows);
      if ((start / BATCH) % 20 === 0) log(`${dialect}: ${start + rows.length} contacts`);
    }
    // The demo's records, so the acceptance queries have their answers in the haystack.
    const margaret = await crm.create(ctx, 'contact', { firstName: 'Margaret', lastName: 'Chen', phones: [{ label: 'work', number: '+1 555 0123' }, { label: 'mobile', number: '+1 555 0124' }] });
    await crm.create(ctx, 'contact', { firstName: '美玲', lastName: '陈', address: '马丁路 88号' });
    const seedSeconds = (performance.now() - seed0) / 1000;
    // What autovacuum does after a bulk load: planner statistics, and on PostgreSQL the
    // visibility map, without which index-only scans fetch every heap row.
    await sql.raw(dialect === 'postgres' ? 'VACUUM ANALYZE' : 'ANALYZE').execute(store.db);
    log(`${dialect}: seeded in ${seedSeconds.toFixed(0)} s`);

    // --- quick search ---
    const q = rng(7);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(q() * xs.length)]!;
    const queries: string[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const c = pick(sample);
      const ph = c.phones[0]!.e164;
      const kinds = [
        () => pick(FIRST).slice(0, 3), // "Mar"
        () => pick(LAST),
        () => `${c.firstName} ${c.lastName.slice(0, 2)}`,
        () => pick(CN_GIVEN) + pick(CN_GIVEN), // two CJK characters
        () => (ph.startsWith('+1') ? `(${ph.slice(2, 5)}) ${ph.slice(5, 8)}-${ph.slice(8, 10)}` : ph.slice(3, 10)), // partial digits
        () => ph, // full number
        () => companyName(Math.floor(q() * COMPANIES)).split(' ')[0]!.slice(0, 4),
        () => `zz${Math.floor(q() * 1e6)}`, // nothing matches
      ];
      queries.push(pick(kinds)());
    }
    queries.push('Mar', '马丁', '5550123', '(555) 012-3', '+1 555 0123');
    for (const w of queries.slice(0, 30)) await crm.quickSearch(ctx, w, 20); // warm the page cache a little
    const searchTimes = await timeEach(queries, (w) => crm.quickSearch(ctx, w, 20));
    const slowest = Number(values.slowest);
    if (slowest > 0) {
      const worst = queries.map((w, i) => [w, searchTimes[i]!] as const).sort((a, b) => b[1] - a[1]).slice(0, slowest);
      for (const [w, ms] of worst) log(`${dialect}: slow search ${JSON.stringify(w)} ${ms.toFixed(1)} ms`);
    }
    const check = await crm.quickSearch(ctx, '+1 555 0123', 20);
    if (!check.some((h) => h.id === margaret.id)) throw new Error('search lost Margaret');

    // --- phone lookup ---
    const lookups: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const c = pick(sample);
      const e = pick(c.phones).e164;
      const formats = [e, e.slice(1), e.startsWith('+1') ? `(${e.slice(2, 5)}) ${e.slice(5, 8)}-${e.slice(8)}` : `00${e.slice(1)}`, `+1 999 ${String(i).padStart(7, '0')}`];
      lookups.push(pick(formats));
    }
    const lookupTimes = await timeEach(lookups, (n) => crm.lookupByNumber(ctx, n));

    // --- CSV import ---
    const lines = ['First Name,Last Name,Company,Email,Mobile,Work Phone,Address'];
    const ir = rng(99);
    for (let i = 0; i < IMPORT_ROWS; i++) {
      const c = contact(N + 10 + i, ir);
      const co = c.companyIndex === null ? '' : companyName(c.companyIndex);
      lines.push([c.firstName, c.lastName, co, c.emails[0]!.address, c.phones[0]!.raw, c.phones[1]?.raw ?? '', `"${c.address}"`].join(','));
    }
    const text = lines.join('\n');
    const runner = new ImportRunner(new KyselyImportJobsRepo(store.db), importTarget(crm, accounts), bus, systemClock);
    const i0 = performance.now();
    const csv = await parseCsvAsync(text);
    const job = await runner.run(await runner.create(tenant.id, owner.id, 'bench.csv', csv), csv, checkMapping(csv.columns, suggestMapping(csv.columns)));
    const importSeconds = (performance.now() - i0) / 1000;
    if (job.createdRows !== IMPORT_ROWS) throw new Error(`import created ${job.createdRows} of ${IMPORT_ROWS}: ${JSON.stringify(job.errors.slice(0, 3))}`);

    return { dialect, seedSeconds, search: stats(searchTimes), searchN: searchTimes.length, lookup: stats(lookupTimes), lookupN: lookupTimes.length, importSeconds, importMb: Buffer.byteLength(text) / 1e6 };
  } finally {
    await cleanup();
  }
}

const results = [];
for (const d of values.dialects!.split(',')) results.push(await bench(d));
const f = (n: number) => n.toFixed(2);
console.log(machine());
console.log(`contacts: ${N.toLocaleString('en')} (+${COMPANIES} companies); import: ${IMPORT_ROWS.toLocaleString('en')} rows`);
console.log('| engine | quick search p50 / p95 / p99 (target p95 < 30 ms) | phone lookup p50 / p95 / p99 (target p95 < 5 ms) | import of CSV (target < 30 s) | seeding |');
console.log('|---|---|---|---|---|');
for (const r of results) {
  console.log(
    `| ${r.dialect} | ${f(r.search.p50)} / ${f(r.search.p95)} / ${f(r.search.p99)} ms (${r.searchN} queries) | ${f(r.lookup.p50)} / ${f(r.lookup.p95)} / ${f(r.lookup.p99)} ms (${r.lookupN} lookups) | ${r.importSeconds.toFixed(1)} s (${r.importMb.toFixed(1)} MB) | ${r.seedSeconds.toFixed(0)} s |`,
  );
}
