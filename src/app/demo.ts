import { newSecret } from '../kit/index.js';
import type { App } from './build.js';

export const DEMO_TENANT = { slug: 'demo', name: 'Demo', defaultRegion: 'US', timeZone: 'America/New_York' } as const;

export const DEMO_USERS = [
  { email: 'admin@demo.test', name: 'Admin', role: 'admin' },
  { email: 'carol@demo.test', name: 'Carol', role: 'supervisor' },
  { email: 'alice@demo.test', name: 'Alice', role: 'agent' },
  { email: 'bob@demo.test', name: 'Bob', role: 'agent' },
] as const;

export interface DemoOutcome {
  tenantId: string;
  created: boolean;
  /** Set only when the password was generated on this run (printed once). */
  generatedPassword?: string;
  password?: string;
}

/**
 * Builds the demo tenant of shared/DEMO.md. Running it again changes nothing: every
 * part is looked up first and only missing parts are created.
 */
export async function seedDemo(app: App, extra: Array<(app: App, tenantId: string, ownerIds: Record<string, string>) => Promise<void>> = []): Promise<DemoOutcome> {
  let tenant = await app.accounts.getTenantBySlug(DEMO_TENANT.slug);
  const created = !tenant;
  tenant ??= await app.accounts.createTenant(DEMO_TENANT);
  const given = app.config.demoPassword;
  let generated: string | undefined;
  const ids: Record<string, string> = {};
  for (const u of DEMO_USERS) {
    const existing = await app.accounts.findUserByEmail(u.email);
    if (existing) {
      ids[u.email] = existing.id;
      continue;
    }
    let password = given;
    if (!password) password = generated ??= newSecret(12);
    const user = await app.accounts.createUser(tenant.id, { ...u, password });
    ids[u.email] = user.id;
  }
  for (const part of extra) await part(app, tenant.id, ids);
  return { tenantId: tenant.id, created, ...(generated ? { generatedPassword: generated } : {}), ...(given ? { password: given } : {}) };
}
