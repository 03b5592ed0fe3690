export { ROLES, isRole, roleAtLeast, type Role } from './roles.js';
export type { Actor, Tenant, User, UserWithSecret, SessionRow, ApiTokenRow } from './types.js';
export type { AccountsRepo } from './ports.js';
export { AccountsService, normalizeEmail, slugify, type AccountsPolicy, type NewUser, type SignedIn } from './service.js';
export { MemorySigninThrottle, type SigninThrottle } from './throttle.js';
export { hashPassword, verifyPassword, PASSWORD_MIN } from './password.js';
