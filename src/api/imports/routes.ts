import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Actor } from '../../accounts/index.js';
import { notFound, invalid } from '../../kit/index.js';
import {
  checkMapping,
  decodeCsv,
  ENCODINGS,
  parseCsvAsync,
  suggestMapping,
  type Encoding,
  type ImportJob,
  type ImportJobsRepo,
  type ImportRunner,
} from '../../crm/import/index.js';
import { ErrorOut } from '../accounts/schemas.js';

export interface ImportRoutesOptions {
  runner: ImportRunner;
  jobs: ImportJobsRepo;
  limitBytes: number;
  /**
   * CSV text of the contacts matching the filter, in pieces (header first). Resolves
   * only after the filter was checked and the first page read, so a bad filter is a
   * 400 rather than a broken download.
   */
  exportContacts(actor: Actor, filter: { q?: string; ownerId?: string; companyId?: string }): Promise<AsyncIterable<string>>;
}

const FileQuery = Type.Object(
  {
    fileName: Type.Optional(Type.String({ maxLength: 200 })),
    encoding: Type.Optional(Type.Union(ENCODINGS.map((e) => Type.Literal(e)))),
    mapping: Type.Optional(Type.String({ maxLength: 20_000 })),
  },
  { additionalProperties: false },
);
type FileQuery = Static<typeof FileQuery>;

const JobOut = Type.Object({
  id: Type.String(),
  status: Type.String(),
  fileName: Type.String(),
  totalRows: Type.Integer(),
  processedRows: Type.Integer(),
  createdRows: Type.Integer(),
  failedRows: Type.Integer(),
  errors: Type.Array(Type.Object({ row: Type.Integer(), field: Type.Union([Type.String(), Type.Null()]), message: Type.String() })),
  createdAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
});

const jobOut = (j: ImportJob) => ({
  id: j.id,
  status: j.status,
  fileName: j.fileName,
  totalRows: j.totalRows,
  processedRows: j.processedRows,
  createdRows: j.createdRows,
  failedRows: j.failedRows,
  errors: j.errors,
  createdAt: j.createdAt,
  finishedAt: j.finishedAt,
});

const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 413: ErrorOut, 415: ErrorOut };

/**
 * Contacts CSV import (preview, then a job whose progress is pushed as
 * `import.progress` events) and export of the current filter.
 */
export const importRoutes =
  (opts: ImportRoutesOptions): FastifyPluginAsync =>
  async (app) => {
    // The file is the request body, as bytes: its encoding is decided by decodeCsv.
    app.addContentTypeParser(['text/csv', 'text/plain', 'application/octet-stream', 'application/vnd.ms-excel'], { parseAs: 'buffer', bodyLimit: opts.limitBytes }, (_req, body, done) =>
      done(null, body),
    );

    const read = async (body: unknown, encoding: Encoding | undefined) => {
      if (!Buffer.isBuffer(body) || body.length === 0) throw invalid('CSV_EMPTY', 'Send the CSV file as the request body (Content-Type: text/csv)');
      return parseCsvAsync(decodeCsv(body, encoding));
    };

    app.post<{ Querystring: FileQuery }>(
      '/contacts/import/preview',
      {
        bodyLimit: opts.limitBytes,
        schema: {
          tags: ['import'],
          querystring: FileQuery,
          response: {
            200: Type.Object({
              columns: Type.Array(Type.String()),
              suggestedMapping: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()])),
              sampleRows: Type.Array(Type.Array(Type.String())),
              totalRows: Type.Integer(),
            }),
            ...errors,
          },
        },
      },
      async (req) => {
        const csv = await read(req.body, req.query.encoding);
        return { columns: csv.columns, suggestedMapping: suggestMapping(csv.columns), sampleRows: csv.rows.slice(0, 10), totalRows: csv.rows.length };
      },
    );

    app.post<{ Querystring: FileQuery }>(
      '/contacts/import',
      { bodyLimit: opts.limitBytes, schema: { tags: ['import'], querystring: FileQuery, response: { 202: Type.Object({ job: JobOut }), ...errors } } },
      async (req, reply) => {
        const csv = await read(req.body, req.query.encoding);
        let mapping: unknown = suggestMapping(csv.columns);
        if (req.query.mapping) {
          try {
            mapping = JSON.parse(req.query.mapping);
          } catch {
            throw invalid('MAPPING_INVALID', 'The mapping is not valid JSON');
          }
        }
        const checked = checkMapping(csv.columns, mapping);
        const job = await opts.runner.create(req.actor.tenantId, req.actor.userId, req.query.fileName ?? 'contacts.csv', csv);
        // The job runs after the answer; its progress is pushed and can be polled.
        setImmediate(() => void opts.runner.run(job, csv, checked));
        return reply.status(202).send({ job: jobOut(job) });
      },
    );

    app.get<{ Params: { id: string } }>(
      '/imports/:id',
      { schema: { tags: ['import'], params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: JobOut, ...errors } } },
      async (req) => {
        const job = await opts.jobs.get(req.actor.tenantId, req.params.id);
        if (!job) throw notFound('IMPORT_NOT_FOUND', 'No such import');
        return jobOut(job);
      },
    );

    const ExportQuery = Type.Object(
      {
        q: Type.Optional(Type.String({ maxLength: 200 })),
        ownerId: Type.Optional(Type.String({ maxLength: 64 })),
        companyId: Type.Optional(Type.String({ maxLength: 64 })),
      },
      { additionalProperties: false },
    );
    app.get<{ Querystring: Static<typeof ExportQuery> }>(
      '/contacts/export.csv',
      { schema: { tags: ['import'], querystring: ExportQuery, produces: ['text/csv'] } },
      async (req, reply) => {
        const body = await opts.exportContacts(req.actor, req.query);
        const stamp = new Date().toISOString().slice(0, 10);
        reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="contacts-${stamp}.csv"`);
        return reply.send(Readable.from(body));
      },
    );
  };
