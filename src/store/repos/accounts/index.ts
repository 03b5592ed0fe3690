import type { Kysely, Selectable } from 'kysely';
import type { AccountsRepo, ApiTokenRow, Role, SessionRow, Tenant, User, UserWithSecret } from '../../../accounts/index.js';
import type { Database, UsersTable, TenantsTable, ApiTokensTable } from '../../schema.js';

const tenantOf = (r: Selectable<TenantsTable>): Tenant => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  defaultRegion: r.default_region,
  timeZone: r.time_zone,
  createdAt: r.created_at,
});

const userOf = (r: Selectable<UsersTable>): UserWithSecret => ({
  id: r.id,
  tenantId: r.tenant_id,
  email: r.email,
  name: r.name,
  role: r.role as Role,
  locale: r.locale,
  disabled: r.disabled === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  passwordHash: r.password_hash,
});

const publicUser = (u: UserWithSecret): User => {
  const { passwordHash: _drop, ...rest } = u;
  return rest;
};

const tokenOf = (r: Selectable<ApiTokensTable>): ApiTokenRow => ({
  id: r.id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  name: r.name,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

export class KyselyAccountsRepo implements AccountsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async countUsers(): Promise<number> {
    const r = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async createTenant(t: Tenant): Promise<void> {
    await this.db
      .insertInto('tenants')
      .values({ id: t.id, slug: t.slug, name: t.name, default_region: t.defaultRegion, time_zone: t.timeZone, created_at: t.createdAt })
      .execute();
  }

  async getTenant(id: string): Promise<Tenant | null> {
    const r = await this.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? tenantOf(r) : null;
  }

  async getTenantBySlug(slug: string): Promise<Tenant | null> {
    const r = await this.db.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst();
    return r ? tenantOf(r) : null;
  }

  async listTenants(): Promise<Tenant[]> {
    return (await this.db.selectFrom('tenants').selectAll().orderBy('id').execute()).map(tenantOf);
  }

  async createUser(u: UserWithSecret): Promise<void> {
    await this.db
      .insertInto('users')
      .values({
        id: u.id,
        tenant_id: u.tenantId,
        email: u.email,
        name: u.name,
        role: u.role,
        password_hash: u.passwordHash,
        locale: u.locale,
        disabled: u.disabled ? 1 : 0,
        created_at: u.createdAt,
        updated_at: u.updatedAt,
      })
      .execute();
  }

  async getUser(tenantId: string, id: string): Promise<User | null> {
    const r = await this.db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return r ? publicUser(userOf(r)) : null;
  }

  async findUserByEmail(email: string): Promise<UserWithSecret | null> {
    const r = await this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    return r ? userOf(r) : null;
  }

  async listUsers(tenantId: string): Promise<User[]> {
    const rows = await this.db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).orderBy('name').execute();
    return rows.map((r) => publicUser(userOf(r)));
  }

  async updateUser(tenantId: string, id: string, patch: Parameters<AccountsRepo['updateUser']>[2]): Promise<boolean> {
    const set: Partial<UsersTable> = {};
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.role !== undefined) set.role = patch.role;
    if (patch.locale !== undefined) set.locale = patch.locale;
    if (patch.disabled !== undefined) set.disabled = patch.disabled ? 1 : 0;
    if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
    if (patch.updatedAt !== undefined) set.updated_at = patch.updatedAt;
    const r = await this.db.updateTable('users').set(set).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async createSession(s: SessionRow & { ip: string | null; userAgent: string | null }): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id: s.id,
        tenant_id: s.tenantId,
        user_id: s.userId,
        created_at: s.createdAt,
        last_seen_at: s.lastSeenAt,
        expires_at: s.expiresAt,
        ip: s.ip,
        user_agent: s.userAgent,
      })
      .execute();
  }

  async getSession(id: string): Promise<SessionRow | null> {
    const r = await this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return r
      ? { id: r.id, tenantId: r.tenant_id, userId: r.user_id, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at }
      : null;
  }

  async touchSession(id: string, lastSeenAt: string): Promise<void> {
    await this.db.updateTable('sessions').set({ last_seen_at: lastSeenAt }).where('id', '=', id).execute();
  }

  async deleteSession(id: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  async deleteUserSessions(userId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }

  async deleteExpiredSessions(idleBefore: string, now: string): Promise<number> {
    const r = await this.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('last_seen_at', '<', idleBefore), eb('expires_at', '<=', now)]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async createToken(t: ApiTokenRow & { tokenHash: string }): Promise<void> {
    await this.db
      .insertInto('api_tokens')
      .values({
        id: t.id,
        tenant_id: t.tenantId,
        user_id: t.userId,
        name: t.name,
        token_hash: t.tokenHash,
        created_at: t.createdAt,
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
  }

  async findTokenByHash(hash: string): Promise<ApiTokenRow | null> {
    const r = await this.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
    return r ? tokenOf(r) : null;
  }

  async listTokens(tenantId: string): Promise<ApiTokenRow[]> {
    return (await this.db.selectFrom('api_tokens').selectAll().where('tenant_id', '=', tenantId).orderBy('id', 'desc').execute()).map(tokenOf);
  }

  async revokeToken(tenantId: string, id: string, at: string): Promise<boolean> {
    const r = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: at })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async touchToken(id: string, at: string): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  async getMeta(key: string): Promise<string | null> {
    const r = await this.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return r?.value ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.db
      .insertInto('meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  async deleteMeta(key: string): Promise<void> {
    await this.db.deleteFrom('meta').where('key', '=', key).execute();
  }
}
