/**
 * A contacts import job: state machine and the runner that feeds rows to the CRM in
 * chunks. Each chunk's good rows are written in one transaction, so a row is either
 * wholly imported (contact, phones, search tokens) or reported; bad rows never stop
 * good ones.
 *
 *   queued ──▶ running ──▶ done
 *                 └──────▶ failed   (the database refused a write outright)
 */
import { AppError, invalid, isoOf, newId, type Clock, type EventBus } from '../../kit/index.js';
import { draftRow, type Mapping, type ParsedCsv } from './csv.js';

export type ImportStatus = 'queued' | 'running' | 'done' | 'failed';

const MOVES: Record<ImportStatus, readonly ImportStatus[]> = {
  queued: ['running', 'failed'],
  running: ['done', 'failed'],
  done: [],
  failed: [],
};

export interface RowError {
  /** 1-based line of the data row in the file, counting the header as line 1. */
  row: number;
  field: string | null;
  message: string;
}

export interface ImportJob {
  id: string;
  tenantId: string;
  userId: string;
  status: ImportStatus;
  fileName: string;
  totalRows: number;
  processedRows: number;
  createdRows: number;
  failedRows: number;
  errors: RowError[];
  createdAt: string;
  finishedAt: string | null;
}

export function transition(job: ImportJob, to: ImportStatus): ImportJob {
  if (!MOVES[job.status].includes(to)) throw new AppError('conflict', 'IMPORT_STATE', `An import cannot go from ${job.status} to ${to}`);
  return { ...job, status: to };
}

export interface ImportJobsRepo {
  insert(job: ImportJob): Promise<void>;
  update(job: ImportJob): Promise<void>;
  get(tenantId: string, id: string): Promise<ImportJob | null>;
  /** Jobs left queued or running by a stopped process. */
  markInterrupted(at: string): Promise<number>;
}

/** A contact as the CRM's create input (phones as typed; the CRM canonicalises them). */
export interface ContactRowInput {
  firstName: string;
  lastName: string;
  title: string | null;
  emails: Array<{ label: string; address: string }>;
  phones: Array<{ label: string; number: string }>;
  address: string | null;
  companyId?: string | null;
  ownerId?: string | null;
}

/** What the runner needs from the CRM, adapted by the composition root. */
export interface ImportTarget {
  /** Ids of companies by exact name, creating the missing ones. */
  companies(tenantId: string, userId: string, names: readonly string[]): Promise<Map<string, string>>;
  /**
   * Validates the rows as the CRM does and writes the good ones in one transaction;
   * reports the rows it refused by index.
   */
  insert(tenantId: string, userId: string, rows: readonly ContactRowInput[]): Promise<{ ids: string[]; errors: Array<{ row: number; path?: string; message: string }> }>;
  /** User id for an owner e-mail within the tenant. */
  ownerId(tenantId: string, email: string): Promise<string | null>;
}

export const MAX_STORED_ERRORS = 10_000;
// Rows per transaction: each commit is an fsync, so fewer, larger chunks import faster;
// progress is still reported every few seconds.
const CHUNK = 4000;

export class ImportRunner {
  constructor(
    private readonly repo: ImportJobsRepo,
    private readonly target: ImportTarget,
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {}

  async create(tenantId: string, userId: string, fileName: string, csv: ParsedCsv): Promise<ImportJob> {
    if (!csv.rows.length) throw invalid('CSV_EMPTY', 'The file has a header but no rows');
    const job: ImportJob = {
      id: newId(this.clock.now()),
      tenantId,
      userId,
      status: 'queued',
      fileName: fileName.slice(0, 200),
      totalRows: csv.rows.length,
      processedRows: 0,
      createdRows: 0,
      failedRows: 0,
      errors: [],
      createdAt: isoOf(this.clock.now()),
      finishedAt: null,
    };
    await this.repo.insert(job);
    return job;
  }

  private publish(job: ImportJob): void {
    this.bus.publish({ type: 'import.progress', tenantId: job.tenantId, at: isoOf(this.clock.now()), data: { ...job, errors: job.errors.slice(0, 100) } });
  }

  /** Runs the job to its end; never throws (a failure is recorded on the job). */
  async run(job0: ImportJob, csv: ParsedCsv, mapping: Mapping): Promise<ImportJob> {
    let job = transition(job0, 'running');
    await this.repo.update(job);
    this.publish(job);
    const owners = new Map<string, string | null>();
    // One failed row may carry several field errors; it counts once.
    const fail = (row: number, problems: Array<{ field: string | null; message: string }>) => {
      job.failedRows++;
      for (const p of problems.slice(0, 5)) if (job.errors.length < MAX_STORED_ERRORS) job.errors.push({ row, ...p });
    };
    try {
      for (let start = 0; start < csv.rows.length; start += CHUNK) {
        const chunk = csv.rows.slice(start, start + CHUNK);
        const good: Array<{ row: number; input: ContactRowInput; company: string | null }> = [];
        for (let i = 0; i < chunk.length; i++) {
          const line = start + i + 2; // header is line 1
          const raw = chunk[i]!;
          try {
            if (raw.length > csv.columns.length && raw.slice(csv.columns.length).some((c) => c !== '')) {
              throw invalid('CSV_ROW', `has ${raw.length} cells but the header has ${csv.columns.length}`);
            }
            const { company, ownerEmail, ...input } = draftRow(csv.columns, mapping, raw);
            if (company && company.length > 200) throw invalid('VALIDATION_FAILED', 'company name too long', [{ path: 'company', message: 'at most 200 characters' }]);
            let ownerId: string | null = null;
            if (ownerEmail) {
              const email = ownerEmail.toLowerCase();
              if (!owners.has(email)) owners.set(email, await this.target.ownerId(job.tenantId, email));
              ownerId = owners.get(email) ?? null;
              if (!ownerId) throw invalid('OWNER_NOT_FOUND', `no user ${ownerEmail}`, [{ path: 'ownerEmail', message: `no user ${ownerEmail}` }]);
            }
            good.push({ row: line, input: { ...input, ownerId }, company });
          } catch (e) {
            if (!(e instanceof AppError)) throw e;
            fail(line, e.details?.length ? e.details.map((d) => ({ field: d.path ?? null, message: d.message })) : [{ field: null, message: e.message }]);
          }
        }
        if (good.length) {
          const names = [...new Set(good.map((g) => g.company).filter((n): n is string => !!n))];
          try {
            const companies = names.length ? await this.target.companies(job.tenantId, job.userId, names) : new Map<string, string>();
            const rows = good.map((g) => ({ ...g.input, companyId: g.company ? (companies.get(g.company) ?? null) : null }));
            const { ids, errors } = await this.target.insert(job.tenantId, job.userId, rows);
            for (const e of errors) fail(good[e.row]!.row, [{ field: e.path ?? null, message: e.message }]);
            job.createdRows += ids.length;
          } catch (e) {
            // The chunk's transaction rolled back: none of its rows were written.
            for (const g of good) fail(g.row, [{ field: null, message: `not saved: ${(e as Error).message}`.slice(0, 300) }]);
          }
        }
        job.processedRows = Math.min(csv.rows.length, start + chunk.length);
        await this.repo.update(job);
        this.publish(job);
        // Let requests and timers run between chunks.
        await new Promise((r) => setImmediate(r));
      }
      job = { ...transition(job, 'done'), finishedAt: isoOf(this.clock.now()) };
    } catch (e) {
      job = { ...transition(job, 'failed'), finishedAt: isoOf(this.clock.now()) };
      job.errors = [...job.errors.slice(0, MAX_STORED_ERRORS - 1), { row: 0, field: null, message: `import stopped: ${(e as Error).message}`.slice(0, 300) }];
    }
    await this.repo.update(job).catch(() => {});
    this.publish(job);
    return job;
  }
}
