import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, MemoryEventBus, type DomainEvent } from '../kit/index.js';
import { KyselyAccountsRepo } from '../store/index.js';
import { createTestStore, testDialects, type TestStore } from '../store/testing/index.js';
import { AccountsService, MemorySigninThrottle } from './index.js';

const dialects = await testDialects();

describe.each(dialects)('accounts on %s', (dialect) => {
  let store: TestStore;
  let clock: FakeClock;
  let accounts: AccountsService;
  let events: DomainEvent[];
  let tenantA: string;
  let tenantB: string;

  beforeAll(async () => {
    store = await createTestStore(dialect);
    clock = new FakeClock();
    const bus = new MemoryEventBus();
    events = [];
    bus.subscribe((e) => events.push(e));
    accounts = new AccountsService(new KyselyAccountsRepo(store.db), clock, new MemorySigninThrottle(clock, 900_000), {
      sessionIdleMs: 30 * 60_000,
      sessionMaxMs: 8 * 3_600_000,
      signinMaxFailures: 3,
    }, bus);
    tenantA = (await accounts.createTenant({ name: 'Acme' })).id;
    tenantB = (await accounts.createTenant({ name: 'Acme' })).id; // same name gets another slug
    await accounts.createUser(tenantA, { email: 'Ann@Acme.test', name: 'Ann', role: 'admin', password: 'correct horse 1' });
    await accounts.createUser(tenantB, { email: 'bo@other.test', name: 'Bo', role: 'agent', password: 'correct horse 2' });
  });
  afterAll(() => store?.dispose());

  it('gives tenants distinct slugs', async () => {
    const a = await accounts.getTenant(tenantA);
    const b = await accounts.getTenant(tenantB);
    expect(a.slug).toBe('acme');
    expect(b.slug).not.toBe('acme');
  });

  it('signs in with the right password only, case-insensitive e-mail', async () => {
    const s = await accounts.signIn({ email: 'ann@acme.test', password: 'correct horse 1', ip: '10.0.0.1' });
    expect(s.user.email).toBe('ann@acme.test');
    expect(s.token.length).toBeGreaterThanOrEqual(43); // 256 bits
    await expect(accounts.signIn({ email: 'ann@acme.test', password: 'wrong password', ip: '10.0.0.1' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('answers unknown and known accounts the same way', async () => {
    const unknown = await accounts.signIn({ email: 'nobody@acme.test', password: 'whatever123', ip: '10.0.0.9' }).catch((e) => e);
    const known = await accounts.signIn({ email: 'bo@other.test', password: 'whatever123', ip: '10.0.0.9' }).catch((e) => e);
    expect({ code: unknown.code, message: unknown.message, kind: unknown.kind }).toEqual({ code: known.code, message: known.message, kind: known.kind });
  });

  it('throttles an account after repeated failures, even with the right password', async () => {
    await accounts.createUser(tenantA, { email: 'tom@acme.test', name: 'Tom', role: 'agent', password: 'tom password 1' });
    for (let i = 0; i < 3; i++) {
      await expect(accounts.signIn({ email: 'tom@acme.test', password: 'nope nope nope', ip: `10.1.0.${i}` })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    }
    await expect(accounts.signIn({ email: 'tom@acme.test', password: 'tom password 1', ip: '10.1.0.9' })).rejects.toMatchObject({ code: 'SIGNIN_THROTTLED' });
    clock.advance(900_001);
    await expect(accounts.signIn({ email: 'tom@acme.test', password: 'tom password 1', ip: '10.1.0.9' })).resolves.toBeTruthy();
  });

  it('throttles an IP address spraying many accounts', async () => {
    for (let i = 0; i < 12; i++) {
      await accounts.signIn({ email: `spray${i}@acme.test`, password: 'x'.repeat(10), ip: '192.0.2.7' }).catch(() => {});
    }
    await expect(accounts.signIn({ email: 'ann@acme.test', password: 'correct horse 1', ip: '192.0.2.7' })).rejects.toMatchObject({ code: 'SIGNIN_THROTTLED' });
    await expect(accounts.signIn({ email: 'ann@acme.test', password: 'correct horse 1', ip: '192.0.2.8' })).resolves.toBeTruthy();
  });

  it('ends a session after the idle time and after the absolute time', async () => {
    const s = await accounts.signIn({ email: 'ann@acme.test', password: 'correct horse 1', ip: '10.0.0.2' });
    expect((await accounts.authenticateSession(s.token))?.role).toBe('admin');
    clock.advance(29 * 60_000);
    expect(await accounts.authenticateSession(s.token)).not.toBeNull(); // use keeps it alive
    clock.advance(29 * 60_000);
    expect(await accounts.authenticateSession(s.token)).not.toBeNull();
    clock.advance(31 * 60_000);
    expect(await accounts.authenticateSession(s.token)).toBeNull(); // idle too long

    const t = await accounts.signIn({ email: 'ann@acme.test', password: 'correct horse 1', ip: '10.0.0.2' });
    for (let i = 0; i < 16; i++) {
      clock.advance(29 * 60_000);
      expect(await accounts.authenticateSession(t.token)).not.toBeNull();
    }
    clock.advance(29 * 60_000); // past 8 hours since sign-in
    expect(await accounts.authenticateSession(t.token)).toBeNull();
  });

  it('signs out on the server side', async () => {
    const s = await accounts.signIn({ email: 'ann@acme.test', password: 'correct horse 1', ip: '10.0.0.3' });
    await accounts.signOut(s.token);
    expect(await accounts.authenticateSession(s.token)).toBeNull();
    expect(await accounts.authenticateSession('forged-token')).toBeNull();
  });

  it('disabling a user or changing the password ends their sessions', async () => {
    const u = await accounts.createUser(tenantA, { email: 'dee@acme.test', name: 'Dee', role: 'agent', password: 'dee password 1' });
    const s = await accounts.signIn({ email: 'dee@acme.test', password: 'dee password 1', ip: '10.0.0.4' });
    const admin = (await accounts.authenticateSession((await accounts.signIn({ email: 'ann@acme.test', password: 'correct horse 1', ip: '10.0.0.4' })).token))!;
    await accounts.updateUser(admin, u.id, { disabled: true });
    expect(await accounts.authenticateSession(s.token)).toBeNull();
    await expect(accounts.signIn({ email: 'dee@acme.test', password: 'dee password 1', ip: '10.0.0.5' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('hashes API tokens and resolves them to the user', async () => {
    const ann = (await accounts.findUserByEmail('ann@acme.test'))!;
    const { token, row } = await accounts.createApiToken(tenantA, ann.id, 'crm sync');
    expect(token.startsWith('hl_')).toBe(true);
    const raw = await store.db.selectFrom('api_tokens').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(raw.token_hash).not.toContain(token.slice(3));
    expect((await accounts.authenticateToken(token))?.userId).toBe(ann.id);
    await accounts.revokeApiToken(tenantA, row.id);
    expect(await accounts.authenticateToken(token)).toBeNull();
  });

  it('keeps tenants apart: another tenant’s user is not found', async () => {
    const bo = (await accounts.findUserByEmail('bo@other.test'))!;
    await expect(accounts.getUser(tenantA, bo.id)).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    const ann = (await accounts.findUserByEmail('ann@acme.test'))!;
    const annActor = { tenantId: tenantA, userId: ann.id, role: 'admin' as const };
    await expect(accounts.updateUser(annActor, bo.id, { name: 'X' })).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    expect((await accounts.listUsers(tenantA)).every((u) => u.tenantId === tenantA)).toBe(true);
  });

  it('rejects bad users without writing anything', async () => {
    const before = (await accounts.listUsers(tenantA)).length;
    await expect(accounts.createUser(tenantA, { email: 'not-an-email', name: 'X', role: 'agent', password: 'long enough 1' })).rejects.toMatchObject({ code: 'INVALID_EMAIL' });
    await expect(accounts.createUser(tenantA, { email: 'x@acme.test', name: 'X', role: 'agent', password: 'short' })).rejects.toMatchObject({ code: 'WEAK_PASSWORD' });
    await expect(accounts.createUser(tenantA, { email: 'ANN@acme.test', name: 'X', role: 'agent', password: 'long enough 1' })).rejects.toMatchObject({ code: 'EMAIL_TAKEN' });
    expect((await accounts.listUsers(tenantA)).length).toBe(before);
  });

  it('only an admin changes roles, and nobody demotes themself', async () => {
    const ann = (await accounts.findUserByEmail('ann@acme.test'))!;
    const tom = (await accounts.findUserByEmail('tom@acme.test'))!;
    const tomActor = { tenantId: tenantA, userId: tom.id, role: 'agent' as const };
    await expect(accounts.updateUser(tomActor, tom.id, { role: 'admin' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(accounts.updateUser(tomActor, ann.id, { name: 'Hacked' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(accounts.updateUser({ tenantId: tenantA, userId: ann.id, role: 'admin' }, ann.id, { role: 'agent' })).rejects.toMatchObject({ code: 'CANNOT_CHANGE_SELF' });
    const updated = await accounts.updateUser(tomActor, tom.id, { locale: 'zh-TW' });
    expect(updated.locale).toBe('zh-TW');
    expect(events.some((e) => e.type === 'user.updated' && e.tenantId === tenantA)).toBe(true);
  });
});

describe.each(dialects)('first start on %s', (dialect) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore(dialect);
  });
  afterAll(() => store?.dispose());

  it('issues a one-time setup token that creates the owner once', async () => {
    const clock = new FakeClock();
    const accounts = new AccountsService(new KyselyAccountsRepo(store.db), clock, new MemorySigninThrottle(clock, 60_000), { sessionIdleMs: 1e6, sessionMaxMs: 1e7, signinMaxFailures: 5 });
    const b = await accounts.bootstrap({ adminEmail: null, adminPassword: null, tenantName: 'Acme', defaultRegion: 'CN' });
    expect(b.setupToken).toBeTruthy();
    expect(await accounts.setupNeeded()).toBe(true);
    await expect(accounts.completeSetup({ token: 'guess', tenantName: 'Acme', name: 'O', email: 'o@acme.test', password: 'owner password' })).rejects.toMatchObject({ code: 'SETUP_TOKEN_INVALID' });
    const owner = await accounts.completeSetup({ token: b.setupToken!, tenantName: 'Acme', name: 'O', email: 'o@acme.test', password: 'owner password', defaultRegion: 'CN' });
    expect(owner.role).toBe('owner');
    expect((await accounts.getTenant(owner.tenantId)).defaultRegion).toBe('CN');
    await expect(accounts.completeSetup({ token: b.setupToken!, tenantName: 'Again', name: 'O', email: 'o2@acme.test', password: 'owner password' })).rejects.toMatchObject({ code: 'SETUP_TOKEN_INVALID' });
    expect(await accounts.bootstrap({ adminEmail: null, adminPassword: null, tenantName: 'x', defaultRegion: 'US' })).toEqual({});
  });
});
