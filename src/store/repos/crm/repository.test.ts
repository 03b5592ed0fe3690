import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, FakeClock, MemoryEventBus, type DomainEvent } from '../../../kit/index.js';
import { CrmService, normalizePhone, type Contact, type CrmContext } from '../../../crm/index.js';
import { createTestStore, testDialects, type TestStore } from '../../testing/index.js';
import { KyselyCrmRepository } from './index.js';

const dialects = await testDialects();

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return `${e.kind}:${e.code}`;
    throw e;
  }
  return 'ok';
}

describe.each(dialects)('CRM repository + service on %s', (dialect) => {
  let store: TestStore;
  let crm: CrmService;
  const events: DomainEvent[] = [];
  const clock = new FakeClock(Date.UTC(2026, 0, 5, 9));
  const A: CrmContext = { tenantId: 'tenant-a', userId: 'user-a', defaultRegion: 'US' };
  const B: CrmContext = { tenantId: 'tenant-b', userId: 'user-b', defaultRegion: 'US' };
  let marcom: string;
  let margaret: Contact;
  let mark: Contact;
  let simon: Contact;
  let road: Contact;

  beforeAll(async () => {
    store = await createTestStore(dialect);
    const bus = new MemoryEventBus();
    bus.subscribe((e) => void events.push(e));
    crm = new CrmService({ repo: new KyselyCrmRepository(store.db), events: bus, clock });
    // The demo world (DEMO.md)
    marcom = (await crm.create(A, 'company', { name: 'Marcom', address: '1 Market St' })).id;
    clock.advance(1);
    margaret = await crm.create(A, 'contact', {
      firstName: 'Margaret',
      lastName: 'Chen',
      emails: [{ label: 'work', address: 'margaret@chen.example' }],
      phones: [
        { label: 'work', number: '+1 555 0123' },
        { label: 'mobile', number: '+1 555 0124' },
      ],
    });
    clock.advance(1);
    mark = await crm.create(A, 'contact', { firstName: 'Mark', lastName: 'Lee', phones: [{ label: 'work', number: '555-0150' }] });
    clock.advance(1);
    simon = await crm.create(A, 'contact', { firstName: 'Simon', lastName: 'Peter', companyId: marcom });
    clock.advance(1);
    road = await crm.create(A, 'contact', { firstName: 'Wei', lastName: 'Wang', address: '马丁路 88号' });
    clock.advance(1);
    // Tenant B has a Margaret with the same number: must never leak into A.
    await crm.create(B, 'contact', { firstName: 'Margaret', lastName: 'Other', phones: [{ number: '+1 555 0123' }] });
  });

  afterAll(async () => {
    await store?.dispose();
  });

  it('creates with normalised phones, company name and timestamps', async () => {
    expect(margaret.name).toBe('Margaret Chen');
    expect(margaret.phones.map((p) => [p.label, p.raw, p.e164])).toEqual([
      ['work', '+1 555 0123', '+15550123'],
      ['mobile', '+1 555 0124', '+15550124'],
    ]);
    expect(simon.companyName).toBe('Marcom');
    expect(margaret.createdAt).toBe('2026-01-05T09:00:00.001Z');
    expect(await crm.get(A, 'contact', margaret.id)).toEqual(margaret);
  });

  it('quick search "Mar": first names, company members and the company, one row per phone', async () => {
    const rows = await crm.quickSearch(A, 'Mar');
    const names = rows.map((r) => `${r.type}:${r.name}:${r.phone?.raw ?? '-'}:${r.matchedBy}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'company:Marcom:-:name',
        'contact:Simon Peter:-:company',
        'contact:Margaret Chen:+1 555 0123:name',
        'contact:Margaret Chen:+1 555 0124:name',
        'contact:Mark Lee:555-0150:name',
      ]),
    );
    expect(rows).toHaveLength(5);
    expect(rows.find((r) => r.name === 'Simon Peter')!.subtitle).toBe('Marcom');
  });

  it('quick search "马丁" finds the address on 马丁路', async () => {
    const rows = await crm.quickSearch(A, '马丁');
    expect(rows.map((r) => [r.id, r.subtitle, r.matchedBy])).toEqual([[road.id, '马丁路 88号', 'address']]);
  });

  it('quick search by number in every spelling shows only the matching number', async () => {
    for (const q of ['5550123', '(555) 012-3', '+1 555 0123', '15550123', '555 0123']) {
      const rows = await crm.quickSearch(A, q);
      expect(rows.map((r) => [r.name, r.phone?.raw, r.matchedBy]), q).toEqual([['Margaret Chen', '+1 555 0123', 'phone']]);
    }
    // "555012" is a prefix of both of Margaret's numbers: one row per matching number
    expect((await crm.quickSearch(A, '555012')).map((r) => [r.name, r.phone?.raw])).toEqual([
      ['Margaret Chen', '+1 555 0123'],
      ['Margaret Chen', '+1 555 0124'],
    ]);
    // "55501" matches both of Margaret's numbers and Mark's
    const wide = await crm.quickSearch(A, '55501');
    expect(wide.map((r) => r.phone?.raw).sort()).toEqual(['+1 555 0123', '+1 555 0124', '555-0150']);
  });

  it('quick search combines terms and honours the limit', async () => {
    expect((await crm.quickSearch(A, 'margaret 555 0124')).map((r) => r.phone?.raw)).toEqual(['+1 555 0124']);
    expect(await crm.quickSearch(A, 'margaret lee')).toEqual([]);
    expect(await crm.quickSearch(A, 'Mar', 2)).toHaveLength(2);
    expect(await code(crm.quickSearch(A, 'Mar', 51))).toBe('invalid:VALIDATION_FAILED');
    expect(await code(crm.quickSearch(A, 'Mar', 0))).toBe('invalid:VALIDATION_FAILED');
  });

  it('SQL-looking search text is just text and changes nothing', async () => {
    expect(await crm.quickSearch(A, "'; DROP TABLE contacts;--")).toEqual([]);
    expect(await crm.quickSearch(A, "Mar' OR '1'='1")).toEqual([]);
    expect((await crm.list(A, 'contact', { q: "x%' OR 1=1 --" })).items).toEqual([]);
    expect((await crm.list(A, 'ticket', { q: "%'; DELETE FROM tickets;--" })).items).toEqual([]);
    expect((await crm.get(A, 'contact', margaret.id)).name).toBe('Margaret Chen');
  });

  it('looks up callers by number however the carrier sends it', async () => {
    for (const n of ['+15550123', '15550123', '(555) 0123', '555-0123', '+1 555 0123']) {
      const m = await crm.lookupByNumber(A, n);
      expect(m.map((x) => [x.type, x.id, x.name, x.phone.label]), n).toEqual([['contact', margaret.id, 'Margaret Chen', 'work']]);
    }
    expect(await crm.lookupByNumber(A, '+15550199')).toEqual([]);
    expect(await code(crm.lookupByNumber(A, 'anonymous'))).toBe('invalid:INVALID_PHONE_NUMBER');
  });

  it('isolates tenants: foreign ids are not found and nothing leaks', async () => {
    expect(await code(crm.get(B, 'contact', margaret.id))).toBe('not_found:CONTACT_NOT_FOUND');
    expect(await code(crm.update(B, 'contact', margaret.id, { firstName: 'Hacked' }))).toBe('not_found:CONTACT_NOT_FOUND');
    expect(await code(crm.delete(B, 'contact', margaret.id))).toBe('not_found:CONTACT_NOT_FOUND');
    expect(await code(crm.addNote(B, 'contact', margaret.id, 'hi'))).toBe('not_found:CONTACT_NOT_FOUND');
    expect(await code(crm.timeline(B, 'contact', margaret.id))).toBe('not_found:CONTACT_NOT_FOUND');
    // B cannot link to A's company either
    expect(await code(crm.create(B, 'contact', { firstName: 'X', companyId: marcom }))).toBe('invalid:COMPANY_NOT_FOUND');
    const bSearch = await crm.quickSearch(B, 'Mar');
    expect(bSearch.map((r) => r.name)).toEqual(['Margaret Other']);
    expect((await crm.lookupByNumber(B, '+15550123')).map((m) => m.name)).toEqual(['Margaret Other']);
    expect((await crm.list(B, 'contact')).items.map((c) => c.name)).toEqual(['Margaret Other']);
    expect((await crm.get(A, 'contact', margaret.id)).firstName).toBe('Margaret');
  });

  it('rejects bad input with coded errors and writes nothing', async () => {
    const before = (await crm.list(A, 'contact', {}, { limit: 200 })).items.length;
    expect(await code(crm.create(A, 'contact', { firstName: 'Bad', phones: [{ number: 'call me' }] }))).toBe('invalid:INVALID_PHONE_NUMBER');
    expect(await code(crm.create(A, 'contact', { firstName: 'Bad', shoeSize: 42 }))).toBe('invalid:VALIDATION_FAILED');
    expect(await code(crm.create(A, 'contact', { firstName: 42 }))).toBe('invalid:VALIDATION_FAILED');
    expect(await code(crm.create(A, 'contact', {}))).toBe('invalid:VALIDATION_FAILED');
    expect(await code(crm.create(A, 'contact', { firstName: 'Bad', emails: [{ address: 'nope' }] }))).toBe('invalid:VALIDATION_FAILED');
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]));
    expect(await code(crm.create(A, 'contact', { firstName: 'Bad', custom: many }))).toBe('invalid:VALIDATION_FAILED');
    expect(await code(crm.create(A, 'contact', { firstName: 'Bad', custom: { nested: { a: 1 } } }))).toBe('invalid:VALIDATION_FAILED');
    expect(await code(crm.update(A, 'contact', margaret.id, { phones: [{ number: '555-CALL' }] }))).toBe('invalid:INVALID_PHONE_NUMBER');
    expect((await crm.list(A, 'contact', {}, { limit: 200 })).items.length).toBe(before);
    expect((await crm.get(A, 'contact', margaret.id)).phones).toHaveLength(2);
    expect(await code(crm.get(A, 'contact', 'not-an-id'))).toBe('not_found:CONTACT_NOT_FOUND');
    expect(await code(crm.list(A, 'contact', {}, { limit: 201 }))).toBe('invalid:VALIDATION_FAILED');
    expect(await code(crm.list(A, 'contact', {}, { cursor: 'x' }))).toBe('invalid:INVALID_CURSOR');
    expect(await code(crm.list(A, 'contact', { bogus: 1 } as never))).toBe('invalid:VALIDATION_FAILED');
  });

  it('update re-indexes names and numbers, keeps phone ids, and writes the timeline', async () => {
    const c = await crm.create(A, 'contact', { firstName: 'Zelda', phones: [{ label: 'work', number: '+1 555 0170' }] });
    const keepId = c.phones[0]!.id;
    events.length = 0;
    clock.advance(10);
    const u = await crm.update(A, 'contact', c.id, {
      firstName: 'Yara',
      phones: [
        { id: keepId, label: 'work', number: '+1 555 0171' },
        { label: 'home', number: '+1 555 0172' },
      ],
    });
    expect(u.phones[0]!.id).toBe(keepId);
    expect(u.updatedAt > u.createdAt).toBe(true);
    expect(await crm.quickSearch(A, 'zelda')).toEqual([]);
    expect((await crm.quickSearch(A, 'yara')).map((r) => r.phone?.raw)).toEqual(['+1 555 0171', '+1 555 0172']);
    expect(await crm.lookupByNumber(A, '+15550170')).toEqual([]);
    expect((await crm.lookupByNumber(A, '5550172')).map((m) => m.id)).toEqual([c.id]);
    expect(events.map((e) => [e.type, e.tenantId, e.data])).toEqual([['record.updated', 'tenant-a', { type: 'contact', id: c.id }]]);
    const tl = await crm.timeline(A, 'contact', c.id);
    expect(tl.items.map((a) => a.kind)).toEqual(['updated', 'created']);
    expect(tl.items[0]!.data).toEqual({ fields: ['firstName', 'phones'] });
    // a no-op update writes nothing
    events.length = 0;
    await crm.update(A, 'contact', c.id, { firstName: 'Yara' });
    expect(events).toEqual([]);
  });

  it('renaming a company re-indexes its contacts; deleting it unlinks them', async () => {
    const co = await crm.create(A, 'company', { name: 'Quill Works' });
    const p = await crm.create(A, 'contact', { firstName: 'Paula', companyId: co.id });
    expect((await crm.quickSearch(A, 'quill')).map((r) => r.name).sort()).toEqual(['Paula', 'Quill Works']);
    await crm.update(A, 'company', co.id, { name: 'Vellum Ltd' });
    expect(await crm.quickSearch(A, 'quill')).toEqual([]);
    expect((await crm.quickSearch(A, 'vellum')).map((r) => r.name).sort()).toEqual(['Paula', 'Vellum Ltd']);
    expect((await crm.get(A, 'contact', p.id)).companyName).toBe('Vellum Ltd');
    await crm.delete(A, 'company', co.id);
    expect(await crm.quickSearch(A, 'vellum')).toEqual([]);
    const after = await crm.get(A, 'contact', p.id);
    expect([after.companyId, after.companyName]).toEqual([null, null]);
  });

  it('delete removes the record, its numbers, tokens, notes and timeline', async () => {
    const c = await crm.create(A, 'contact', { firstName: 'Gone', phones: [{ number: '+1 555 0180' }] });
    await crm.addNote(A, 'contact', c.id, 'bye');
    const t = await crm.create(A, 'task', { title: 'call Gone', recordType: 'contact', recordId: c.id });
    events.length = 0;
    await crm.delete(A, 'contact', c.id);
    expect(events.map((e) => e.type)).toEqual(['record.deleted']);
    expect(await code(crm.get(A, 'contact', c.id))).toBe('not_found:CONTACT_NOT_FOUND');
    expect(await crm.lookupByNumber(A, '+15550180')).toEqual([]);
    expect(await crm.quickSearch(A, 'gone')).toEqual([]);
    const task = await crm.get(A, 'task', t.id);
    expect([task.recordType, task.recordId]).toEqual([null, null]);
    expect(await code(crm.delete(A, 'contact', c.id))).toBe('not_found:CONTACT_NOT_FOUND');
    const leftovers = await store.db.selectFrom('activities').select('id').where('record_id', '=', c.id).execute();
    expect(leftovers).toEqual([]);
  });

  it('tickets, tasks and notes write the timeline of the records they touch', async () => {
    const ticket = await crm.create(A, 'ticket', { subject: 'Cannot log in', contactId: margaret.id, priority: 'high' });
    expect([ticket.status, ticket.priority]).toEqual(['open', 'high']);
    clock.advance(1);
    await crm.create(A, 'task', { title: 'Call back', recordType: 'contact', recordId: margaret.id, dueAt: '2026-01-06T10:00:00+08:00' });
    clock.advance(1);
    const note = await crm.addNote(A, 'contact', margaret.id, '  Prefers email  ');
    expect(note.body).toBe('Prefers email');
    expect(note.authorId).toBe('user-a');
    const tl = await crm.timeline(A, 'contact', margaret.id);
    expect(tl.items.map((a) => a.kind)).toEqual(['note.added', 'task.added', 'ticket.opened', 'created']);
    expect(tl.items[2]!.data).toEqual({ type: 'ticket', id: ticket.id, title: 'Cannot log in' });
    const notes = await crm.listNotes(A, 'contact', margaret.id);
    expect(notes.items.map((n) => n.body)).toEqual(['Prefers email']);
    expect(await code(crm.addNote(A, 'contact', margaret.id, '   '))).toBe('invalid:VALIDATION_FAILED');
    // guarded ticket lifecycle
    await crm.update(A, 'ticket', ticket.id, { status: 'solved' });
    await crm.update(A, 'ticket', ticket.id, { status: 'closed' });
    expect(await code(crm.update(A, 'ticket', ticket.id, { status: 'open' }))).toBe('conflict:TICKET_TRANSITION_INVALID');
    expect(await code(crm.create(A, 'ticket', { subject: 'x', contactId: '01jzzzzzzzzzzzzzzzzzzzzzzz' }))).toBe('invalid:CONTACT_NOT_FOUND');
  });

  it('deals keep money in minor units and link contacts', async () => {
    const d = await crm.create(A, 'deal', { name: 'Big one', amount: 1234.56, companyId: marcom, contactIds: [margaret.id, mark.id] });
    expect([d.amount, d.currency, d.stage, [...d.contactIds].sort()]).toEqual([1234.56, 'USD', 'qualification', [margaret.id, mark.id].sort()]);
    const row = await store.db.selectFrom('deals').select('amount_minor').where('id', '=', d.id).executeTakeFirstOrThrow();
    expect(Number(row.amount_minor)).toBe(123456);
    expect(await code(crm.create(A, 'deal', { name: 'x', amount: 1.234 }))).toBe('invalid:VALIDATION_FAILED');
    expect((await crm.create(A, 'deal', { name: 'yen', amount: 500, currency: 'jpy' })).currency).toBe('JPY');
    expect(await code(crm.create(A, 'deal', { name: 'x', contactIds: ['01jzzzzzzzzzzzzzzzzzzzzzzz'] }))).toBe('invalid:CONTACT_NOT_FOUND');
    const byContact = await crm.list(A, 'deal', { contactId: mark.id });
    expect(byContact.items.map((x) => x.id)).toEqual([d.id]);
    const u = await crm.update(A, 'deal', d.id, { stage: 'won', contactIds: [mark.id] });
    expect([u.stage, u.contactIds]).toEqual(['won', [mark.id]]);
    expect((await crm.list(A, 'deal', { q: 'BIG' })).items.map((x) => x.id)).toEqual([d.id]);
    expect((await crm.timeline(A, 'company', marcom)).items.some((a) => a.kind === 'linked' && a.data.id === d.id)).toBe(true);
  });

  it('lists newest first with filters and cursor pagination', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await crm.list(A, 'contact', {}, { limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((c) => c.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([...seen].sort().reverse());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toContain(margaret.id);
    expect((await crm.list(A, 'contact', { companyId: marcom })).items.map((c) => c.id)).toEqual([simon.id]);
    expect((await crm.list(A, 'contact', { q: 'mar' })).items.map((c) => c.id).sort()).toEqual([margaret.id, mark.id, simon.id].sort());
    expect((await crm.list(A, 'contact', { q: '555 0150' })).items.map((c) => c.id)).toEqual([mark.id]);
    const task = await crm.create(A, 'task', { title: 'Done thing', assigneeId: '01jaaaaaaaaaaaaaaaaaaaaaaa' });
    await crm.update(A, 'task', task.id, { done: true });
    const done = await crm.list(A, 'task', { done: true });
    expect(done.items.map((t) => [t.id, t.done, typeof t.doneAt])).toEqual([[task.id, true, 'string']]);
    expect((await crm.list(A, 'task', { assigneeId: '01jaaaaaaaaaaaaaaaaaaaaaaa' })).items).toHaveLength(1);
    const lead = await crm.create(A, 'lead', { companyName: 'Acme', status: 'contacted' });
    expect(lead.name).toBe('Acme');
    expect((await crm.list(A, 'lead', { status: 'contacted' })).items.map((l) => l.id)).toEqual([lead.id]);
    expect((await crm.list(A, 'lead', { status: 'new' })).items).toEqual([]);
  });

  it('bulk insert creates searchable, dialable contacts in one transaction', async () => {
    const rows = Array.from({ length: 450 }, (_, i) => ({
      firstName: `Bulk${i}`,
      lastName: 'Import',
      title: null,
      emails: [],
      phones: [{ label: 'work', ...pick(normalizePhone(`+1 212 555 ${String(1000 + i)}`, 'US')) }],
      address: null,
      companyId: i === 0 ? marcom : null,
      ownerId: null,
      custom: { row: i },
      name: `Bulk${i} Import`,
    }));
    const repo = new KyselyCrmRepository(store.db);
    const ids = await repo.insertContactsBulk('tenant-a', rows, '2026-01-05T10:00:00.000Z');
    expect(ids).toHaveLength(450);
    expect((await crm.lookupByNumber(A, '(212) 555-1449')).map((m) => m.name)).toEqual(['Bulk449 Import']);
    expect((await crm.get(A, 'contact', ids[0]!)).companyName).toBe('Marcom');
    expect((await crm.quickSearch(A, 'bulk449 import')).map((r) => r.name)).toEqual(['Bulk449 Import']);
    // the service path validates and reports bad rows without failing good ones
    const res = await crm.createContactsBulk(A, [{ firstName: 'Ok' }, { firstName: 'Bad', phones: [{ number: 'x' }] }, { nope: 1 }]);
    expect(res.ids).toHaveLength(1);
    expect(res.errors.map((e) => e.row)).toEqual([1, 2]);
  });
});

function pick(n: { raw: string; e164: string | null }) {
  return { raw: n.raw, e164: n.e164 };
}
