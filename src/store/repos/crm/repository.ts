/**
 * CrmRepository over Kysely: one code path for SQLite and PostgreSQL. Phone numbers
 * and search tokens are written in the same transaction as their record, so search
 * and screen pop never see a half-written contact.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { newId } from '../../../kit/index.js';
import {
  PREFIX_END,
  tokensFor,
  phraseTerm,
  type Activity,
  type Company,
  type Contact,
  type CrmRepository,
  type Deal,
  type Lead,
  type ListQuery,
  type LookupMatch,
  type NewContactRow,
  type Note,
  type PhoneNumber,
  type RecordMap,
  type RecordType,
  type SearchHit,
  type SearchTerm,
  type SearchableType,
  type Task,
  type Ticket,
} from '../../../crm/index.js';
import type { Database, PhoneNumbersTable, SearchTokensTable } from '../../schema.js';
import {
  activityOf,
  activityRow,
  companyOf,
  companyRow,
  contactOf,
  contactRow,
  dealOf,
  dealRow,
  leadOf,
  leadRow,
  noteOf,
  noteRow,
  TABLE,
  taskOf,
  taskRow,
  ticketOf,
  ticketRow,
} from './rows.js';

/** Rows per multi-row INSERT: well under SQLite's 32766 and PostgreSQL's 65535 bound parameters. */
const CHUNK = 400;
/** Index entries counted per term to pick the most selective one. */
const COUNT_CAP = 20_000;
/** Driver rows examined at most by a multi-term search. */
const DRIVER_CAP = 4000;
/** Ids per IN (...) list. */
const IN_CHUNK = 500;

const isSearchable = (t: RecordType): t is SearchableType => t === 'contact' || t === 'lead' || t === 'company';

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

// Generic table access: every CRM table has id and tenant_id; Kysely cannot type a
// union of table names, so the generic helpers go through this one narrow cast.
type AnyTable = 'contacts';
const tbl = (t: RecordType) => TABLE[t] as AnyTable;

export class KyselyCrmRepository implements CrmRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly inTransaction = false,
  ) {}

  async transaction<R>(fn: (tx: CrmRepository) => Promise<R>): Promise<R> {
    if (this.inTransaction) return fn(this);
    return this.db.transaction().execute((trx) => fn(new KyselyCrmRepository(trx, true)));
  }

  private tx<R>(fn: (tx: KyselyCrmRepository) => Promise<R>): Promise<R> {
    return this.transaction((t) => fn(t as KyselyCrmRepository));
  }

  // ------------------------------------------------------------------ writes

  async insert<T extends RecordType>(tenantId: string, type: T, record: RecordMap[T]): Promise<void> {
    await this.tx(async (tx) => {
      await tx.writeRow(tenantId, type, record, 'insert');
      if (isSearchable(type)) await tx.writeIndex(tenantId, type, record as Contact | Lead | Company, false);
      if (type === 'deal') await tx.writeDealContacts(tenantId, record as Deal, false);
    });
  }

  async update<T extends RecordType>(tenantId: string, type: T, record: RecordMap[T]): Promise<void> {
    await this.tx(async (tx) => {
      let renamed = false;
      if (type === 'company') {
        const old = await tx.db
          .selectFrom('companies')
          .select('name')
          .where('tenant_id', '=', tenantId)
          .where('id', '=', record.id)
          .executeTakeFirst();
        renamed = !!old && old.name !== (record as Company).name;
      }
      await tx.writeRow(tenantId, type, record, 'update');
      if (isSearchable(type)) await tx.writeIndex(tenantId, type, record as Contact | Lead | Company, true);
      if (type === 'deal') await tx.writeDealContacts(tenantId, record as Deal, true);
      // Contacts carry their company's name as search tokens ("Mar" finds Simon of Marcom).
      if (renamed) await tx.reindexCompanyContacts(tenantId, record.id);
    });
  }

  private async writeRow(tenantId: string, type: RecordType, rec: RecordMap[RecordType], mode: 'insert' | 'update') {
    const row = (() => {
      switch (type) {
        case 'contact':
          return contactRow(tenantId, rec as Contact);
        case 'company':
          return companyRow(tenantId, rec as Company);
        case 'lead':
          return leadRow(tenantId, rec as Lead);
        case 'deal':
          return dealRow(tenantId, rec as Deal);
        case 'ticket':
          return ticketRow(tenantId, rec as Ticket);
        case 'task':
          return taskRow(tenantId, rec as Task);
      }
    })() as unknown as Database['contacts'];
    if (mode === 'insert') {
      await this.db.insertInto(tbl(type)).values(row).execute();
      return;
    }
    const { id, tenant_id: _t, created_at: _c, ...set } = row;
    await this.db.updateTable(tbl(type)).set(set).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
  }

  private async writeIndex(tenantId: string, type: SearchableType, rec: Contact | Lead | Company, replace: boolean) {
    if (replace) {
      await this.db.deleteFrom('phone_numbers').where('tenant_id', '=', tenantId).where('record_id', '=', rec.id).execute();
      await this.db.deleteFrom('search_tokens').where('tenant_id', '=', tenantId).where('record_id', '=', rec.id).execute();
    }
    let indexed = rec;
    if (type === 'contact') {
      // The store is the truth for the company name the contact is indexed under.
      const c = rec as Contact;
      const companyName = c.companyId ? await this.companyName(tenantId, c.companyId) : null;
      indexed = { ...c, companyName };
    }
    const phones = phoneRows(tenantId, type, rec.id, rec.phones);
    for (const part of chunks(phones, CHUNK)) await this.db.insertInto('phone_numbers').values(part).execute();
    const tokens = tokenRows(tenantId, type, indexed);
    for (const part of chunks(tokens, CHUNK)) await this.db.insertInto('search_tokens').values(part).execute();
  }

  private async writeDealContacts(tenantId: string, deal: Deal, replace: boolean) {
    if (replace) await this.db.deleteFrom('deal_contacts').where('tenant_id', '=', tenantId).where('deal_id', '=', deal.id).execute();
    if (deal.contactIds.length === 0) return;
    await this.db
      .insertInto('deal_contacts')
      .values(deal.contactIds.map((contact_id) => ({ tenant_id: tenantId, deal_id: deal.id, contact_id })))
      .execute();
  }

  private async reindexCompanyContacts(tenantId: string, companyId: string) {
    const ids = (
      await this.db.selectFrom('contacts').select('id').where('tenant_id', '=', tenantId).where('company_id', '=', companyId).execute()
    ).map((r) => r.id);
    for (const part of chunks(ids, IN_CHUNK)) {
      const contacts = await this.getMany(tenantId, 'contact', part);
      await this.db.deleteFrom('search_tokens').where('tenant_id', '=', tenantId).where('record_id', 'in', part).execute();
      const rows = contacts.flatMap((c) => tokenRows(tenantId, 'contact', c));
      for (const p of chunks(rows, CHUNK)) await this.db.insertInto('search_tokens').values(p).execute();
    }
  }

  private async companyName(tenantId: string, id: string): Promise<string | null> {
    const r = await this.db.selectFrom('companies').select('name').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return r?.name ?? null;
  }

  async remove(tenantId: string, type: RecordType, id: string): Promise<boolean> {
    return this.tx(async (tx) => {
      const db = tx.db;
      const res = await db.deleteFrom(tbl(type)).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      if (BigInt(res.numDeletedRows) === 0n) return false;
      if (isSearchable(type)) {
        await db.deleteFrom('phone_numbers').where('tenant_id', '=', tenantId).where('record_id', '=', id).execute();
        await db.deleteFrom('search_tokens').where('tenant_id', '=', tenantId).where('record_id', '=', id).execute();
      }
      await db.deleteFrom('notes').where('tenant_id', '=', tenantId).where('record_id', '=', id).execute();
      await db.deleteFrom('activities').where('tenant_id', '=', tenantId).where('record_id', '=', id).execute();
      // Tasks outlive the record they were about; they just lose the link.
      await db
        .updateTable('tasks')
        .set({ record_type: null, record_id: null })
        .where('tenant_id', '=', tenantId)
        .where('record_id', '=', id)
        .execute();
      if (type === 'contact') {
        await db.updateTable('tickets').set({ contact_id: null }).where('tenant_id', '=', tenantId).where('contact_id', '=', id).execute();
        await db.deleteFrom('deal_contacts').where('tenant_id', '=', tenantId).where('contact_id', '=', id).execute();
      } else if (type === 'company') {
        const affected = (
          await db.selectFrom('contacts').select('id').where('tenant_id', '=', tenantId).where('company_id', '=', id).execute()
        ).map((r) => r.id);
        await db.updateTable('contacts').set({ company_id: null }).where('tenant_id', '=', tenantId).where('company_id', '=', id).execute();
        await db.updateTable('deals').set({ company_id: null }).where('tenant_id', '=', tenantId).where('company_id', '=', id).execute();
        if (affected.length) {
          for (const part of chunks(affected, IN_CHUNK)) {
            const contacts = await tx.getMany(tenantId, 'contact', part);
            await db.deleteFrom('search_tokens').where('tenant_id', '=', tenantId).where('record_id', 'in', part).execute();
            const rows = contacts.flatMap((c) => tokenRows(tenantId, 'contact', { ...c, companyName: null }));
            for (const p of chunks(rows, CHUNK)) await db.insertInto('search_tokens').values(p).execute();
          }
        }
      } else if (type === 'deal') {
        await db.deleteFrom('deal_contacts').where('tenant_id', '=', tenantId).where('deal_id', '=', id).execute();
      }
      return true;
    });
  }

  // ------------------------------------------------------------------ reads

  async get<T extends RecordType>(tenantId: string, type: T, id: string): Promise<RecordMap[T] | null> {
    const [r] = await this.getMany(tenantId, type, [id]);
    return r ?? null;
  }

  async getMany<T extends RecordType>(tenantId: string, type: T, ids: readonly string[]): Promise<RecordMap[T][]> {
    if (ids.length === 0) return [];
    const rows: Database['contacts'][] = [];
    for (const part of chunks(ids, IN_CHUNK)) {
      rows.push(...(await this.db.selectFrom(tbl(type)).selectAll().where('tenant_id', '=', tenantId).where('id', 'in', part).execute()));
    }
    const hydrated = await this.hydrate(tenantId, type, rows);
    const byId = new Map(hydrated.map((r) => [r.id, r]));
    return ids.map((i) => byId.get(i)).filter((r): r is RecordMap[T] => r !== undefined);
  }

  async companyIdsByName(tenantId: string, names: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const part of chunks([...new Set(names)], IN_CHUNK)) {
      const rows = await this.db
        .selectFrom('companies')
        .select(['id', 'name'])
        .where('tenant_id', '=', tenantId)
        .where('name', 'in', part)
        .orderBy('id')
        .execute();
      for (const r of rows) if (!out.has(r.name)) out.set(r.name, r.id);
    }
    return out;
  }

  async existing(tenantId: string, type: RecordType, ids: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const part of chunks([...new Set(ids)], IN_CHUNK)) {
      const rows = await this.db.selectFrom(tbl(type)).select('id').where('tenant_id', '=', tenantId).where('id', 'in', part).execute();
      for (const r of rows) out.add(r.id);
    }
    return out;
  }

  /** Rows → records, with phones, company names and deal contacts in one query each. */
  private async hydrate<T extends RecordType>(tenantId: string, type: T, rows: unknown[]): Promise<RecordMap[T][]> {
    if (rows.length === 0) return [];
    const ids = (rows as Array<{ id: string }>).map((r) => r.id);
    const phones = new Map<string, PhoneNumber[]>();
    if (isSearchable(type)) {
      const prs = await this.db
        .selectFrom('phone_numbers')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('record_id', 'in', ids)
        .orderBy('record_id')
        .orderBy('position')
        .execute();
      for (const p of prs) {
        const list = phones.get(p.record_id) ?? [];
        list.push({ id: p.id, label: p.label, raw: p.raw, e164: p.e164 });
        phones.set(p.record_id, list);
      }
    }
    const ph = (id: string) => phones.get(id) ?? [];
    let out: unknown[];
    switch (type) {
      case 'contact': {
        const cs = rows as Database['contacts'][];
        const companyIds = [...new Set(cs.map((c) => c.company_id).filter((x): x is string => !!x))];
        const names = new Map<string, string>();
        if (companyIds.length) {
          const crs = await this.db
            .selectFrom('companies')
            .select(['id', 'name'])
            .where('tenant_id', '=', tenantId)
            .where('id', 'in', companyIds)
            .execute();
          for (const c of crs) names.set(c.id, c.name);
        }
        out = cs.map((r) => contactOf(r, ph(r.id), r.company_id ? (names.get(r.company_id) ?? null) : null));
        break;
      }
      case 'company':
        out = (rows as Database['companies'][]).map((r) => companyOf(r, ph(r.id)));
        break;
      case 'lead':
        out = (rows as Database['leads'][]).map((r) => leadOf(r, ph(r.id)));
        break;
      case 'deal': {
        const links = await this.db
          .selectFrom('deal_contacts')
          .select(['deal_id', 'contact_id'])
          .where('tenant_id', '=', tenantId)
          .where('deal_id', 'in', ids)
          .orderBy('contact_id')
          .execute();
        const byDeal = new Map<string, string[]>();
        for (const l of links) byDeal.set(l.deal_id, [...(byDeal.get(l.deal_id) ?? []), l.contact_id]);
        out = (rows as Database['deals'][]).map((r) => dealOf(r, byDeal.get(r.id) ?? []));
        break;
      }
      case 'ticket':
        out = (rows as Database['tickets'][]).map(ticketOf);
        break;
      case 'task':
        out = (rows as Database['tasks'][]).map(taskOf);
        break;
      default:
        out = [];
    }
    return out as RecordMap[T][];
  }

  async list<T extends RecordType>(tenantId: string, type: T, query: ListQuery<T>): Promise<RecordMap[T][]> {
    const f = query.filter as Record<string, unknown>;
    let q = this.db.selectFrom(tbl(type)).selectAll().where('tenant_id', '=', tenantId);
    // Filter keys were validated by the service; each maps to a fixed column here.
    const col: Record<string, string> = {
      ownerId: 'owner_id',
      companyId: 'company_id',
      status: 'status',
      stage: 'stage',
      priority: 'priority',
      assigneeId: 'assignee_id',
      recordType: 'record_type',
      recordId: 'record_id',
    };
    for (const [k, v] of Object.entries(f)) {
      if (v === undefined) continue;
      if (k === 'contactId') {
        if (type === 'deal') {
          q = q.where(
            'id',
            'in',
            this.db.selectFrom('deal_contacts').select('deal_id').where('tenant_id', '=', tenantId).where('contact_id', '=', v as string),
          );
        } else q = q.where(sql.ref('contact_id'), '=', v);
      } else if (k === 'done') {
        q = q.where(sql.ref('done_at'), v ? 'is not' : 'is', null);
      } else if (col[k]) {
        q = q.where(sql.ref(col[k]!), '=', v);
      }
    }
    if (query.terms && query.terms.length) {
      q = q.where(sql<boolean>`id IN (${intersect(tenantId, query.terms, type as SearchableType)})`);
    }
    if (query.contains) {
      const column = type === 'ticket' ? 'subject' : type === 'task' ? 'title' : 'name';
      const pattern = `%${query.contains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where(sql<boolean>`lower(${sql.ref(column)}) LIKE ${pattern} ESCAPE '\\'`);
    }
    if (query.cursor) q = q.where('id', '<', query.cursor);
    const rows = await q.orderBy('id', 'desc').limit(query.limit).execute();
    return this.hydrate(tenantId, type, rows);
  }

  // ------------------------------------------------------------------ notes & timeline

  async insertNote(tenantId: string, note: Note): Promise<void> {
    await this.db.insertInto('notes').values(noteRow(tenantId, note)).execute();
  }

  async listNotes(tenantId: string, recordType: RecordType, recordId: string, cursor: string | null, limit: number): Promise<Note[]> {
    let q = this.db
      .selectFrom('notes')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('record_type', '=', recordType)
      .where('record_id', '=', recordId);
    if (cursor) q = q.where('id', '<', cursor);
    return (await q.orderBy('id', 'desc').limit(limit).execute()).map(noteOf);
  }

  async insertActivities(tenantId: string, activities: readonly Activity[]): Promise<void> {
    if (activities.length === 0) return;
    await this.db
      .insertInto('activities')
      .values(activities.map((a) => activityRow(tenantId, a)))
      .execute();
  }

  async listActivities(tenantId: string, recordType: RecordType, recordId: string, cursor: string | null, limit: number): Promise<Activity[]> {
    let q = this.db
      .selectFrom('activities')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('record_type', '=', recordType)
      .where('record_id', '=', recordId);
    if (cursor) q = q.where('id', '<', cursor);
    return (await q.orderBy('id', 'desc').limit(limit).execute()).map(activityOf);
  }

  // ------------------------------------------------------------------ search & lookup

  async search(tenantId: string, terms: readonly SearchTerm[], limit: number): Promise<SearchHit[]> {
    if (terms.length === 0 || limit < 1) return [];
    if (terms.length > 1) {
      // "kevin ha": first the "first last" name tokens (one range); only when they give
      // fewer than a page, the general intersection adds matches across fields.
      const phrase = phraseTerm(terms);
      const byName = phrase ? await this.search(tenantId, [phrase], limit) : [];
      if (byName.length >= limit) return byName;
      const seen = new Set(byName.map((h) => h.id));
      return [...byName, ...(await this.searchMulti(tenantId, terms, limit)).filter((h) => !seen.has(h.id))].slice(0, limit);
    }
    // One term: walk the index in token order (alphabetical relevance) and stop as soon
    // as `limit` distinct records are seen, so a broad prefix ("a") costs no more than a page.
    const out: SearchHit[] = [];
    const seen = new Set<string>();
    const batch = Math.min(1000, limit * 4 + 16);
    for (const alt of terms[0]!.alternatives) {
      let after: { token: string; recordId: string } | null = null;
      for (let round = 0; round < 8 && out.length < limit; round++) {
        let q = this.db
          .selectFrom('search_tokens')
          .select(['record_type', 'record_id', 'token'])
          .where('tenant_id', '=', tenantId)
          .where('token', '<', alt + PREFIX_END);
        q = after
          ? q
              .where('token', '>=', after.token)
              .where((eb) => eb.or([eb('token', '>', after!.token), eb('record_id', '>', after!.recordId)]))
          : q.where('token', '>=', alt);
        const rows = await q.orderBy('token').orderBy('record_id').limit(batch).execute();
        for (const r of rows) {
          if (seen.has(r.record_id)) continue;
          seen.add(r.record_id);
          out.push({ type: r.record_type as SearchableType, id: r.record_id });
          if (out.length >= limit) break;
        }
        if (rows.length < batch) break;
        const last = rows[rows.length - 1]!;
        after = { token: last.token, recordId: last.record_id };
      }
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * Several terms: drive from the most selective term (counted on the index, capped)
   * and check the others per candidate with EXISTS on (tenant_id, record_id, token).
   * Unlike a plain INTERSECT this stops after `limit` matches, so two broad words
   * ("main st") cost a page, not two full ranges.
   */
  private async searchMulti(tenantId: string, terms: readonly SearchTerm[], limit: number): Promise<SearchHit[]> {
    const counts = await Promise.all(
      terms.map(async (t) => {
        const r = await sql<{ n: number }>`SELECT count(*) AS n FROM (SELECT 1 FROM search_tokens
          WHERE tenant_id = ${tenantId} AND ${ranges(t, sql.ref('token'))} LIMIT ${COUNT_CAP}) capped`.execute(this.db);
        return Number(r.rows[0]?.n ?? 0);
      }),
    );
    if (counts.some((n) => n === 0)) return [];
    if (counts.every((n) => n < COUNT_CAP)) {
      // Every range is known and bounded: reading them whole along the covering index is
      // sequential and cheap, and beats one index seek per candidate when matches are rare
      // ("robert fl": thousands of Roberts, a handful of Flores among them).
      const parts = terms.map(
        (t) => sql`SELECT record_type, record_id FROM search_tokens WHERE tenant_id = ${tenantId} AND ${ranges(t, sql.ref('token'))}`,
      );
      const rows = await sql<{ record_type: string; record_id: string }>`${sql.join(parts, sql` INTERSECT `)} LIMIT ${limit}`.execute(this.db);
      return rows.rows.map((r) => ({ type: r.record_type as SearchableType, id: r.record_id }));
    }
    const order = terms.map((t, i) => ({ t, n: counts[i]! })).sort((a, b) => a.n - b.n);
    const [driver, ...rest] = order.map((x) => x.t);
    // LIMIT 1 OFFSET 0 (an OFFSET clause) keeps PostgreSQL from turning EXISTS into a hash semi-join that reads the
    // whole range of the other term; per candidate it is one index seek in both engines.
    const checks = rest.map(
      (t) => sql`EXISTS (SELECT 1 FROM search_tokens o WHERE o.tenant_id = ${tenantId} AND o.record_id = d.record_id
        AND ${ranges(t, sql.ref('o.token'))} LIMIT 1 OFFSET 0)`,
    );
    // Over-fetch: one record may match the driver by several tokens; dedupe below.
    // The driver scan is capped: when every term is very broad and they rarely meet
    // ("mark chen" on a million people) latency stays bounded, and typing more narrows it.
    const rows = await sql<{ record_type: string; record_id: string }>`SELECT d.record_type, d.record_id FROM
      (SELECT record_type, record_id FROM search_tokens WHERE tenant_id = ${tenantId} AND ${ranges(driver!, sql.ref('token'))}
        LIMIT ${DRIVER_CAP}) d
      WHERE ${sql.join(checks, sql` AND `)}
      LIMIT ${limit * 8}`.execute(this.db);
    const out: SearchHit[] = [];
    const seen = new Set<string>();
    for (const r of rows.rows) {
      if (seen.has(r.record_id)) continue;
      seen.add(r.record_id);
      out.push({ type: r.record_type as SearchableType, id: r.record_id });
      if (out.length >= limit) break;
    }
    return out;
  }

  async findByPhoneKey(tenantId: string, key: string): Promise<LookupMatch[]> {
    const phones = await this.db
      .selectFrom('phone_numbers')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('e164', '=', key)
      // No ORDER BY: sorting by (record_id, position) would tempt SQLite into the
      // phone_numbers_record index and a scan of the tenant; the few rows are sorted below.
      .limit(100)
      .execute();
    phones.sort((a, b) => (a.record_id < b.record_id ? -1 : a.record_id > b.record_id ? 1 : a.position - b.position));
    if (phones.length === 0) return [];
    const names = new Map<string, string>();
    for (const type of ['contact', 'lead', 'company'] as const) {
      const ids = [...new Set(phones.filter((p) => p.record_type === type).map((p) => p.record_id))];
      if (!ids.length) continue;
      const rows = await this.db.selectFrom(tbl(type)).select(['id', 'name']).where('tenant_id', '=', tenantId).where('id', 'in', ids).execute();
      for (const r of rows) names.set(r.id, r.name);
    }
    const order = { contact: 0, lead: 1, company: 2 } as Record<string, number>;
    return phones
      .filter((p) => names.has(p.record_id))
      .sort((a, b) => (order[a.record_type] ?? 9) - (order[b.record_type] ?? 9))
      .map((p) => ({
        type: p.record_type as SearchableType,
        id: p.record_id,
        name: names.get(p.record_id)!,
        phone: { id: p.id, label: p.label, raw: p.raw, e164: p.e164 },
      }));
  }

  // ------------------------------------------------------------------ bulk

  async insertContactsBulk(tenantId: string, rows: readonly NewContactRow[], now?: string): Promise<string[]> {
    if (rows.length === 0) return [];
    const at = now ?? new Date().toISOString();
    const ms = Date.parse(at);
    return this.tx(async (tx) => {
      const companyIds = [...new Set(rows.map((r) => r.companyId).filter((x): x is string => !!x))];
      const names = new Map<string, string>();
      for (const part of chunks(companyIds, IN_CHUNK)) {
        const crs = await tx.db.selectFrom('companies').select(['id', 'name']).where('tenant_id', '=', tenantId).where('id', 'in', part).execute();
        for (const c of crs) names.set(c.id, c.name);
      }
      const contacts: Contact[] = rows.map((r) => ({
        ...r,
        id: newId(ms),
        phones: r.phones.map((p) => ({ ...p, id: newId(ms) })),
        companyName: r.companyId ? (names.get(r.companyId) ?? null) : null,
        createdAt: at,
        updatedAt: at,
      }));
      for (const part of chunks(contacts, CHUNK)) {
        await tx.db
          .insertInto('contacts')
          .values(part.map((c) => contactRow(tenantId, c)))
          .execute();
      }
      // Index entries go in key order: consecutive inserts then land on the same b-tree
      // pages, which a large import into a large table needs (fewer pages dirtied per
      // transaction, fewer cache misses).
      const phones = contacts.flatMap((c) => phoneRows(tenantId, 'contact', c.id, c.phones));
      phones.sort((a, b) => cmp(a.e164 ?? '', b.e164 ?? ''));
      for (const p of chunks(phones, CHUNK)) await tx.db.insertInto('phone_numbers').values(p).execute();
      const tokens = contacts.flatMap((c) => tokenRows(tenantId, 'contact', c));
      tokens.sort((a, b) => cmp(a.token, b.token));
      for (const p of chunks(tokens, CHUNK * 2)) await tx.db.insertInto('search_tokens').values(p).execute();
      return contacts.map((c) => c.id);
    });
  }
}

/** Byte-wise order, as the token index sorts (COLLATE "C" on PostgreSQL, BINARY on SQLite). */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function phoneRows(tenantId: string, type: SearchableType, recordId: string, phones: readonly PhoneNumber[]): PhoneNumbersTable[] {
  return phones.map((p, position) => ({
    id: p.id,
    tenant_id: tenantId,
    record_type: type,
    record_id: recordId,
    position,
    label: p.label,
    raw: p.raw,
    e164: p.e164,
  }));
}

function tokenRows(tenantId: string, type: SearchableType, rec: Contact | Lead | Company): SearchTokensTable[] {
  return tokensFor(type, rec).map((t) => ({
    tenant_id: tenantId,
    token: t.token,
    record_type: type,
    record_id: rec.id,
    phone_id: t.phoneId,
  }));
}

/** `(token >= a AND token < a+END) OR ...` over a term's alternatives. */
function ranges(t: SearchTerm, col: RawBuilder<unknown> | ReturnType<typeof sql.ref>) {
  return sql`(${sql.join(
    t.alternatives.map((a) => sql`(${col} >= ${a} AND ${col} < ${a + PREFIX_END})`),
    sql` OR `,
  )})`;
}

/** `SELECT [record_type,] record_id ... INTERSECT ...`: one part per term, its alternatives OR'ed ranges. */
function intersect(tenantId: string, terms: readonly SearchTerm[], type: SearchableType | null): RawBuilder<unknown> {
  const parts = terms.map((t) => {
    const ranges = t.alternatives.map((a) => sql`(token >= ${a} AND token < ${a + PREFIX_END})`);
    // With a type (list filter) only ids are selected, for `id IN (...)`.
    const head = type ? sql`SELECT record_id` : sql`SELECT record_type, record_id`;
    const typeCond = type ? sql` AND record_type = ${type}` : sql``;
    return sql`${head} FROM search_tokens WHERE tenant_id = ${tenantId}${typeCond} AND (${sql.join(ranges, sql` OR `)})`;
  });
  return sql.join(parts, sql` INTERSECT `);
}
