/**
 * The CRM use cases: records with owners, notes, timeline, quick search and phone
 * lookup (screen pop). Tenant-scoped throughout: another tenant's id behaves exactly
 * like an id that does not exist.
 *
 * Events (after commit): record.created | record.updated | record.deleted with
 * data {type, id}. Adding a note publishes record.updated for its record.
 */
import {
  forbidden,
  invalid,
  isAppError,
  isId,
  isoOf,
  newId,
  notFound,
  conflict,
  type Clock,
  type ErrorDetail,
  type EventBus,
} from '../kit/index.js';
import { isSupportedRegion, normalizePhone } from './phone.js';
import type { CrmRepository, NewContactRow } from './ports.js';
import { parseQuery, phoneDigitKeys, termMatches, tokensFor, type SearchTerm, type TokenField } from './search.js';
import {
  DEAL_STAGES,
  LEAD_STATUSES,
  PRIORITIES,
  RECORD_TYPES,
  TICKET_STATUSES,
  type Activity,
  type ActivityKind,
  type Company,
  type Contact,
  type CrmContext,
  type Deal,
  type FilterMap,
  type InputMap,
  type Lead,
  type LookupMatch,
  type Note,
  type Page,
  type PageRequest,
  type PhoneNumber,
  type QuickSearchRow,
  type RecordMap,
  type RecordType,
  type Task,
  type Ticket,
  type TicketStatus,
} from './types.js';
import { currencyDigits as currencyDecimals, LIMITS, validateInput, type PhoneDraft } from './validate.js';

/** Optional check that owner/assignee ids are users of the tenant (accounts module). */
export interface UserDirectory {
  exists(tenantId: string, userId: string): Promise<boolean>;
}

export interface CrmServiceDeps {
  repo: CrmRepository;
  events: EventBus;
  clock: Clock;
  users?: UserDirectory;
}

export const NOT_FOUND_CODES: Record<RecordType, string> = {
  contact: 'CONTACT_NOT_FOUND',
  company: 'COMPANY_NOT_FOUND',
  lead: 'LEAD_NOT_FOUND',
  deal: 'DEAL_NOT_FOUND',
  ticket: 'TICKET_NOT_FOUND',
  task: 'TASK_NOT_FOUND',
};

const LABELS: Record<RecordType, string> = {
  contact: 'Contact',
  company: 'Company',
  lead: 'Lead',
  deal: 'Deal',
  ticket: 'Ticket',
  task: 'Task',
};

/**
 * Ticket lifecycle (one guarded transition):
 *
 *   open ⇄ pending
 *     \     /
 *      solved ──▶ closed (final)
 *        └──▶ open (reopened)
 */
const TICKET_MOVES: Record<TicketStatus, readonly TicketStatus[]> = {
  open: ['pending', 'solved'],
  pending: ['open', 'solved'],
  solved: ['open', 'closed'],
  closed: [],
};

export function transitionTicket(from: TicketStatus, to: TicketStatus): TicketStatus {
  if (from === to) return to;
  if (!TICKET_MOVES[from].includes(to)) {
    throw conflict('TICKET_TRANSITION_INVALID', `a ${from} ticket cannot become ${to}`);
  }
  return to;
}

export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;
export const MAX_SEARCH = 50;
export const DEFAULT_SEARCH = 20;

const FILTER_SPECS: Record<RecordType, Record<string, 'id' | 'bool' | 'recordType' | readonly string[]>> = {
  contact: { ownerId: 'id', companyId: 'id' },
  company: { ownerId: 'id' },
  lead: { ownerId: 'id', status: LEAD_STATUSES },
  deal: { ownerId: 'id', companyId: 'id', contactId: 'id', stage: DEAL_STAGES },
  ticket: { status: TICKET_STATUSES, priority: PRIORITIES, contactId: 'id', assigneeId: 'id' },
  task: { assigneeId: 'id', done: 'bool', recordType: 'recordType', recordId: 'id' },
};

const CJK = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+$/u;
/** "Margaret Chen", but 王芳: Chinese, Japanese and Korean names put the family name first, unspaced. */
export const displayName = (first: string, last: string) =>
  first && last && CJK.test(first) && CJK.test(last) ? `${last}${first}` : [first, last].filter(Boolean).join(' ');
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

type Patch = Record<string, unknown>;

export class CrmService {
  private readonly repo: CrmRepository;
  private readonly events: EventBus;
  private readonly clock: Clock;
  private readonly users: UserDirectory | undefined;

  constructor(deps: CrmServiceDeps) {
    this.repo = deps.repo;
    this.events = deps.events;
    this.clock = deps.clock;
    this.users = deps.users;
  }

  // ---------------------------------------------------------------- records

  async create<T extends RecordType>(ctx: CrmContext, type: T, input: InputMap[T] | unknown): Promise<RecordMap[T]> {
    this.checkContext(ctx);
    const patch = validateInput(type, input, 'create', ctx.defaultRegion);
    const now = isoOf(this.clock.now());
    const record = this.materialize(type, null, patch, now) as RecordMap[T];
    await this.checkReferences(ctx, type, record, patch);
    const acts = [this.activity(ctx, type, record.id, 'created', `${LABELS[type]} created`, {}, now)];
    acts.push(...this.linkActivities(ctx, type, record, null, now));
    await this.repo.transaction(async (tx) => {
      await tx.insert(ctx.tenantId, type, record);
      await tx.insertActivities(ctx.tenantId, acts);
    });
    this.publish(ctx, 'record.created', type, record.id, now);
    return (await this.repo.get(ctx.tenantId, type, record.id)) ?? record;
  }

  async get<T extends RecordType>(ctx: CrmContext, type: T, id: string): Promise<RecordMap[T]> {
    this.checkContext(ctx);
    const rec = isId(id) ? await this.repo.get(ctx.tenantId, type, id) : null;
    if (!rec) throw notFound(NOT_FOUND_CODES[type], `${LABELS[type]} ${clip(String(id), 40)} not found`);
    return rec;
  }

  async update<T extends RecordType>(ctx: CrmContext, type: T, id: string, input: InputMap[T] | unknown): Promise<RecordMap[T]> {
    const before = await this.get(ctx, type, id);
    const patch = validateInput(type, input, 'update', ctx.defaultRegion);
    const now = isoOf(this.clock.now());
    const after = this.materialize(type, before, patch, now) as RecordMap[T];
    await this.checkReferences(ctx, type, after, patch);
    const changed = changedFields(type, before, after);
    if (changed.length === 0) return before; // nothing to write, no event, no timeline noise
    const acts = [
      this.activity(ctx, type, id, 'updated', `${LABELS[type]} updated: ${changed.join(', ')}`, { fields: changed }, now),
      ...this.linkActivities(ctx, type, after, before, now),
    ];
    await this.repo.transaction(async (tx) => {
      await tx.update(ctx.tenantId, type, after);
      await tx.insertActivities(ctx.tenantId, acts);
    });
    this.publish(ctx, 'record.updated', type, id, now);
    return (await this.repo.get(ctx.tenantId, type, id)) ?? after;
  }

  async delete(ctx: CrmContext, type: RecordType, id: string): Promise<void> {
    this.checkContext(ctx);
    const gone = isId(id) && (await this.repo.remove(ctx.tenantId, type, id));
    if (!gone) throw notFound(NOT_FOUND_CODES[type], `${LABELS[type]} ${clip(String(id), 40)} not found`);
    this.publish(ctx, 'record.deleted', type, id, isoOf(this.clock.now()));
  }

  async list<T extends RecordType>(
    ctx: CrmContext,
    type: T,
    filter: FilterMap[T] = {} as FilterMap[T],
    page: PageRequest = {},
  ): Promise<Page<RecordMap[T]>> {
    this.checkContext(ctx);
    const { cursor, limit } = checkPage(page, MAX_PAGE, DEFAULT_PAGE);
    const { q, ...rest } = checkFilter(type, filter);
    const searchable = type === 'contact' || type === 'lead' || type === 'company';
    let terms: SearchTerm[] | null = null;
    let contains: string | null = null;
    if (q) {
      if (searchable) {
        terms = parseQuery(q, ctx.defaultRegion);
        if (terms.length === 0) return { items: [], nextCursor: null };
      } else contains = q.toLowerCase();
    }
    const rows = await this.repo.list(ctx.tenantId, type, {
      filter: rest as FilterMap[T],
      terms,
      contains,
      cursor,
      limit: limit + 1,
    });
    return pageOf(rows, limit);
  }

  // ---------------------------------------------------------------- notes & timeline

  async addNote(ctx: CrmContext, type: RecordType, id: string, body: unknown): Promise<Note> {
    await this.get(ctx, type, id);
    if (typeof body !== 'string' || body.trim().length === 0 || body.length > LIMITS.longText) {
      throw invalid('VALIDATION_FAILED', `note body must be 1..${LIMITS.longText} characters`, [
        { path: 'body', message: 'must be a non-empty string' },
      ]);
    }
    const now = isoOf(this.clock.now());
    const note: Note = {
      id: newId(this.clock.now()),
      recordType: type,
      recordId: id,
      authorId: ctx.userId,
      body: body.trim(),
      createdAt: now,
      updatedAt: now,
    };
    const act = this.activity(ctx, type, id, 'note.added', clip(note.body.replace(/\s+/g, ' '), 140), { noteId: note.id }, now);
    await this.repo.transaction(async (tx) => {
      await tx.insertNote(ctx.tenantId, note);
      await tx.insertActivities(ctx.tenantId, [act]);
    });
    this.publish(ctx, 'record.updated', type, id, now);
    return note;
  }

  async listNotes(ctx: CrmContext, type: RecordType, id: string, page: PageRequest = {}): Promise<Page<Note>> {
    const { cursor, limit } = checkPage(page, MAX_PAGE, DEFAULT_PAGE);
    await this.get(ctx, type, id);
    return pageOf(await this.repo.listNotes(ctx.tenantId, type, id, cursor, limit + 1), limit);
  }

  async timeline(ctx: CrmContext, type: RecordType, id: string, page: PageRequest = {}): Promise<Page<Activity>> {
    const { cursor, limit } = checkPage(page, MAX_PAGE, DEFAULT_PAGE);
    await this.get(ctx, type, id);
    return pageOf(await this.repo.listActivities(ctx.tenantId, type, id, cursor, limit + 1), limit);
  }

  // ---------------------------------------------------------------- search & screen pop

  /**
   * SPEC B3 quick search over contacts, leads and companies. One row per phone number
   * of each match; when digits matched, only the numbers that matched.
   */
  async quickSearch(ctx: CrmContext, q: unknown, limit: unknown = DEFAULT_SEARCH): Promise<QuickSearchRow[]> {
    this.checkContext(ctx);
    if (typeof q !== 'string') throw invalid('VALIDATION_FAILED', 'q must be a string', [{ path: 'q', message: 'must be a string' }]);
    const n = checkLimit(limit, MAX_SEARCH);
    const terms = parseQuery(q, ctx.defaultRegion);
    if (terms.length === 0) return [];
    const hits = await this.repo.search(ctx.tenantId, terms, n);
    if (hits.length === 0) return [];
    const byType = { contact: [] as string[], lead: [] as string[], company: [] as string[] };
    for (const h of hits) byType[h.type].push(h.id);
    const [contacts, leads, companies] = await Promise.all([
      byType.contact.length ? this.repo.getMany(ctx.tenantId, 'contact', byType.contact) : [],
      byType.lead.length ? this.repo.getMany(ctx.tenantId, 'lead', byType.lead) : [],
      byType.company.length ? this.repo.getMany(ctx.tenantId, 'company', byType.company) : [],
    ]);
    const found = new Map<string, Contact | Lead | Company>();
    for (const r of [...contacts, ...leads, ...companies]) found.set(r.id, r);
    const digitTerms = terms.filter((t) => t.kind === 'digits');
    const rows: QuickSearchRow[] = [];
    for (const h of hits) {
      const rec = found.get(h.id);
      if (!rec) continue; // deleted between the two reads
      const name = rec.name;
      const subtitle = h.type === 'company' ? (rec as Company).address : ((rec as Contact | Lead).companyName ?? rec.address);
      const base = { type: h.type, id: rec.id, name, subtitle };
      const byPhone = digitTerms.length
        ? rec.phones.filter((p) => {
            const keys = phoneDigitKeys(p).map((k) => `#${k}`);
            return digitTerms.every((t) => keys.some((k) => termMatches(t, k)));
          })
        : [];
      if (byPhone.length > 0) {
        for (const p of byPhone) rows.push({ ...base, phone: phoneOut(p), matchedBy: 'phone' });
        continue;
      }
      const matchedBy = bestField(h.type, rec, terms);
      if (rec.phones.length === 0) rows.push({ ...base, phone: null, matchedBy });
      for (const p of rec.phones) rows.push({ ...base, phone: phoneOut(p), matchedBy });
    }
    return rows.slice(0, n);
  }

  /** Screen pop: every contact, lead or company owning this number (canonical key match). */
  /**
   * Company ids by exact name, creating the companies that do not exist yet (CSV
   * import links contacts to companies by name).
   */
  async companiesByName(ctx: CrmContext, names: readonly string[]): Promise<Map<string, string>> {
    this.checkContext(ctx);
    const found = await this.repo.companyIdsByName(ctx.tenantId, names);
    for (const name of names) {
      if (!found.has(name)) found.set(name, (await this.create(ctx, 'company', { name })).id);
    }
    return found;
  }

  async lookupByNumber(ctx: CrmContext, raw: unknown): Promise<LookupMatch[]> {
    this.checkContext(ctx);
    if (typeof raw !== 'string') throw invalid('INVALID_PHONE_NUMBER', 'number must be a string');
    const n = normalizePhone(raw, ctx.defaultRegion);
    if (!n.e164) return [];
    return this.repo.findByPhoneKey(ctx.tenantId, n.e164);
  }

  // ---------------------------------------------------------------- bulk

  /**
   * Validates and inserts many contacts in one transaction (CSV import). Invalid rows
   * are skipped and reported by index; valid rows are created. Company references
   * are checked in one query. No per-row events or activities: one 'record.created'
   * per contact would flood subscribers, so imports publish 'records.imported'.
   */
  async createContactsBulk(
    ctx: CrmContext,
    inputs: readonly unknown[],
  ): Promise<{ ids: string[]; errors: Array<{ row: number; path?: string; message: string }> }> {
    this.checkContext(ctx);
    const errors: Array<{ row: number; path?: string; message: string }> = [];
    const rows: NewContactRow[] = [];
    const rowIndex: number[] = [];
    const companyIds = new Set<string>();
    inputs.forEach((input, i) => {
      try {
        const p = validateInput('contact', input, 'create', ctx.defaultRegion);
        const rec = this.materialize('contact', null, p, '') as Contact;
        if (rec.companyId) companyIds.add(rec.companyId);
        const { id: _id, createdAt: _c, updatedAt: _u, companyName: _n, phones, ...rest } = rec;
        rows.push({ ...rest, phones: phones.map(({ id: _pid, ...ph }) => ph) });
        rowIndex.push(i);
      } catch (e) {
        if (!isAppError(e)) throw e;
        const d = e.details?.[0];
        errors.push({ row: i, ...(d?.path ? { path: d.path } : {}), message: d ? d.message : e.message });
      }
    });
    const known = await this.repo.existing(ctx.tenantId, 'company', [...companyIds]);
    const ok: NewContactRow[] = [];
    rows.forEach((r, k) => {
      if (r.companyId && !known.has(r.companyId)) errors.push({ row: rowIndex[k]!, path: 'companyId', message: 'company not found' });
      else ok.push(r);
    });
    errors.sort((a, b) => a.row - b.row);
    const now = isoOf(this.clock.now());
    const ids = ok.length ? await this.repo.insertContactsBulk(ctx.tenantId, ok, now) : [];
    if (ids.length) {
      this.events.publish({ type: 'records.imported', tenantId: ctx.tenantId, at: now, data: { type: 'contact', count: ids.length } });
    }
    return { ids, errors };
  }

  // ---------------------------------------------------------------- internals

  private checkContext(ctx: CrmContext): void {
    if (!ctx || typeof ctx.tenantId !== 'string' || ctx.tenantId.length === 0) {
      throw forbidden('TENANT_REQUIRED', 'no tenant in context');
    }
    if (!isSupportedRegion(ctx.defaultRegion)) {
      throw invalid('INVALID_REGION', `unsupported default region ${String(ctx.defaultRegion)}`);
    }
  }

  private publish(ctx: CrmContext, type: string, recordType: RecordType, id: string, at: string): void {
    this.events.publish({ type, tenantId: ctx.tenantId, at, data: { type: recordType, id } });
  }

  private activity(
    ctx: CrmContext,
    recordType: RecordType,
    recordId: string,
    kind: ActivityKind,
    summary: string,
    data: Record<string, unknown>,
    at: string,
  ): Activity {
    return { id: newId(this.clock.now()), recordType, recordId, kind, summary, actorId: ctx.userId, data, at };
  }

  /** Timeline entries on the records this one now points at (only new links). */
  private linkActivities(ctx: CrmContext, type: RecordType, rec: RecordMap[RecordType], before: RecordMap[RecordType] | null, at: string) {
    const out: Activity[] = [];
    const label = `${LABELS[type]} ${clip(titleOf(type, rec), 80)}`;
    const link = (targetType: RecordType, targetId: string | null, kind: ActivityKind, summary: string) => {
      // The title goes in data too, so clients can render the entry in the user's language.
      if (targetId) out.push(this.activity(ctx, targetType, targetId, kind, summary, { type, id: rec.id, title: clip(titleOf(type, rec), 80) }, at));
    };
    const was = before as Record<string, unknown> | null;
    const changed = (k: string, v: unknown) => !was || was[k] !== v;
    if (type === 'contact') {
      const c = rec as Contact;
      if (changed('companyId', c.companyId)) link('company', c.companyId, 'linked', `${label} linked`);
    } else if (type === 'deal') {
      const d = rec as Deal;
      if (changed('companyId', d.companyId)) link('company', d.companyId, 'linked', `${label} linked`);
      const prev = new Set((before as Deal | null)?.contactIds ?? []);
      for (const cid of d.contactIds) if (!prev.has(cid)) link('contact', cid, 'linked', `${label} linked`);
    } else if (type === 'ticket') {
      const t = rec as Ticket;
      if (changed('contactId', t.contactId)) link('contact', t.contactId, 'ticket.opened', `Ticket opened: ${clip(t.subject, 100)}`);
    } else if (type === 'task') {
      const t = rec as Task;
      if (t.recordType && (changed('recordId', t.recordId) || changed('recordType', t.recordType)))
        link(t.recordType, t.recordId, 'task.added', `Task added: ${clip(t.title, 100)}`);
    }
    return out;
  }

  /** Existence of referenced records (same tenant) and users; all problems at once. */
  private async checkReferences(ctx: CrmContext, type: RecordType, rec: RecordMap[RecordType], patch: Patch) {
    const errs: ErrorDetail[] = [];
    let code = 'VALIDATION_FAILED';
    const ref = async (path: string, refType: RecordType, id: string | null | undefined) => {
      if (!id || !(path in patch)) return;
      if (refType === type && id === rec.id) {
        errs.push({ path, message: 'a record cannot point at itself' });
        return;
      }
      const found = await this.repo.existing(ctx.tenantId, refType, [id]);
      if (!found.has(id)) {
        errs.push({ path, message: `${refType} ${id} not found` });
        code = NOT_FOUND_CODES[refType];
      }
    };
    const r = rec as unknown as Record<string, unknown>;
    if (type === 'contact' || type === 'deal') await ref('companyId', 'company', r.companyId as string | null);
    if (type === 'ticket') await ref('contactId', 'contact', r.contactId as string | null);
    if (type === 'deal' && 'contactIds' in patch) {
      const ids = (rec as Deal).contactIds;
      const found = await this.repo.existing(ctx.tenantId, 'contact', ids);
      const missing = ids.filter((i) => !found.has(i));
      if (missing.length) {
        errs.push({ path: 'contactIds', message: `contacts not found: ${missing.slice(0, 5).join(', ')}` });
        code = NOT_FOUND_CODES.contact;
      }
    }
    if (type === 'task') {
      const t = rec as Task;
      if ((t.recordType === null) !== (t.recordId === null)) {
        errs.push({ path: 'recordId', message: 'recordType and recordId go together' });
      } else if ('recordId' in patch || 'recordType' in patch) {
        await ref('recordId', t.recordType as RecordType, t.recordId);
      }
    }
    if (this.users) {
      for (const key of ['ownerId', 'assigneeId']) {
        const uid = r[key];
        if (typeof uid === 'string' && key in patch && !(await this.users.exists(ctx.tenantId, uid))) {
          errs.push({ path: key, message: `user ${uid} not found` });
          code = 'USER_NOT_FOUND';
        }
      }
    }
    if (errs.length) {
      // Several kinds of problem: report the generic code, the details say which.
      if (errs.length > 1) code = 'VALIDATION_FAILED';
      throw invalid(code, `${errs[0]!.path}: ${errs[0]!.message}`, errs);
    }
  }

  /** Applies a validated patch on top of `base` (or defaults) and derives computed fields. */
  private materialize(type: RecordType, base: RecordMap[RecordType] | null, patch: Patch, now: string): RecordMap[RecordType] {
    const p = { ...patch };
    const phones =
      p.phones !== undefined ? assignPhoneIds(p.phones as PhoneDraft[], (base as Contact | null)?.phones ?? [], this.clock) : undefined;
    delete p.phones;
    const stamps = base
      ? { id: base.id, createdAt: (base as Contact).createdAt, updatedAt: now }
      : { id: newId(this.clock.now()), createdAt: now, updatedAt: now };
    const nameErr = () =>
      invalid('VALIDATION_FAILED', 'firstName or lastName is required', [{ path: 'firstName', message: 'firstName or lastName is required' }]);
    switch (type) {
      case 'contact': {
        const b = base as Contact | null;
        const r: Contact = {
          firstName: '',
          lastName: '',
          name: '',
          title: null,
          emails: [],
          phones: [],
          address: null,
          companyId: null,
          companyName: null,
          ownerId: null,
          custom: {},
          ...b,
          ...(p as Partial<Contact>),
          ...stamps,
        };
        if (phones) r.phones = phones;
        r.name = displayName(r.firstName, r.lastName);
        if (!r.name) throw nameErr();
        if (b && 'companyId' in p && p.companyId !== b.companyId) r.companyName = null; // the store resolves it
        return r;
      }
      case 'lead': {
        const r: Lead = {
          firstName: '',
          lastName: '',
          name: '',
          companyName: null,
          title: null,
          emails: [],
          phones: [],
          address: null,
          status: 'new',
          source: null,
          ownerId: null,
          custom: {},
          ...(base as Lead | null),
          ...(p as Partial<Lead>),
          ...stamps,
        };
        if (phones) r.phones = phones;
        r.name = displayName(r.firstName, r.lastName) || (r.companyName ?? '');
        if (!r.name)
          throw invalid('VALIDATION_FAILED', 'a lead needs a name or a company name', [
            { path: 'firstName', message: 'firstName, lastName or companyName is required' },
          ]);
        return r;
      }
      case 'company': {
        const r: Company = {
          name: '',
          website: null,
          address: null,
          industry: null,
          phones: [],
          ownerId: null,
          custom: {},
          ...(base as Company | null),
          ...(p as Partial<Company>),
          ...stamps,
        };
        if (phones) r.phones = phones;
        return r;
      }
      case 'deal': {
        const r: Deal = {
          name: '',
          stage: 'qualification',
          amount: null,
          currency: 'USD',
          companyId: null,
          contactIds: [],
          ownerId: null,
          closeDate: null,
          custom: {},
          ...(base as Deal | null),
          ...(p as Partial<Deal>),
          ...stamps,
        };
        if (r.amount !== null) {
          const digits = currencyDecimals(r.currency);
          const scaled = r.amount * 10 ** digits;
          if (Math.abs(scaled - Math.round(scaled)) > 1e-6 || !Number.isSafeInteger(Math.round(scaled))) {
            throw invalid('VALIDATION_FAILED', `amount has more than ${digits} decimals for ${r.currency}`, [
              { path: 'amount', message: `at most ${digits} decimals for ${r.currency}` },
            ]);
          }
        }
        return r;
      }
      case 'ticket': {
        const b = base as Ticket | null;
        const r: Ticket = {
          subject: '',
          description: null,
          status: 'open',
          priority: 'normal',
          category: null,
          contactId: null,
          assigneeId: null,
          custom: {},
          ...b,
          ...(p as Partial<Ticket>),
          ...stamps,
        };
        if (b) transitionTicket(b.status, r.status);
        else if (r.status === 'closed') throw conflict('TICKET_TRANSITION_INVALID', 'a ticket cannot be created closed');
        return r;
      }
      case 'task': {
        const b = base as Task | null;
        const { done, ...rest } = p as Partial<Task> & { done?: boolean };
        const r: Task = {
          title: '',
          notes: null,
          dueAt: null,
          assigneeId: null,
          recordType: null,
          recordId: null,
          done: false,
          doneAt: null,
          ...b,
          ...rest,
          ...stamps,
        };
        if (done !== undefined && done !== r.done) {
          r.done = done;
          r.doneAt = done ? now || isoOf(this.clock.now()) : null;
        }
        return r;
      }
    }
  }
}

// ---------------------------------------------------------------- helpers

function assignPhoneIds(drafts: PhoneDraft[], existing: PhoneNumber[], clock: Clock): PhoneNumber[] {
  const known = new Set(existing.map((p) => p.id));
  const used = new Set<string>();
  return drafts.map((d) => {
    // Keep the id the caller names only when it belongs to this record (stable UI keys).
    const id = d.id && known.has(d.id) && !used.has(d.id) ? d.id : newId(clock.now());
    used.add(id);
    return { id, label: d.label, raw: d.raw, e164: d.e164 };
  });
}

function changedFields(type: RecordType, before: object, after: object): string[] {
  // Derived fields are not reported: a person's name follows firstName/lastName.
  const skip = new Set(['updatedAt', 'createdAt', 'id', 'companyName', 'doneAt']);
  if (type === 'contact' || type === 'lead') skip.add('name');
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const out: string[] = [];
  for (const k of Object.keys(a)) {
    if (skip.has(k)) continue;
    if (k === 'phones') {
      const strip = (v: unknown) => JSON.stringify((v as PhoneNumber[]).map((p) => [p.label, p.raw]));
      if (strip(b[k]) !== strip(a[k])) out.push(k);
      continue;
    }
    if (JSON.stringify(b[k]) !== JSON.stringify(a[k])) out.push(k);
  }
  return out;
}

function titleOf(type: RecordType, rec: RecordMap[RecordType]): string {
  if (type === 'ticket') return (rec as Ticket).subject;
  if (type === 'task') return (rec as Task).title;
  return (rec as Contact | Company | Deal | Lead).name;
}

const phoneOut = (p: PhoneNumber): PhoneNumber => ({ id: p.id, label: p.label, raw: p.raw, e164: p.e164 });

const FIELD_ORDER: TokenField[] = ['name', 'company', 'email', 'title', 'address', 'website', 'phone'];

function bestField(type: QuickSearchRow['type'], rec: Contact | Lead | Company, terms: SearchTerm[]): QuickSearchRow['matchedBy'] {
  const tokens = tokensFor(type, rec);
  const fields = new Set<TokenField>();
  for (const t of terms) for (const tok of tokens) if (termMatches(t, tok.token)) fields.add(tok.field);
  return FIELD_ORDER.find((f) => fields.has(f)) ?? 'name';
}

function checkLimit(limit: unknown, max: number): number {
  const n = typeof limit === 'string' && /^\d+$/.test(limit) ? Number(limit) : limit;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) {
    throw invalid('VALIDATION_FAILED', `limit must be an integer from 1 to ${max}`, [{ path: 'limit', message: `1..${max}` }]);
  }
  return n;
}

function checkPage(page: PageRequest, max: number, dflt: number): { cursor: string | null; limit: number } {
  const limit = page.limit === undefined ? dflt : checkLimit(page.limit, max);
  if (page.cursor !== undefined && (typeof page.cursor !== 'string' || !isId(page.cursor))) {
    throw invalid('INVALID_CURSOR', 'cursor is not one this API returned', [{ path: 'cursor', message: 'invalid cursor' }]);
  }
  return { cursor: page.cursor ?? null, limit };
}

function checkFilter<T extends RecordType>(type: T, filter: FilterMap[T]): FilterMap[T] {
  if (typeof filter !== 'object' || filter === null) throw invalid('VALIDATION_FAILED', 'filter must be an object');
  const spec = FILTER_SPECS[type];
  const errs: ErrorDetail[] = [];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(filter)) {
    if (v === undefined) continue;
    if (k === 'q') {
      if (typeof v !== 'string' || v.length > 200) errs.push({ path: 'q', message: 'must be a string of at most 200 characters' });
      else if (v.trim()) out.q = v.trim();
      continue;
    }
    const s = spec[k];
    if (!s) errs.push({ path: k, message: 'unknown filter' });
    else if (s === 'id') {
      if (typeof v !== 'string' || !isId(v)) errs.push({ path: k, message: 'not a valid id' });
      else out[k] = v;
    } else if (s === 'bool') {
      if (typeof v !== 'boolean') errs.push({ path: k, message: 'must be true or false' });
      else out[k] = v;
    } else if (s === 'recordType') {
      if (typeof v !== 'string' || !(RECORD_TYPES as readonly string[]).includes(v)) errs.push({ path: k, message: 'unknown record type' });
      else out[k] = v;
    } else if (typeof v !== 'string' || !s.includes(v)) errs.push({ path: k, message: `must be one of ${s.join(', ')}` });
    else out[k] = v;
  }
  if (errs.length) throw invalid('VALIDATION_FAILED', `${errs[0]!.path}: ${errs[0]!.message}`, errs);
  return out as FilterMap[T];
}

function pageOf<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
}
