import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadConfig, ConfigError, type Config } from '../config/index.js';
import { buildApp, seedDemo, VERSION, type App } from '../app/index.js';
import { openStore, migrate } from '../store/index.js';
import { isRole } from '../accounts/index.js';
import { runDoctor } from './doctor.js';

const HELP = `hotline ${VERSION}: a self-hosted contact center

usage: hotline <command> [options]

commands:
  start                 start Hotline (HTTP, API and web app)
  demo                  create the demo tenant if missing, then start (loopback only unless HOTLINE_HTTP_HOST is set)
  demo --seed-only      create the demo tenant and exit
  migrate               bring the database schema up to date
  user create --email E --name N --role R [--password P] [--tenant SLUG]
                        add a user (roles: owner, admin, supervisor, agent); the password is generated when omitted
  token create --email E --name N
                        create an API token acting as that user (printed once)
  doctor                check configuration, data folder, database, ports and optional tools
  help                  this text

Settings come from HOTLINE_* environment variables; see docs/configuration.md.
`;

type Out = (s: string) => void;

export interface CliIo {
  out: Out;
  err: Out;
  env?: Record<string, string | undefined>;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  stopSignal?: Promise<void>;
}

const defaultIo = (): CliIo => ({
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
  stopSignal: new Promise<void>((res) => {
    process.once('SIGINT', res);
    process.once('SIGTERM', res);
  }),
});

function readConfig(io: CliIo, overrides: Partial<Record<keyof Config, unknown>> = {}): Config | null {
  try {
    return loadConfig({ env: io.env ?? process.env, overrides });
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(e.message);
      return null;
    }
    throw e;
  }
}

async function serve(app: App, io: CliIo, t0: number, setupToken?: string): Promise<number> {
  const address = await app.listen();
  const base = app.config.publicUrl ?? address.replace('127.0.0.1', 'localhost').replace('[::1]', 'localhost').replace('0.0.0.0', 'localhost');
  io.out(`hotline ${VERSION} ready at ${base} in ${Date.now() - t0} ms (database: ${app.store.dialect} ${app.store.location})`);
  if (setupToken) io.out(`No users yet. Open this one-time link to create the owner:\n  ${base}/setup?token=${setupToken}`);
  await (io.stopSignal ?? new Promise(() => {}));
  io.out('hotline: stopping');
  await app.close();
  return 0;
}

async function start(io: CliIo, demo: boolean, seedOnly: boolean): Promise<number> {
  const t0 = Date.now();
  const env = io.env ?? process.env;
  // The demo listens on loopback only, unless told otherwise.
  const config = readConfig(io, {
    ...(demo && !env.HOTLINE_HTTP_HOST ? { httpHost: '127.0.0.1' } : {}),
    ...(demo && !env.HOTLINE_SIP_HOST ? { sipHost: '127.0.0.1' } : {}),
  });
  if (!config) return 2;
  const app = await buildApp(config, { logger: config.logLevel === 'silent' ? false : { level: config.logLevel } });
  let setupToken: string | undefined;
  try {
    if (demo) {
      const d = await seedDemo(app);
      io.out(d.created ? 'demo tenant created' : 'demo tenant already present');
      const lines = [
        '',
        'Demo tenant "demo": sign in at the web app as',
        '  admin@demo.test (admin), carol@demo.test (supervisor), alice@demo.test and bob@demo.test (agents)',
      ];
      if (d.generatedPassword) lines.push(`  password for every demo user: ${d.generatedPassword}   (shown once; set HOTLINE_DEMO_PASSWORD to choose it)`);
      else if (d.password) lines.push('  password: the value of HOTLINE_DEMO_PASSWORD');
      else lines.push('  password: the one printed when the demo was first created');
      lines.push(
        '',
        `SIP seats 1001 (alice), 1002 (bob), 1003 (carol): server ${config.sipPublicAddress ?? (config.sipHost === '0.0.0.0' ? '<this host>' : config.sipHost)}, port ${config.sipPort} (UDP and TCP), username = seat number, password = the demo password`,
      );
      for (const [n, p] of Object.entries(d.seatPasswords ?? {})) lines.push(`  seat ${n} SIP password: ${p}   (shown once)`);
      io.out(lines.join('\n'));
      if (seedOnly) {
        await app.close();
        return 0;
      }
    } else {
      const b = await app.bootstrap();
      if (b.owner) io.out(`created the owner ${b.owner.email}`);
      setupToken = b.setupToken;
    }
  } catch (e) {
    await app.close();
    throw e;
  }
  return serve(app, io, t0, setupToken);
}

async function migrateCmd(io: CliIo): Promise<number> {
  const config = readConfig(io);
  if (!config) return 2;
  const store = openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    const r = await migrate(store);
    io.out(r.applied.length ? `applied: ${r.applied.join(', ')}` : 'schema is up to date');
    return 0;
  } finally {
    await store.close();
  }
}

async function withApp<T>(io: CliIo, fn: (app: App) => Promise<T>): Promise<T | null> {
  const config = readConfig(io);
  if (!config) return null;
  const app = await buildApp(config, { webRoot: null });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

async function userCreate(io: CliIo, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, password: { type: 'string' }, tenant: { type: 'string' } },
    strict: true,
  });
  if (!values.email || !values.role) {
    io.err('usage: hotline user create --email E --name N --role R [--password P] [--tenant SLUG]');
    return 2;
  }
  if (!isRole(values.role)) {
    io.err(`unknown role ${values.role}: owner, admin, supervisor or agent`);
    return 2;
  }
  const role = values.role;
  const r = await withApp(io, async (app) => {
    const tenants = await app.store.db.selectFrom('tenants').select(['id', 'slug']).orderBy('id').execute();
    const tenant = values.tenant ? tenants.find((t) => t.slug === values.tenant) : tenants[0];
    if (!tenant) {
      io.err(values.tenant ? `no tenant ${values.tenant}` : 'no tenant yet: start Hotline once first');
      return 1;
    }
    if (!values.tenant && tenants.length > 1) {
      io.err(`several tenants (${tenants.map((t) => t.slug).join(', ')}): name one with --tenant`);
      return 2;
    }
    const password = values.password ?? (await import('../kit/index.js')).newSecret(12);
    const u = await app.accounts.createUser(tenant.id, { email: values.email!, name: values.name ?? values.email!.split('@')[0]!, role, password });
    io.out(`created ${u.role} ${u.email} in tenant ${tenant.slug}${values.password ? '' : `\npassword: ${password}   (shown once)`}`);
    return 0;
  });
  return r ?? 2;
}

async function tokenCreate(io: CliIo, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { email: { type: 'string' }, name: { type: 'string' } }, strict: true });
  if (!values.email || !values.name) {
    io.err('usage: hotline token create --email E --name N');
    return 2;
  }
  const r = await withApp(io, async (app) => {
    const user = await app.accounts.findUserByEmail(values.email!);
    if (!user) {
      io.err(`no user ${values.email}`);
      return 1;
    }
    const { token } = await app.accounts.createApiToken(user.tenantId, user.id, values.name!);
    io.out(token);
    return 0;
  });
  return r ?? 2;
}

export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const [cmd, sub, ...rest] = argv;
  try {
    switch (cmd) {
      case 'start':
        return await start(io, false, false);
      case 'demo':
        return await start(io, true, [sub, ...rest].includes('--seed-only'));
      case 'migrate':
        return await migrateCmd(io);
      case 'user':
        if (sub === 'create') return await userCreate(io, rest);
        break;
      case 'token':
        if (sub === 'create') return await tokenCreate(io, rest);
        break;
      case 'doctor': {
        const config = readConfig(io);
        return await runDoctor(config, io);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(HELP);
        return cmd === undefined ? 2 : 0;
      case '--version':
        io.out(VERSION);
        return 0;
    }
    io.err(`hotline: unknown command "${argv.join(' ')}"\n\n${HELP}`);
    return 2;
  } catch (e) {
    const err = e as Error & { code?: string };
    io.err(`hotline: ${err.code ? `${err.code}: ` : ''}${err.message}`);
    return 1;
  }
}

// Run directly (tsx src/cli/main.ts …) as well as through bin/hotline.js.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
