/**
 * Builds a whole Hotline app for a test, on a fresh database of the given dialect,
 * with a signed-in helper. Nothing listens unless the test calls app.listen().
 */
import { buildApp, type App } from '../../src/app/index.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createTestStore } from '../../src/store/testing/index.js';
import type { Clock } from '../../src/kit/index.js';

export interface TestApp {
  app: App;
  dispose(): Promise<void>;
  /** Signs in and returns the cookie header value. */
  signIn(email: string, password: string): Promise<string>;
}

export async function createTestApp(
  dialect: 'sqlite' | 'postgres',
  overrides: Partial<Record<keyof Config, unknown>> = {},
  opts: { clock?: Clock; webRoot?: string | null } = {},
): Promise<TestApp> {
  const db = await createTestStore(dialect);
  // The app opens its own connection; the test store only provides the empty database.
  await db.close();
  const config = loadConfig({ env: {}, overrides: { dataDir: db.dataDir, databaseUrl: db.url, httpHost: '127.0.0.1', httpPort: 0, logLevel: 'silent', ...overrides } });
  const app = await buildApp(config, { webRoot: opts.webRoot ?? null, ...(opts.clock ? { clock: opts.clock } : {}) });
  return {
    app,
    async dispose() {
      await app.close();
      await db.dispose().catch(() => {});
    },
    async signIn(email, password) {
      const r = await app.http.inject({ method: 'POST', url: '/api/v1/auth/signin', payload: { email, password } });
      if (r.statusCode !== 200) throw new Error(`sign-in failed: ${r.statusCode} ${r.body}`);
      const c = r.cookies.find((x) => x.name === 'hotline_session')!;
      return `hotline_session=${c.value}`;
    },
  };
}
