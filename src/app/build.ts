import { join } from 'node:path';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { AccountsService, MemorySigninThrottle } from '../accounts/index.js';
import { buildHttp } from '../api/index.js';
import { iceServersOf, type Config } from '../config/index.js';
import { MemoryEventBus, systemClock, type Clock, type EventBus } from '../kit/index.js';
import { KyselyAccountsRepo, KyselyCrmRepository, KyselyImportJobsRepo, migrate, openStore, type Store } from '../store/index.js';
import { CrmService } from '../crm/index.js';
import { ImportRunner } from '../crm/import/index.js';
import { crmRoutes, importRoutes, switchRoutes } from '../api/index.js';
import { buildSwitch, type SwitchParts } from './switch.js';
import { contactsExporter, importTarget } from './imports.js';
import { PROJECT_ROOT, VERSION } from './version.js';

export interface AppDeps {
  clock?: Clock;
  /** Pino options or false; the CLI passes its logger settings. */
  logger?: boolean | object;
  /** Serve the built web app (default: when web/dist exists). */
  webRoot?: string | null;
}

export interface App {
  config: Config;
  store: Store;
  bus: EventBus;
  clock: Clock;
  accounts: AccountsService;
  crm: CrmService;
  imports: ImportRunner;
  /** Seats, registrar, SIP server (listening after listen()). */
  phone: SwitchParts;
  http: FastifyInstance;
  /** Creates the owner or a setup token on an empty database. */
  bootstrap(): ReturnType<AccountsService['bootstrap']>;
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The composition root: opens storage (running migrations), builds every domain
 * service with its repository, and the HTTP server. Nothing listens until listen().
 */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<App> {
  const clock = deps.clock ?? systemClock;
  const store = openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    await migrate(store);
  } catch (e) {
    await store.close();
    throw e;
  }
  const bus = new MemoryEventBus();
  const accountsRepo = new KyselyAccountsRepo(store.db);
  const accounts = new AccountsService(
    accountsRepo,
    clock,
    new MemorySigninThrottle(clock, config.signinWindowSeconds * 1000),
    {
      sessionIdleMs: config.sessionIdleMinutes * 60_000,
      sessionMaxMs: config.sessionMaxHours * 3_600_000,
      signinMaxFailures: config.signinMaxFailures,
    },
    bus,
  );
  const crm = new CrmService({
    repo: new KyselyCrmRepository(store.db),
    events: bus,
    clock,
    // Owners and assignees must be users of the same tenant.
    users: { exists: async (tenantId, userId) => !!(await accountsRepo.getUser(tenantId, userId)) },
  });
  const jobs = new KyselyImportJobsRepo(store.db);
  // An import that was running when the process stopped will never finish: say so.
  await jobs.markInterrupted(new Date(clock.now()).toISOString());
  const imports = new ImportRunner(jobs, importTarget(crm, accounts), bus, clock);
  // Fastify's logger exists only once the HTTP server is built; the phone system logs through it.
  let httpLog: FastifyInstance['log'] | null = null;
  const phone = await buildSwitch({
    config,
    store,
    bus,
    clock,
    accountsRepo,
    log: (level, msg, data) => httpLog?.[level](data ?? {}, msg),
  });
  const publicUrl = config.publicUrl ?? `http://localhost:${config.httpPort}`;
  const cookieSecure = config.cookieSecure === 'auto' ? publicUrl.startsWith('https:') : config.cookieSecure === 'true';
  const http = await buildHttp({
    accounts,
    bus,
    version: VERSION,
    bodyLimit: config.bodyLimitBytes,
    cookieSecure,
    sessionMaxSeconds: config.sessionMaxHours * 3600,
    domainRoutes: [
      crmRoutes(crm),
      importRoutes({ runner: imports, jobs, limitBytes: config.importLimitBytes, exportContacts: contactsExporter(crm, accounts) }),
      switchRoutes({
        seats: phone.seats,
        settings: (t) => phone.settings(t),
        calls: (t) => phone.calls(t),
        recordCall: (t, id, action) => phone.recordCall(t, id, action),
        callLog: phone.callLog,
        iceServers: iceServersOf(config),
      }),
    ],
    sipWebSocket: (socket, remote, secure, owner) => phone.acceptWebSocket(socket, remote, secure, owner),
    webRoot: deps.webRoot === null ? undefined : (deps.webRoot ?? join(PROJECT_ROOT, 'web', 'dist')),
    logger: deps.logger ?? false,
    health: async () => {
      await sql`select 1`.execute(store.db);
      return { database: 'ok' };
    },
  });
  httpLog = http.log;
  const purge = setInterval(() => void accounts.purgeExpiredSessions().catch(() => {}), 3_600_000);
  purge.unref();

  let closed = false;
  return {
    config,
    store,
    bus,
    clock,
    accounts,
    crm,
    imports,
    phone,
    http,
    bootstrap: () =>
      accounts.bootstrap({ adminEmail: config.adminEmail, adminPassword: config.adminPassword, tenantName: config.tenantName, defaultRegion: config.defaultRegion }),
    async listen() {
      const url = await http.listen({ host: config.httpHost, port: config.httpPort });
      await phone.start();
      const base = new URL(config.publicUrl ?? url);
      phone.setWebSocketUrl(`${base.protocol === 'https:' ? 'wss' : 'ws'}://${base.host}/sip`);
      return url;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(purge);
      await phone.close();
      await http.close();
      await store.close();
    },
  };
}
