import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import cookie from '@fastify/cookie';
import websocket from '@fastify/websocket';
import { selectSipProtocol, type SipWebSocket } from '../sip/index.js';
import swagger from '@fastify/swagger';
import fastifyStatic from '@fastify/static';
import { Type } from '@sinclair/typebox';
import type { AccountsService } from '../accounts/index.js';
import type { EventBus } from '../kit/index.js';
import { installAuth } from './auth.js';
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
  /** Hands a WebSocket opened on /sip to the SIP transport (synchronously, before any message). */
  sipWebSocket?: (socket: SipWebSocket, remote: { address: string; port: number }, secure: boolean) => void;
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
    // SIP over WebSocket (RFC 7118) for browser phones; the SIP layer authenticates each request.
    app.get('/sip', { websocket: true, config: { public: true }, schema: { hide: true } as object }, (socket, req) => {
      accept(socket, { address: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0 }, req.protocol === 'https');
    });
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
