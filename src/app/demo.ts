import { newSecret } from '../kit/index.js';
import type { App } from './build.js';

export const DEMO_TENANT = { slug: 'demo', name: 'Demo', defaultRegion: 'US', timeZone: 'America/New_York' } as const;

export const DEMO_USERS = [
  { email: 'admin@demo.test', name: 'Admin', role: 'admin' },
  { email: 'carol@demo.test', name: 'Carol', role: 'supervisor' },
  { email: 'alice@demo.test', name: 'Alice', role: 'agent' },
  { email: 'bob@demo.test', name: 'Bob', role: 'agent' },
] as const;

/**
 * The demo's CRM records (shared/DEMO.md). The 马丁路 address carries its English
 * rendering too, so typing "Mar" finds it as SPEC B3 describes, and "马丁" does as well.
 */
async function seedDemoCrm(app: App, tenantId: string, users: Record<string, string>): Promise<void> {
  const ctx = { tenantId, userId: users['admin@demo.test'] ?? null, defaultRegion: DEMO_TENANT.defaultRegion };
  if ((await app.crm.lookupByNumber(ctx, '+15550123')).length) return; // already there
  const alice = users['alice@demo.test'] ?? null;
  const marcom = await app.crm.create(ctx, 'company', { name: 'Marcom', website: 'https://marcom.example', address: '200 Market Street, San Francisco', phones: [{ label: 'work', number: '+1 555 0100' }] });
  const margaret = await app.crm.create(ctx, 'contact', {
    firstName: 'Margaret',
    lastName: 'Chen',
    title: 'Operations Manager',
    phones: [
      { label: 'work', number: '+1 555 0123' },
      { label: 'mobile', number: '+1 555 0124' },
    ],
    emails: [{ label: 'work', address: 'margaret.chen@example.com' }],
    address: '12 Harbor Road, Boston',
    ownerId: alice,
  });
  await app.crm.create(ctx, 'contact', { firstName: 'Mark', lastName: 'Lee', phones: [{ label: 'mobile', number: '+1 555 0131' }], emails: [{ label: 'work', address: 'mark.lee@example.com' }], ownerId: alice });
  await app.crm.create(ctx, 'contact', { firstName: 'Simon', lastName: 'Peter', companyId: marcom.id, title: 'Buyer', phones: [{ label: 'work', number: '+1 555 0142' }, { label: 'home', number: '+1 555 0143' }] });
  await app.crm.create(ctx, 'contact', { firstName: '芳', lastName: '王', address: '马丁路 88号 (88 Martin Road)', phones: [{ label: 'mobile', number: '+86 138 0013 8000' }] });
  await app.crm.create(ctx, 'lead', { firstName: 'Maria', lastName: 'Gomez', companyName: 'Gomez Catering', status: 'new', phones: [{ label: 'mobile', number: '+1 555 0155' }] });
  await app.crm.create(ctx, 'deal', { name: 'Marcom annual support', stage: 'proposal', amount: 12000, currency: 'USD', companyId: marcom.id, ownerId: alice });
  await app.crm.create(ctx, 'ticket', { subject: 'Invoice shows the wrong address', description: 'Margaret asked for the March invoice to be re-issued.', status: 'open', priority: 'normal', category: 'billing', contactId: margaret.id, assigneeId: alice });
  await app.crm.create(ctx, 'task', { title: 'Call Margaret back about the invoice', dueAt: new Date(app.clock.now() + 86_400_000).toISOString(), assigneeId: alice, recordType: 'contact', recordId: margaret.id });
}

export interface DemoOutcome {
  tenantId: string;
  created: boolean;
  /** Set only when the password was generated on this run (printed once). */
  generatedPassword?: string;
  password?: string;
  /** SIP passwords generated on this run for seats added to an existing demo (printed once). */
  seatPasswords?: Record<string, string>;
}

/** Seats 1001 alice, 1002 bob, 1003 carol (DEMO.md), with the demo password. */
export const DEMO_SEATS = [
  { number: '1001', email: 'alice@demo.test', displayName: 'Alice' },
  { number: '1002', email: 'bob@demo.test', displayName: 'Bob' },
  { number: '1003', email: 'carol@demo.test', displayName: 'Carol' },
] as const;

const seedDemoSeats =
  (password: string | null, generated: Record<string, string>) =>
  async (app: App, tenantId: string, users: Record<string, string>): Promise<void> => {
    const existing = new Set((await app.phone.seats.list(tenantId)).map((x) => x.number));
    for (const s of DEMO_SEATS) {
      if (existing.has(s.number)) continue;
      // On a re-run with no known demo password, a missing seat gets its own generated one.
      const r = await app.phone.seats.create(tenantId, { number: s.number, userId: users[s.email] ?? null, displayName: s.displayName }, password ?? undefined);
      if (!password) generated[s.number] = r.password;
    }
  };

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
  const seatPasswords: Record<string, string> = {};
  for (const part of [seedDemoCrm, seedDemoSeats(given ?? generated ?? null, seatPasswords), ...extra]) await part(app, tenant.id, ids);
  return {
    tenantId: tenant.id,
    created,
    ...(generated ? { generatedPassword: generated } : {}),
    ...(given ? { password: given } : {}),
    ...(Object.keys(seatPasswords).length ? { seatPasswords } : {}),
  };
}
