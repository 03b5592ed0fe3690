import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { roleAtLeast, type AccountsService, type Actor, type Role } from '../accounts/index.js';
import { AppError, forbidden, unauthenticated } from '../kit/index.js';

export const SESSION_COOKIE = 'hotline_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is acting; set on every authenticated route before its handler runs. */
    actor: Actor;
  }
  interface FastifyContextConfig {
    /** Reachable without signing in (sign-in, setup, health). */
    public?: boolean;
    /** The least role that may call the route; any signed-in role when absent. */
    role?: Role;
  }
}

export function bearerOf(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1]! : null;
}

export async function resolveActor(accounts: AccountsService, req: FastifyRequest): Promise<Actor | null> {
  const bearer = bearerOf(req);
  if (bearer) return accounts.authenticateToken(bearer);
  const cookie = req.cookies?.[SESSION_COOKIE];
  if (cookie) return accounts.authenticateSession(cookie);
  return null;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Authentication and role checks for every /api/v1 route in one hook: a route is
 * private unless its config says public, and may name the least role it needs.
 * Cookie-authenticated writes from another origin are refused (CSRF), on top of the
 * SameSite cookie.
 */
export function installAuth(app: FastifyInstance, accounts: AccountsService): void {
  app.decorateRequest('actor', null as unknown as Actor);
  app.addHook('onRequest', async (req: FastifyRequest, _reply: FastifyReply) => {
    if (!req.url.startsWith('/api/v1/') && req.url !== '/api/v1') return;
    const config = req.routeOptions.config;
    if (config?.public) return;
    if (!req.routeOptions.url) return; // unknown route: the 404 handler answers
    const actor = await resolveActor(accounts, req);
    if (!actor) throw unauthenticated('UNAUTHENTICATED', 'Sign in first');
    if (actor.via === 'session' && UNSAFE.has(req.method)) {
      const origin = req.headers.origin;
      if (origin && origin !== 'null') {
        let host: string | undefined;
        try {
          host = new URL(origin).host;
        } catch {
          host = undefined;
        }
        if (host !== req.headers.host) throw forbidden('CROSS_ORIGIN', 'Requests from another site are refused');
      }
    }
    if (config?.role && !roleAtLeast(actor.role, config.role)) {
      throw new AppError('forbidden', 'FORBIDDEN', `This needs the ${config.role} role`);
    }
    req.actor = actor;
  });
}
