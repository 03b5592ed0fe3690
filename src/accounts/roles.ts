/** Roles in rising order of power; a route names the least role it needs. */
export const ROLES = ['agent', 'supervisor', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);

export const roleAtLeast = (role: Role, least: Role): boolean => ROLES.indexOf(role) >= ROLES.indexOf(least);
