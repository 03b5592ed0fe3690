import type { Kysely, Selectable } from 'kysely';
import type { ImportJob, ImportJobsRepo, ImportStatus } from '../../../crm/import/index.js';
import type { Database, ImportJobsTable } from '../../schema.js';

const jobOf = (r: Selectable<ImportJobsTable>): ImportJob => ({
  id: r.id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  status: r.status as ImportStatus,
  fileName: r.file_name,
  totalRows: Number(r.total_rows),
  processedRows: Number(r.processed_rows),
  createdRows: Number(r.created_rows),
  failedRows: Number(r.failed_rows),
  errors: JSON.parse(r.errors) as ImportJob['errors'],
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

export class KyselyImportJobsRepo implements ImportJobsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(job: ImportJob): Promise<void> {
    await this.db
      .insertInto('import_jobs')
      .values({
        id: job.id,
        tenant_id: job.tenantId,
        user_id: job.userId,
        status: job.status,
        file_name: job.fileName,
        total_rows: job.totalRows,
        processed_rows: job.processedRows,
        created_rows: job.createdRows,
        failed_rows: job.failedRows,
        errors: JSON.stringify(job.errors),
        created_at: job.createdAt,
        finished_at: job.finishedAt,
      })
      .execute();
  }

  async update(job: ImportJob): Promise<void> {
    await this.db
      .updateTable('import_jobs')
      .set({
        status: job.status,
        processed_rows: job.processedRows,
        created_rows: job.createdRows,
        failed_rows: job.failedRows,
        errors: JSON.stringify(job.errors),
        finished_at: job.finishedAt,
      })
      .where('tenant_id', '=', job.tenantId)
      .where('id', '=', job.id)
      .execute();
  }

  async get(tenantId: string, id: string): Promise<ImportJob | null> {
    const r = await this.db.selectFrom('import_jobs').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return r ? jobOf(r) : null;
  }

  async markInterrupted(at: string): Promise<number> {
    const rows = await this.db.selectFrom('import_jobs').select(['id', 'errors']).where('status', 'in', ['queued', 'running']).execute();
    for (const r of rows) {
      const errors = [...(JSON.parse(r.errors) as ImportJob['errors']), { row: 0, field: null, message: 'import interrupted: Hotline stopped while importing; rows before this point were saved' }];
      await this.db.updateTable('import_jobs').set({ status: 'failed', finished_at: at, errors: JSON.stringify(errors) }).where('id', '=', r.id).execute();
    }
    return rows.length;
  }
}
