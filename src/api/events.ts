import type { FastifyPluginAsync } from 'fastify';
import type { AccountsService } from '../accounts/index.js';
import { eventVisibleTo, type EventBus } from '../kit/index.js';
import { resolveActor } from './auth.js';

export interface EventsRouteOptions {
  accounts: AccountsService;
  bus: EventBus;
  /** How often an open socket re-checks that its session is still valid. */
  recheckMs?: number;
}

// A client that does not read its socket must not make the server hold unbounded memory.
const MAX_BUFFERED = 4 * 1024 * 1024;

/**
 * GET /api/v1/events (WebSocket): the tenant's domain events, as JSON
 * `{type, at, data}`, for signed-in users and API tokens, filtered by role. The
 * session is re-checked periodically; a signed-out or expired session is closed with
 * code 4401.
 */
export const eventsRoute =
  (opts: EventsRouteOptions): FastifyPluginAsync =>
  async (app) => {
    app.get('/events', { websocket: true, config: { public: true }, schema: { hide: true } as object }, async (socket, req) => {
      const actor = await resolveActor(opts.accounts, req);
      if (!actor) {
        socket.close(4401, 'sign in first');
        return;
      }
      const unsubscribe = opts.bus.subscribe((e) => {
        if (!eventVisibleTo(e, actor)) return;
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > MAX_BUFFERED) {
          socket.close(4008, 'too slow');
          return;
        }
        socket.send(JSON.stringify({ type: e.type, at: e.at, data: e.data }));
      });
      const timer = setInterval(async () => {
        const again = await resolveActor(opts.accounts, req).catch(() => null);
        if (!again) socket.close(4401, 'session ended');
      }, opts.recheckMs ?? 60_000);
      timer.unref();
      socket.on('message', (raw: Buffer) => {
        // The stream is server to client; a ping keeps proxies from closing an idle socket.
        if (raw.length < 64 && raw.toString() === 'ping') socket.send('{"type":"pong"}');
      });
      socket.on('close', () => {
        clearInterval(timer);
        unsubscribe();
      });
      socket.send(JSON.stringify({ type: 'hello', at: new Date().toISOString(), data: { userId: actor.userId, role: actor.role } }));
    });
  };
