import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import { type AccountsService, type SignedIn, type User } from '../../accounts/index.js';
import { forbidden, unauthenticated } from '../../kit/index.js';
import { SESSION_COOKIE } from '../auth.js';
import {
  ErrorOut,
  IdParams,
  MeOut,
  NewTokenBody,
  NewUserBody,
  PatchMeBody,
  PatchUserBody,
  SetupBody,
  SignInBody,
  TokenOut,
  UserOut,
} from './schemas.js';

export interface AccountsRoutesOptions {
  accounts: AccountsService;
  cookieSecure: boolean;
  sessionMaxSeconds: number;
}

const userOut = (u: User) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  locale: u.locale,
  disabled: u.disabled,
  createdAt: u.createdAt,
  updatedAt: u.updatedAt,
});

const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut };

export const accountsRoutes =
  (opts: AccountsRoutesOptions): FastifyPluginAsync =>
  async (app) => {
    const { accounts } = opts;

    const setCookie = (reply: FastifyReply, s: SignedIn) =>
      reply.setCookie(SESSION_COOKIE, s.token, {
        httpOnly: true,
        sameSite: 'lax',
        secure: opts.cookieSecure,
        path: '/',
        maxAge: opts.sessionMaxSeconds,
      });

    const me = async (tenantId: string, userId: string) => {
      const [user, tenant] = await Promise.all([accounts.getUser(tenantId, userId), accounts.getTenant(tenantId)]);
      return {
        user: {
          ...userOut(user),
          tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name, defaultRegion: tenant.defaultRegion, timeZone: tenant.timeZone },
        },
      };
    };

    app.post<{ Body: SignInBody }>(
      '/auth/signin',
      { config: { public: true }, schema: { tags: ['auth'], body: SignInBody, response: { 200: MeOut, ...errors } } },
      async (req, reply) => {
        const s = await accounts.signIn({ email: req.body.email, password: req.body.password, ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
        setCookie(reply, s);
        return me(s.user.tenantId, s.user.id);
      },
    );

    app.post('/auth/signout', { config: { public: true }, schema: { tags: ['auth'], response: { 204: Type.Null() } } }, async (req, reply) => {
      const token = req.cookies[SESSION_COOKIE];
      if (token) await accounts.signOut(token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send();
    });

    app.get('/auth/me', { schema: { tags: ['auth'], response: { 200: MeOut, ...errors } } }, async (req) => me(req.actor.tenantId, req.actor.userId));

    app.patch<{ Body: PatchMeBody }>(
      '/auth/me',
      { schema: { tags: ['auth'], body: PatchMeBody, response: { 200: MeOut, ...errors } } },
      async (req) => {
        const { password, currentPassword, ...rest } = req.body;
        if (password !== undefined) {
          // Changing one's own password needs the current one, so a stolen session cannot lock the owner out.
          if (!currentPassword || !(await accounts.passwordMatches(req.actor.tenantId, req.actor.userId, currentPassword))) {
            throw unauthenticated('INVALID_CREDENTIALS', 'The current password is wrong');
          }
        }
        await accounts.updateUser(req.actor, req.actor.userId, { ...rest, ...(password !== undefined ? { password } : {}) });
        return me(req.actor.tenantId, req.actor.userId);
      },
    );

    app.get('/setup', { config: { public: true }, schema: { tags: ['auth'], response: { 200: Type.Object({ needed: Type.Boolean() }) } } }, async () => ({
      needed: await accounts.setupNeeded(),
    }));

    app.post<{ Body: SetupBody }>(
      '/setup',
      { config: { public: true }, schema: { tags: ['auth'], body: SetupBody, response: { 200: MeOut, ...errors } } },
      async (req, reply) => {
        const owner = await accounts.completeSetup(req.body);
        const s = await accounts.signIn({ email: owner.email, password: req.body.password, ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
        setCookie(reply, s);
        return me(owner.tenantId, owner.id);
      },
    );

    // ---- users (everyone in the tenant reads the directory: owners and assignees are shown by name; admins write) ----

    app.get('/users', { schema: { tags: ['users'], response: { 200: Type.Object({ items: Type.Array(UserOut) }), ...errors } } }, async (req) => ({
      items: (await accounts.listUsers(req.actor.tenantId)).map(userOut),
    }));

    app.post<{ Body: NewUserBody }>(
      '/users',
      { config: { role: 'admin' }, schema: { tags: ['users'], body: NewUserBody, response: { 201: UserOut, ...errors } } },
      async (req, reply) => {
        if (req.body.role === 'owner' && req.actor.role !== 'owner') throw forbidden('FORBIDDEN', 'Only an owner makes owners');
        const u = await accounts.createUser(req.actor.tenantId, req.body);
        return reply.status(201).send(userOut(u));
      },
    );

    app.get<{ Params: IdParams }>('/users/:id', { schema: { tags: ['users'], params: IdParams, response: { 200: UserOut, ...errors } } }, async (req) =>
      userOut(await accounts.getUser(req.actor.tenantId, req.params.id)),
    );

    app.patch<{ Params: IdParams; Body: PatchUserBody }>(
      '/users/:id',
      { config: { role: 'admin' }, schema: { tags: ['users'], params: IdParams, body: PatchUserBody, response: { 200: UserOut, ...errors } } },
      async (req) => userOut(await accounts.updateUser(req.actor, req.params.id, req.body)),
    );

    // ---- API tokens (admins) ----

    app.get('/tokens', { config: { role: 'admin' }, schema: { tags: ['tokens'], response: { 200: Type.Object({ items: Type.Array(TokenOut) }), ...errors } } }, async (req) => ({
      items: await accounts.listApiTokens(req.actor.tenantId),
    }));

    app.post<{ Body: NewTokenBody }>(
      '/tokens',
      {
        config: { role: 'admin' },
        schema: { tags: ['tokens'], body: NewTokenBody, response: { 201: Type.Intersect([TokenOut, Type.Object({ token: Type.String() })]), ...errors } },
      },
      async (req, reply) => {
        const { token, row } = await accounts.createApiToken(req.actor.tenantId, req.actor.userId, req.body.name);
        return reply.status(201).send({ ...row, token });
      },
    );

    app.delete<{ Params: IdParams }>('/tokens/:id', { config: { role: 'admin' }, schema: { tags: ['tokens'], params: IdParams, response: { 204: Type.Null(), ...errors } } }, async (req, reply) => {
      await accounts.revokeApiToken(req.actor.tenantId, req.params.id);
      return reply.status(204).send();
    });
  };
