import type { Kysely, Selectable } from 'kysely';
import type { CallRecord } from '../../../switch/index.js';
import type { CallLogTable, Database } from '../../schema.js';

const recordOf = (r: Selectable<CallLogTable>): CallRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  state: 'ended' as CallRecord['state'],
  from: r.from_number,
  to: r.to_number,
  startedAt: r.started_at,
  answeredAt: r.answered_at,
  endedAt: r.ended_at,
  endReason: r.end_reason as CallRecord['endReason'],
  status: r.status,
  heldBy: null,
  recording: 'off',
  quality: r.quality ? (JSON.parse(r.quality) as CallRecord['quality']) : null,
  recordings: JSON.parse(r.recordings) as CallRecord['recordings'],
});

/** Finished calls with their media quality and recordings, and each tenant's recording notice. */
export class KyselyCallLog {
  constructor(private readonly db: Kysely<Database>) {}

  async add(c: CallRecord): Promise<void> {
    await this.db
      .insertInto('call_log')
      .values({
        id: c.id,
        tenant_id: c.tenantId,
        from_number: c.from,
        to_number: c.to,
        started_at: c.startedAt,
        answered_at: c.answeredAt,
        ended_at: c.endedAt ?? new Date().toISOString(),
        end_reason: c.endReason,
        status: c.status,
        quality: c.quality ? JSON.stringify(c.quality) : null,
        recordings: JSON.stringify(c.recordings),
      })
      .execute();
  }

  /** Newest first; `before` (an ISO time) pages back. */
  async list(tenantId: string, opts: { limit: number; before?: string }): Promise<CallRecord[]> {
    let q = this.db.selectFrom('call_log').selectAll().where('tenant_id', '=', tenantId);
    if (opts.before) q = q.where('started_at', '<', opts.before);
    const rows = await q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
    return rows.map(recordOf);
  }

  async get(tenantId: string, id: string): Promise<CallRecord | null> {
    const r = await this.db.selectFrom('call_log').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return r ? recordOf(r) : null;
  }

  async recordingNotice(tenantId: string): Promise<string | null> {
    const r = await this.db.selectFrom('tenants').select('recording_notice').where('id', '=', tenantId).executeTakeFirst();
    return r?.recording_notice ?? null;
  }

  async setRecordingNotice(tenantId: string, language: string | null): Promise<void> {
    await this.db.updateTable('tenants').set({ recording_notice: language }).where('id', '=', tenantId).execute();
  }
}
