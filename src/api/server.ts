import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import websocket from '@fastify/websocket';
import { selectSipProtocol, type SipWebSocket } from '../sip/index.js';
import swagger from '@fastify/swagger';
import fastifyStatic from '@fastify/static';
import { Type } from '@sinclair/typebox';
import type { AccountsService } from '../accounts/index.js';
import type { EventBus } from '../kit/index.js';
import type { Actor } from '../accounts/index.js';
import { SESSION_COOKIE, installAuth, resolveActor } from './auth.js';
import { installErrorHandling } from './errors.js';
import { installValidation } from './validation.js';
import { accountsRoutes } from './accounts/routes.js';
import { eventsRoute } from './events.js';

export interface HttpOptions {
  accounts: AccountsService;
  bus: EventBus;
  version: string;
  bodyLimit: number;
  cookieSecure: boolean;
  sessionMaxSeconds: number;
  /** Domain route plugins mounted under /api/v1. */
  domainRoutes: FastifyPluginAsync[];
  /** Built web app to serve at /, if present. */
  webRoot?: string;
  logger?: boolean | object;
  health: () => Promise<{ database: 'ok' | 'down' }>;
  /**
   * Hands a WebSocket opened on /sip to the SIP transport (synchronously, before any message), with
   * the signed-in user whose session the upgrade carried, if any.
   */
  sipWebSocket?: (socket: SipWebSocket, remote: { address: string; port: number }, secure: boolean, owner: SipSocketOwner | null) => void;
  /** How often a /sip socket opened with a session re-checks it (default 60 s). */
  sipSessionRecheckMs?: number;
}

/** The user a /sip WebSocket was opened by (its upgrade carried their session cookie). */
export interface SipSocketOwner {
  tenantId: string;
  userId: string;
  /** False once the session has ended (signed out, expired, user disabled). */
  active(): Promise<boolean>;
}

/** RFC 6455 §10.2: browsers send Origin; a page of another site must not use the user's session. */
function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return true; // not a browser: it could send any cookie anyway
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export async function buildHttp(opts: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit,
    trustProxy: false,
  });
  const spa = !!opts.webRoot && existsSync(join(opts.webRoot, 'index.html'));
  installValidation(app);
  installErrorHandling(app, { spa });
  await app.register(cookie);
  // handleProtocols runs only when a client offers subprotocols: SIP over WebSocket offers `sip`
  // (RFC 7118 §4.1); the event stream offers none.
  await app.register(websocket, { options: { maxPayload: 64 * 1024, handleProtocols: (protocols: Set<string>) => selectSipProtocol(protocols) } });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Hotline API', version: opts.version, description: 'REST API of Hotline. Errors are {"error":{"code","message","details"}}.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'hotline_session' },
          token: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
  });
  installAuth(app, opts.accounts);

  app.get('/api/health', { config: { public: true }, schema: { tags: ['meta'], response: { 200: Type.Object({ status: Type.String(), version: Type.String(), database: Type.String() }), 503: Type.Object({ status: Type.String(), version: Type.String(), database: Type.String() }) } } }, async (_req, reply) => {
    const h = await opts.health().catch(() => ({ database: 'down' as const }));
    return reply.status(h.database === 'ok' ? 200 : 503).send({ status: h.database === 'ok' ? 'ok' : 'degraded', version: opts.version, ...h });
  });
  if (opts.sipWebSocket) {
    const accept = opts.sipWebSocket;
    const recheckMs = opts.sipSessionRecheckMs ?? 60_000;
    // The session is looked up before the upgrade: the socket must reach the transport synchronously.
    const sessions = new WeakMap<object, Actor>();
    // Rejects when the session store cannot answer: a database hiccup must not look like a sign-out.
    const sessionOf = async (req: FastifyRequest): Promise<Actor | null> => {
      if (!req.cookies?.[SESSION_COOKIE] || !sameOrigin(req.headers.origin, req.headers.host)) return null;
      const actor = await resolveActor(opts.accounts, req);
      return actor?.via === 'session' ? actor : null;
    };
    // SIP over WebSocket (RFC 7118) for browser phones. With the web app's session the socket is the
    // user's seat (no SIP password in the page); without one the SIP layer asks for digest.
    app.get(
      '/sip',
      {
        websocket: true,
        config: { public: true },
        schema: { hide: true } as object,
        preValidation: async (req) => {
          const actor = await sessionOf(req).catch(() => null);
          if (actor) sessions.set(req, actor);
        },
      },
      (socket, req) => {
        const actor = sessions.get(req);
        const owner: SipSocketOwner | null = actor
          ? {
              tenantId: actor.tenantId,
              userId: actor.userId,
              active: async () => (await sessionOf(req))?.userId === actor.userId,
            }
          : null;
        accept(socket, { address: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0 }, req.protocol === 'https', owner);
        if (!owner) return;
        // An idle phone sends nothing for minutes: check the session now and then, and close the
        // socket once it has ended (4401, as /api/v1/events does).
        const timer = setInterval(() => {
          owner.active().then(
            (active) => active || socket.close(4401, 'session ended'),
            () => undefined, // unknown: ask again next time
          );
        }, recheckMs);
        timer.unref();
        socket.on('close', () => clearInterval(timer));
      },
    );
  }
  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } as object }, async () => app.swagger());

  await app.register(
    async (v1) => {
      await v1.register(accountsRoutes({ accounts: opts.accounts, cookieSecure: opts.cookieSecure, sessionMaxSeconds: opts.sessionMaxSeconds }));
      await v1.register(eventsRoute({ accounts: opts.accounts, bus: opts.bus }));
      for (const plugin of opts.domainRoutes) await v1.register(plugin);
    },
    { prefix: '/api/v1' },
  );

  if (spa) await app.register(fastifyStatic, { root: opts.webRoot!, wildcard: false, index: ['index.html'] });
  return app;
}
