/**
 * CRM HTTP routes, mounted by the composition root under /api/v1:
 *
 *   /contacts /companies /leads /deals /tickets /tasks
 *     GET (list) · POST (201) · GET /:id · PATCH /:id · DELETE /:id (204, supervisor+)
 *     GET /:id/timeline · GET /:id/notes · POST /:id/notes (201)
 *   GET /search?q=&limit=      quick search (SPEC B3)
 *   GET /lookup?number=        screen pop by number (SPEC E1)
 *
 * Errors are AppErrors; the app maps them to {"error":{code,message,details}}.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type {} from '../auth.js'; // FastifyRequest.actor
import { roleAtLeast, type Role } from '../../accounts/index.js';
import { forbidden, unauthenticated } from '../../kit/index.js';
import type { CrmContext, CrmService, FilterMap, RecordType } from '../../crm/index.js';
import {
  ActivityOut,
  CreateBody,
  errorResponses,
  IdParams,
  ListQuery,
  LookupOut,
  LookupQuery,
  NoteBody,
  NoteOut,
  PageQuery,
  pageOf,
  RecordOut,
  SearchOut,
  SearchQuery,
  UpdateBody,
} from './schemas.js';

/** URL segment → record type. */
export const PATHS: Record<string, RecordType> = {
  contacts: 'contact',
  companies: 'company',
  leads: 'lead',
  deals: 'deal',
  tickets: 'ticket',
  tasks: 'task',
};

/** Least role allowed to delete CRM records; every role may read and write. */
export const DELETE_ROLE: Role = 'supervisor';

function ctxOf(req: FastifyRequest): CrmContext {
  const a = req.actor as FastifyRequest['actor'] | null | undefined;
  if (!a || !a.tenantId) throw unauthenticated('UNAUTHENTICATED', 'Sign in first');
  return { tenantId: a.tenantId, userId: a.userId ?? null, defaultRegion: a.defaultRegion };
}

type Q = Record<string, unknown>;
const pageFrom = (q: Q) => ({
  ...(q.cursor !== undefined ? { cursor: q.cursor as string } : {}),
  ...(q.limit !== undefined ? { limit: q.limit as number } : {}),
});

export function crmRoutes(service: CrmService): FastifyPluginAsync {
  return async (app) => {
    for (const [path, type] of Object.entries(PATHS)) {
      const tags = ['crm'];
      const out = RecordOut[type];

      app.get(
        `/${path}`,
        { schema: { tags, querystring: ListQuery[type], response: { 200: pageOf(out), ...errorResponses } } },
        async (req) => {
          const { cursor: _c, limit: _l, ...filter } = req.query as Q;
          return service.list(ctxOf(req), type, filter as FilterMap[typeof type], pageFrom(req.query as Q));
        },
      );

      app.post(`/${path}`, { schema: { tags, body: CreateBody[type], response: { 201: out, ...errorResponses } } }, async (req, reply) => {
        const rec = await service.create(ctxOf(req), type, req.body);
        return reply.code(201).send(rec);
      });

      app.get(`/${path}/:id`, { schema: { tags, params: IdParams, response: { 200: out, ...errorResponses } } }, async (req) =>
        service.get(ctxOf(req), type, (req.params as { id: string }).id),
      );

      app.patch(
        `/${path}/:id`,
        { schema: { tags, params: IdParams, body: UpdateBody[type], response: { 200: out, ...errorResponses } } },
        async (req) => service.update(ctxOf(req), type, (req.params as { id: string }).id, req.body),
      );

      app.delete(
        `/${path}/:id`,
        { config: { role: DELETE_ROLE }, schema: { tags, params: IdParams, response: { 204: { type: 'null' }, ...errorResponses } } },
        async (req, reply) => {
          const ctx = ctxOf(req);
          // The app's auth hook enforces config.role too; checked here so the rule holds wherever the plugin is mounted.
          if (!roleAtLeast(req.actor.role, DELETE_ROLE)) throw forbidden('FORBIDDEN', `Deleting needs the ${DELETE_ROLE} role`);
          await service.delete(ctx, type, (req.params as { id: string }).id);
          return reply.code(204).send();
        },
      );

      app.get(
        `/${path}/:id/timeline`,
        { schema: { tags, params: IdParams, querystring: PageQuery, response: { 200: pageOf(ActivityOut), ...errorResponses } } },
        async (req) => service.timeline(ctxOf(req), type, (req.params as { id: string }).id, pageFrom(req.query as Q)),
      );

      app.get(
        `/${path}/:id/notes`,
        { schema: { tags, params: IdParams, querystring: PageQuery, response: { 200: pageOf(NoteOut), ...errorResponses } } },
        async (req) => service.listNotes(ctxOf(req), type, (req.params as { id: string }).id, pageFrom(req.query as Q)),
      );

      app.post(
        `/${path}/:id/notes`,
        { schema: { tags, params: IdParams, body: NoteBody, response: { 201: NoteOut, ...errorResponses } } },
        async (req, reply) => {
          const note = await service.addNote(ctxOf(req), type, (req.params as { id: string }).id, (req.body as { body: string }).body);
          return reply.code(201).send(note);
        },
      );
    }

    app.get('/search', { schema: { tags: ['crm'], querystring: SearchQuery, response: { 200: SearchOut, ...errorResponses } } }, async (req) => {
      const q = req.query as { q: string; limit?: number };
      return { items: await service.quickSearch(ctxOf(req), q.q, q.limit ?? undefined) };
    });

    app.get('/lookup', { schema: { tags: ['crm'], querystring: LookupQuery, response: { 200: LookupOut, ...errorResponses } } }, async (req) => {
      return { items: await service.lookupByNumber(ctxOf(req), (req.query as { number: string }).number) };
    });
  };
}
