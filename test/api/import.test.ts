import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../../src/store/testing/index.js';
import { createTestApp, type TestApp } from '../support/app.js';

const dialects = await testDialects();

describe.each(dialects)('contacts CSV import and export on %s', (dialect) => {
  let t: TestApp;
  let cookie: string;
  let otherCookie: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, { adminEmail: 'owner@acme.test', adminPassword: 'owner password 1' });
    await t.app.bootstrap();
    cookie = await t.signIn('owner@acme.test', 'owner password 1');
    const other = await t.app.accounts.createTenant({ name: 'Other' });
    await t.app.accounts.createUser(other.id, { email: 'x@other.test', name: 'X', role: 'admin', password: 'other password 1' });
    otherCookie = await t.signIn('x@other.test', 'other password 1');
  });
  afterAll(() => t?.dispose());

  const post = (url: string, body: string | Buffer, c = cookie) =>
    t.app.http.inject({ method: 'POST', url, headers: { cookie: c, 'content-type': 'text/csv' }, payload: body });

  const waitDone = async (id: string, c = cookie) => {
    for (;;) {
      const r = await t.app.http.inject({ url: `/api/v1/imports/${id}`, headers: { cookie: c } });
      const job = r.json();
      if (job.status === 'done' || job.status === 'failed') return job;
      await new Promise((res) => setTimeout(res, 20));
    }
  };

  const FILE = [
    '姓名,手机,公司,邮箱,Notes',
    '陈美玲,+86 138 0013 8001,Acme Trading,mei@acme.test,vip',
    'Margaret Chen,+1 555 0123,Acme Trading,margaret@acme.test,',
    'Bad Phone,call me,,bad@acme.test,',
    ',+1 555 0199,,nobody@acme.test,',
    'Bad Mail,+1 555 0198,,not-an-email,',
    'Dup Company,+1 555 0197,Acme Trading,,',
  ].join('\n');

  it('previews columns, suggested mapping and sample rows', async () => {
    const r = await post('/api/v1/contacts/import/preview?fileName=people.csv', FILE);
    expect(r.statusCode).toBe(200);
    const p = r.json();
    expect(p.columns).toEqual(['姓名', '手机', '公司', '邮箱', 'Notes']);
    expect(p.suggestedMapping).toEqual({ 姓名: 'name', 手机: 'mobilePhone', 公司: 'company', 邮箱: 'email', Notes: null });
    expect(p.totalRows).toBe(6);
    expect(p.sampleRows[0][0]).toBe('陈美玲');
  });

  it('imports good rows, reports bad ones by line, and links companies by name', async () => {
    const r = await post('/api/v1/contacts/import?fileName=people.csv', FILE);
    expect(r.statusCode).toBe(202);
    const job = await waitDone(r.json().job.id);
    expect(job).toMatchObject({ status: 'done', totalRows: 6, processedRows: 6, createdRows: 3, failedRows: 3 });
    expect(job.errors.map((e: { row: number }) => e.row).sort()).toEqual([4, 5, 6]);
    expect(job.errors.find((e: { row: number }) => e.row === 4).field).toMatch(/phone/);
    const search = await t.app.http.inject({ url: '/api/v1/search?q=' + encodeURIComponent('13800138001'), headers: { cookie } });
    expect(search.json().items[0].name).toBe('陈美玲');
    const companies = await t.app.http.inject({ url: '/api/v1/companies?q=acme', headers: { cookie } });
    expect(companies.json().items.filter((c: { name: string }) => c.name === 'Acme Trading')).toHaveLength(1);
  });

  it('refuses broken files, wrong encodings and bad mappings without writing anything', async () => {
    const before = (await t.app.http.inject({ url: '/api/v1/contacts?limit=200', headers: { cookie } })).json().items.length;
    const gbk = Buffer.from([0xd0, 0xd5, 0xc3, 0xfb, 0x0a, 0xb3, 0xc2, 0xc3, 0xc0, 0xc1, 0xe1]);
    const cases: Array<[string, string | Buffer, string]> = [
      ['/api/v1/contacts/import', gbk, 'CSV_ENCODING'],
      ['/api/v1/contacts/import', 'name,phone\n"Open quote,1\n', 'CSV_MALFORMED'],
      ['/api/v1/contacts/import', '', 'CSV_EMPTY'],
      ['/api/v1/contacts/import', 'name\n', 'CSV_EMPTY'],
      ['/api/v1/contacts/import?mapping=' + encodeURIComponent('{"name":"salary"}'), 'name\nA\n', 'MAPPING_INVALID'],
      ['/api/v1/contacts/import?mapping=' + encodeURIComponent('{oops'), 'name\nA\n', 'MAPPING_INVALID'],
      ['/api/v1/contacts/import?encoding=latin9', 'name\nA\n', 'VALIDATION_FAILED'],
    ];
    for (const [url, body, code] of cases) {
      const r = await post(url, body);
      expect(r.statusCode, code).toBe(400);
      expect(r.json().error.code).toBe(code);
    }
    const gb = await post('/api/v1/contacts/import?encoding=gb18030', gbk);
    expect(gb.statusCode).toBe(202); // the same bytes read as GB18030: 姓名 / 陈美丽
    await waitDone(gb.json().job.id);
    const after = (await t.app.http.inject({ url: '/api/v1/contacts?limit=200', headers: { cookie } })).json().items.length;
    expect(after).toBe(before + 1);
  });

  it('keeps imports to their tenant', async () => {
    const r = await post('/api/v1/contacts/import', 'name\nSomeone\n');
    const id = r.json().job.id;
    await waitDone(id);
    const foreign = await t.app.http.inject({ url: `/api/v1/imports/${id}`, headers: { cookie: otherCookie } });
    expect(foreign.statusCode).toBe(404);
    const theirs = await t.app.http.inject({ url: '/api/v1/search?q=Someone', headers: { cookie: otherCookie } });
    expect(theirs.json().items).toEqual([]);
  });

  it('exports the current filter as CSV that imports back', async () => {
    const r = await t.app.http.inject({ url: '/api/v1/contacts/export.csv?q=margaret', headers: { cookie } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/csv/);
    const text = r.body.replace(/^\uFEFF/, '');
    const lines = text.trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('Margaret');
    expect(lines[1]).toContain('+1 555 0123');
    const bad = await t.app.http.inject({ url: '/api/v1/contacts/export.csv?ownerId=nope', headers: { cookie } });
    expect(bad.statusCode).toBe(400);
    const preview = await post('/api/v1/contacts/import/preview', r.rawPayload);
    expect(preview.json().suggestedMapping).toMatchObject({ 'First Name': 'firstName', Mobile: 'mobilePhone', Company: 'company' });
  });

  it('marks a job left running by a stopped process as failed', async () => {
    const jobs = await t.app.store.db.selectFrom('import_jobs').select('id').execute();
    await t.app.store.db.updateTable('import_jobs').set({ status: 'running' }).where('id', '=', jobs[0]!.id).execute();
    const { KyselyImportJobsRepo } = await import('../../src/store/index.js');
    expect(await new KyselyImportJobsRepo(t.app.store.db).markInterrupted(new Date().toISOString())).toBe(1);
    const row = await t.app.store.db.selectFrom('import_jobs').select(['status', 'errors']).where('id', '=', jobs[0]!.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('failed');
    expect(row.errors).toContain('interrupted');
  });
});
