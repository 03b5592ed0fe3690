import type { Role } from './roles.js';

export interface Tenant {
  id: string;
  slug: string;
  name: string;
  defaultRegion: string;
  timeZone: string;
  createdAt: string;
}

export interface User {
  id: string;
  tenantId: string;
  email: string;
  name: string;
  role: Role;
  locale: string | null;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface UserWithSecret extends User {
  passwordHash: string;
}

export interface SessionRow {
  id: string;
  tenantId: string;
  userId: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

export interface ApiTokenRow {
  id: string;
  tenantId: string;
  userId: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Who is acting: resolved from a session cookie or an API token on every request. */
export interface Actor {
  tenantId: string;
  userId: string;
  role: Role;
  email: string;
  defaultRegion: string;
  via: 'session' | 'token';
  sessionId?: string;
}
