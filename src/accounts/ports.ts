import type { ApiTokenRow, SessionRow, Tenant, User, UserWithSecret } from './types.js';

/** What the accounts domain needs from storage; src/store implements it. */
export interface AccountsRepo {
  countUsers(): Promise<number>;
  createTenant(t: Tenant): Promise<void>;
  getTenant(id: string): Promise<Tenant | null>;
  getTenantBySlug(slug: string): Promise<Tenant | null>;
  listTenants(): Promise<Tenant[]>;

  createUser(u: UserWithSecret): Promise<void>;
  getUser(tenantId: string, id: string): Promise<User | null>;
  findUserByEmail(email: string): Promise<UserWithSecret | null>;
  listUsers(tenantId: string): Promise<User[]>;
  updateUser(tenantId: string, id: string, patch: Partial<Pick<UserWithSecret, 'name' | 'role' | 'locale' | 'disabled' | 'passwordHash' | 'updatedAt'>>): Promise<boolean>;

  createSession(s: SessionRow & { ip: string | null; userAgent: string | null }): Promise<void>;
  getSession(id: string): Promise<SessionRow | null>;
  touchSession(id: string, lastSeenAt: string): Promise<void>;
  deleteSession(id: string): Promise<void>;
  deleteUserSessions(userId: string): Promise<void>;
  deleteExpiredSessions(idleBefore: string, now: string): Promise<number>;

  createToken(t: ApiTokenRow & { tokenHash: string }): Promise<void>;
  findTokenByHash(hash: string): Promise<ApiTokenRow | null>;
  listTokens(tenantId: string): Promise<ApiTokenRow[]>;
  revokeToken(tenantId: string, id: string, at: string): Promise<boolean>;
  touchToken(id: string, at: string): Promise<void>;

  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;
  deleteMeta(key: string): Promise<void>;
}
