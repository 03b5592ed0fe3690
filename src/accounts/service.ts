import { createHash } from 'node:crypto';
import { AppError, conflict, invalid, isoOf, newId, newSecret, notFound, unauthenticated, forbidden, type Clock, type EventBus } from '../kit/index.js';
import type { AccountsRepo } from './ports.js';
import { decoyHash, hashPassword, PASSWORD_MAX, PASSWORD_MIN, verifyPassword } from './password.js';
import { isRole, roleAtLeast, type Role } from './roles.js';
import type { SigninThrottle } from './throttle.js';
import type { Actor, ApiTokenRow, Tenant, User } from './types.js';

export interface AccountsPolicy {
  sessionIdleMs: number;
  sessionMaxMs: number;
  signinMaxFailures: number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SETUP_KEY = 'setup_token_hash';
const TOKEN_PREFIX = 'hl_';
// Writing last_seen on every request would turn reads into writes; a minute of slack is fine.
const TOUCH_EVERY_MS = 60_000;

export function normalizeEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (!EMAIL.test(email) || email.length > 254) throw invalid('INVALID_EMAIL', 'Enter a valid e-mail address', [{ path: 'email', message: 'not an e-mail address' }]);
  return email;
}

function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw invalid('WEAK_PASSWORD', `A password has ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`, [{ path: 'password', message: 'wrong length' }]);
  }
}

export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return slug || 'tenant';
}

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  password: string;
  locale?: string | null;
}

export interface SignedIn {
  user: User;
  tenant: Tenant;
  /** The session token for the cookie; only its hash is stored. */
  token: string;
  expiresAt: string;
}

/**
 * Tenants, users, sign-in, sessions and API tokens. Sign-in gives the same answer for
 * unknown and known accounts, spends the same scrypt time for both, and is throttled
 * per account and per IP address.
 */
export class AccountsService {
  private tenantCache = new Map<string, Tenant>();

  constructor(
    private readonly repo: AccountsRepo,
    private readonly clock: Clock,
    private readonly throttle: SigninThrottle,
    private readonly policy: AccountsPolicy,
    private readonly events?: EventBus,
  ) {}

  private now(): string {
    return isoOf(this.clock.now());
  }

  // ---- tenants and first start ----

  async createTenant(input: { name: string; slug?: string; defaultRegion?: string; timeZone?: string }): Promise<Tenant> {
    const name = input.name.trim();
    if (!name || name.length > 100) throw invalid('INVALID_TENANT_NAME', 'A tenant name has 1 to 100 characters');
    const region = (input.defaultRegion ?? 'US').toUpperCase();
    if (!/^[A-Z]{2}$/.test(region)) throw invalid('INVALID_REGION', 'The default region is a two-letter country code');
    let slug = input.slug ? slugify(input.slug) : slugify(name);
    if (await this.repo.getTenantBySlug(slug)) {
      if (input.slug) throw conflict('TENANT_EXISTS', `A tenant named ${slug} exists`);
      slug = `${slug}-${newSecret(3).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
    }
    const tenant: Tenant = {
      id: newId(this.clock.now()),
      slug,
      name,
      defaultRegion: region,
      timeZone: input.timeZone ?? 'UTC',
      createdAt: this.now(),
    };
    await this.repo.createTenant(tenant);
    return tenant;
  }

  async getTenant(id: string): Promise<Tenant> {
    const cached = this.tenantCache.get(id);
    if (cached) return cached;
    const t = await this.repo.getTenant(id);
    if (!t) throw notFound('TENANT_NOT_FOUND', 'No such tenant');
    this.tenantCache.set(id, t);
    return t;
  }

  getTenantBySlug(slug: string): Promise<Tenant | null> {
    return this.repo.getTenantBySlug(slug);
  }

  async setupNeeded(): Promise<boolean> {
    return (await this.repo.countUsers()) === 0;
  }

  /**
   * On a start with no users: create the owner from the configured e-mail and password,
   * or issue a one-time setup token (its hash is kept; the token is printed once).
   */
  async bootstrap(opts: { adminEmail: string | null; adminPassword: string | null; tenantName: string; defaultRegion: string }): Promise<{ owner?: User; setupToken?: string }> {
    if (!(await this.setupNeeded())) return {};
    if (opts.adminEmail && opts.adminPassword) {
      const tenant = await this.createTenant({ name: opts.tenantName, defaultRegion: opts.defaultRegion });
      const owner = await this.createUser(tenant.id, { email: opts.adminEmail, name: 'Owner', role: 'owner', password: opts.adminPassword });
      return { owner };
    }
    const token = newSecret(24);
    await this.repo.setMeta(SETUP_KEY, sha256(token));
    return { setupToken: token };
  }

  async completeSetup(input: { token: string; tenantName: string; name: string; email: string; password: string; defaultRegion?: string }): Promise<User> {
    const stored = await this.repo.getMeta(SETUP_KEY);
    if (!stored || stored !== sha256(input.token) || !(await this.setupNeeded())) {
      throw new AppError('forbidden', 'SETUP_TOKEN_INVALID', 'This setup link is not valid any more');
    }
    const tenant = await this.createTenant({ name: input.tenantName, defaultRegion: input.defaultRegion ?? 'US' });
    const owner = await this.createUser(tenant.id, { email: input.email, name: input.name, role: 'owner', password: input.password });
    await this.repo.deleteMeta(SETUP_KEY);
    return owner;
  }

  // ---- users ----

  async createUser(tenantId: string, input: NewUser): Promise<User> {
    const email = normalizeEmail(input.email);
    const name = input.name.trim();
    if (!name || name.length > 100) throw invalid('INVALID_NAME', 'A name has 1 to 100 characters', [{ path: 'name', message: 'wrong length' }]);
    if (!isRole(input.role)) throw invalid('INVALID_ROLE', 'Unknown role', [{ path: 'role', message: 'unknown role' }]);
    checkPassword(input.password);
    await this.getTenant(tenantId);
    if (await this.repo.findUserByEmail(email)) throw conflict('EMAIL_TAKEN', 'A user with this e-mail exists');
    const now = this.now();
    const user: User = {
      id: newId(this.clock.now()),
      tenantId,
      email,
      name,
      role: input.role,
      locale: input.locale ?? null,
      disabled: false,
      createdAt: now,
      updatedAt: now,
    };
    await this.repo.createUser({ ...user, passwordHash: await hashPassword(input.password) });
    this.events?.publish({ type: 'user.created', tenantId, at: now, roles: ['owner', 'admin', 'supervisor'], data: { id: user.id } });
    return user;
  }

  async getUser(tenantId: string, id: string): Promise<User> {
    const u = await this.repo.getUser(tenantId, id);
    if (!u) throw notFound('USER_NOT_FOUND', 'No such user');
    return u;
  }

  listUsers(tenantId: string): Promise<User[]> {
    return this.repo.listUsers(tenantId);
  }

  async findUserByEmail(email: string): Promise<User | null> {
    const u = await this.repo.findUserByEmail(email.trim().toLowerCase());
    if (!u) return null;
    const { passwordHash: _drop, ...user } = u;
    return user;
  }

  async updateUser(
    actor: Pick<Actor, 'tenantId' | 'userId' | 'role'>,
    id: string,
    patch: { name?: string; role?: Role; locale?: string | null; disabled?: boolean; password?: string },
  ): Promise<User> {
    const target = await this.getUser(actor.tenantId, id);
    const self = id === actor.userId;
    const admin = roleAtLeast(actor.role, 'admin');
    if (!self && !admin) throw forbidden('FORBIDDEN', 'Only an admin changes other users');
    if ((patch.role !== undefined || patch.disabled !== undefined) && !admin) throw forbidden('FORBIDDEN', 'Only an admin changes roles');
    if (patch.role === 'owner' && actor.role !== 'owner') throw forbidden('FORBIDDEN', 'Only an owner makes owners');
    if (target.role === 'owner' && actor.role !== 'owner' && !self) throw forbidden('FORBIDDEN', 'Only an owner changes an owner');
    if (self && (patch.disabled || (patch.role && patch.role !== target.role))) throw invalid('CANNOT_CHANGE_SELF', 'You cannot change your own role or disable yourself');
    const upd: Parameters<AccountsRepo['updateUser']>[2] = { updatedAt: this.now() };
    if (patch.name !== undefined) {
      const name = patch.name.trim();
      if (!name || name.length > 100) throw invalid('INVALID_NAME', 'A name has 1 to 100 characters');
      upd.name = name;
    }
    if (patch.role !== undefined) upd.role = patch.role;
    if (patch.locale !== undefined) upd.locale = patch.locale;
    if (patch.disabled !== undefined) upd.disabled = patch.disabled;
    if (patch.password !== undefined) {
      checkPassword(patch.password);
      upd.passwordHash = await hashPassword(patch.password);
    }
    await this.repo.updateUser(actor.tenantId, id, upd);
    // A disabled user or a new password ends every open session of that user.
    if (patch.disabled || patch.password !== undefined) await this.repo.deleteUserSessions(id);
    const user = await this.getUser(actor.tenantId, id);
    this.events?.publish({ type: 'user.updated', tenantId: actor.tenantId, at: user.updatedAt, roles: ['owner', 'admin', 'supervisor'], data: { id } });
    return user;
  }

  async passwordMatches(tenantId: string, userId: string, password: string): Promise<boolean> {
    const u = await this.getUser(tenantId, userId);
    const full = await this.repo.findUserByEmail(u.email);
    return !!full && (await verifyPassword(password.slice(0, PASSWORD_MAX), full.passwordHash));
  }

  // ---- sign-in and sessions ----

  async signIn(input: { email: string; password: string; ip: string; userAgent?: string | null }): Promise<SignedIn> {
    const email = input.email.trim().toLowerCase();
    const accountKey = `acct:${email}`;
    const ipKey = `ip:${input.ip}`;
    const limit = this.policy.signinMaxFailures;
    if (this.throttle.blocked(accountKey, limit) || this.throttle.blocked(ipKey, limit * 4)) {
      throw new AppError('rate_limited', 'SIGNIN_THROTTLED', 'Too many failed sign-ins; wait a few minutes and try again');
    }
    const user = email.length <= 254 ? await this.repo.findUserByEmail(email) : null;
    // Spend the same scrypt time when the account does not exist.
    const ok = await verifyPassword(input.password.slice(0, PASSWORD_MAX), user?.passwordHash ?? (await decoyHash()));
    if (!user || !ok || user.disabled) {
      this.throttle.fail(accountKey);
      this.throttle.fail(ipKey);
      throw unauthenticated('INVALID_CREDENTIALS', 'Wrong e-mail or password');
    }
    this.throttle.reset(accountKey);
    const token = newSecret(32);
    const nowMs = this.clock.now();
    const expiresAt = isoOf(nowMs + this.policy.sessionMaxMs);
    await this.repo.createSession({
      id: sha256(token),
      tenantId: user.tenantId,
      userId: user.id,
      createdAt: isoOf(nowMs),
      lastSeenAt: isoOf(nowMs),
      expiresAt,
      ip: input.ip,
      userAgent: input.userAgent?.slice(0, 300) ?? null,
    });
    const { passwordHash: _drop, ...pub } = user;
    return { user: pub, tenant: await this.getTenant(user.tenantId), token, expiresAt };
  }

  /** The actor behind a session token, or null when it is unknown, idle too long or past its end. */
  async authenticateSession(token: string): Promise<Actor | null> {
    if (!token || token.length > 100) return null;
    const id = sha256(token);
    const s = await this.repo.getSession(id);
    if (!s) return null;
    const now = this.clock.now();
    const lastSeen = Date.parse(s.lastSeenAt);
    if (now >= Date.parse(s.expiresAt) || now - lastSeen >= this.policy.sessionIdleMs) {
      await this.repo.deleteSession(id);
      return null;
    }
    const user = await this.repo.getUser(s.tenantId, s.userId);
    if (!user || user.disabled) return null;
    if (now - lastSeen >= TOUCH_EVERY_MS) await this.repo.touchSession(id, isoOf(now));
    const tenant = await this.getTenant(user.tenantId);
    return { tenantId: user.tenantId, userId: user.id, role: user.role, email: user.email, defaultRegion: tenant.defaultRegion, via: 'session', sessionId: id };
  }

  async signOut(token: string): Promise<void> {
    if (token) await this.repo.deleteSession(sha256(token));
  }

  purgeExpiredSessions(): Promise<number> {
    const now = this.clock.now();
    return this.repo.deleteExpiredSessions(isoOf(now - this.policy.sessionIdleMs), isoOf(now));
  }

  // ---- API tokens ----

  async createApiToken(tenantId: string, userId: string, name: string): Promise<{ token: string; row: ApiTokenRow }> {
    const n = name.trim();
    if (!n || n.length > 100) throw invalid('INVALID_NAME', 'A token name has 1 to 100 characters');
    await this.getUser(tenantId, userId);
    const id = newId(this.clock.now());
    const token = `${TOKEN_PREFIX}${newSecret(32)}`;
    const row: ApiTokenRow = { id, tenantId, userId, name: n, createdAt: this.now(), lastUsedAt: null, revokedAt: null };
    await this.repo.createToken({ ...row, tokenHash: sha256(token) });
    return { token, row };
  }

  listApiTokens(tenantId: string): Promise<ApiTokenRow[]> {
    return this.repo.listTokens(tenantId);
  }

  async revokeApiToken(tenantId: string, id: string): Promise<void> {
    if (!(await this.repo.revokeToken(tenantId, id, this.now()))) throw notFound('TOKEN_NOT_FOUND', 'No such token');
  }

  async authenticateToken(token: string): Promise<Actor | null> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 100) return null;
    const row = await this.repo.findTokenByHash(sha256(token));
    if (!row || row.revokedAt) return null;
    const user = await this.repo.getUser(row.tenantId, row.userId);
    if (!user || user.disabled) return null;
    const now = this.clock.now();
    if (!row.lastUsedAt || now - Date.parse(row.lastUsedAt) >= TOUCH_EVERY_MS) await this.repo.touchToken(row.id, isoOf(now));
    const tenant = await this.getTenant(user.tenantId);
    return { tenantId: user.tenantId, userId: user.id, role: user.role, email: user.email, defaultRegion: tenant.defaultRegion, via: 'token' };
  }
}
