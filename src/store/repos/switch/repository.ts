import { CompiledQuery, sql, type Kysely, type Selectable } from 'kysely';
import type { Dialect } from '../../database.js';
import type { Binding, BindingsRepo, Seat, SeatSecrets, SeatsRepo, SipTenant, SipTenants, SipTransportKind } from '../../../switch/index.js';
import type { Database, SeatsTable, SipBindingsTable } from '../../schema.js';

const seatOf = (r: Selectable<SeatsTable>): Seat => ({
  id: r.id,
  tenantId: r.tenant_id,
  number: r.number,
  userId: r.user_id,
  displayName: r.display_name,
  enabled: r.enabled === 1,
  realm: r.realm,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const iso = (ms: number) => new Date(ms).toISOString();

const bindingRow = (b: Binding): SipBindingsTable => ({
  id: b.id,
  tenant_id: b.tenantId,
  seat_id: b.seatId,
  number: b.number,
  contact: b.contact,
  instance_id: b.instanceId,
  reg_id: b.regId,
  call_id: b.callId,
  cseq: b.cseq,
  expires_at: iso(b.expiresAt),
  q: b.q,
  transport: b.transport,
  source_address: b.sourceAddress,
  source_port: b.sourcePort,
  connection_id: b.connectionId,
  user_agent: b.userAgent,
  path: b.path.length ? JSON.stringify(b.path) : null,
  created_at: iso(b.createdAt),
  updated_at: iso(b.updatedAt),
});

const BINDING_COLUMNS = [
  'id', 'tenant_id', 'seat_id', 'number', 'contact', 'instance_id', 'reg_id', 'call_id', 'cseq', 'expires_at', 'q', 'transport',
  'source_address', 'source_port', 'connection_id', 'user_agent', 'path', 'created_at', 'updated_at',
] as const satisfies readonly (keyof SipBindingsTable)[];
/** Columns a refresh may change (the binding's identity and creation stay). */
const BINDING_UPDATED = ['contact', 'call_id', 'cseq', 'expires_at', 'q', 'transport', 'source_address', 'source_port', 'connection_id', 'user_agent', 'path', 'updated_at'] as const;

/** INSERT … ON CONFLICT (id) DO UPDATE: the same text on both engines but for placeholders. */
function upsertBindingSql(dialect: Dialect): string {
  const ph = BINDING_COLUMNS.map((_, i) => (dialect === 'postgres' ? `$${i + 1}` : '?')).join(', ');
  const set = BINDING_UPDATED.map((c) => `${c} = excluded.${c}`).join(', ');
  return `insert into sip_bindings (${BINDING_COLUMNS.join(', ')}) values (${ph}) on conflict (id) do update set ${set}`;
}

function bindingParams(b: Binding): unknown[] {
  const row = bindingRow(b);
  return BINDING_COLUMNS.map((c) => row[c]);
}

const bindingOf = (r: Selectable<SipBindingsTable>): Binding => ({
  id: r.id,
  tenantId: r.tenant_id,
  seatId: r.seat_id,
  number: r.number,
  contact: r.contact,
  instanceId: r.instance_id,
  regId: r.reg_id === null ? null : Number(r.reg_id),
  callId: r.call_id,
  cseq: Number(r.cseq),
  expiresAt: Date.parse(r.expires_at),
  q: r.q === null ? null : Number(r.q),
  transport: r.transport as SipTransportKind,
  sourceAddress: r.source_address,
  sourcePort: Number(r.source_port),
  // A connection does not survive a restart; requests then go to the address (a new connection).
  connectionId: null,
  userAgent: r.user_agent,
  path: r.path ? (JSON.parse(r.path) as string[]) : [],
  createdAt: Date.parse(r.created_at),
  updatedAt: Date.parse(r.updated_at),
});

/**
 * Seats, with the rows the SIP server reads on every authenticated request (by tenant and number)
 * kept in memory: a REGISTER or INVITE then costs no query. Every write goes through this class
 * and drops what it changes, so a disabled seat or a reset password takes effect at once. (With
 * several Hotline nodes the cache would need cross-node invalidation; one process owns SIP today.)
 */
export class KyselySeatsRepo implements SeatsRepo {
  private readonly byNumber = new Map<string, Selectable<SeatsTable> | null>();
  private static readonly MAX_CACHED = 100_000;

  constructor(private readonly db: Kysely<Database>) {}

  private key(tenantId: string, number: string): string {
    return `${tenantId}\u0000${number}`;
  }

  private async row(tenantId: string, number: string): Promise<Selectable<SeatsTable> | null> {
    const key = this.key(tenantId, number);
    const hit = this.byNumber.get(key);
    if (hit !== undefined) return hit;
    const r = (await this.db.selectFrom('seats').selectAll().where('tenant_id', '=', tenantId).where('number', '=', number).executeTakeFirst()) ?? null;
    // Unknown numbers are remembered too (a scanner's guesses), within a bound.
    if (this.byNumber.size >= KyselySeatsRepo.MAX_CACHED) this.byNumber.clear();
    this.byNumber.set(key, r);
    return r;
  }

  private forget(tenantId: string, id: string, number?: string): void {
    if (number !== undefined) this.byNumber.delete(this.key(tenantId, number));
    for (const [k, v] of this.byNumber) if (v && v.id === id) this.byNumber.delete(k);
  }

  async create(seat: Seat, secrets: SeatSecrets): Promise<void> {
    await this.db
      .insertInto('seats')
      .values({
        id: seat.id,
        tenant_id: seat.tenantId,
        number: seat.number,
        user_id: seat.userId,
        display_name: seat.displayName,
        enabled: seat.enabled ? 1 : 0,
        realm: seat.realm,
        ha1_md5: secrets.md5,
        ha1_sha256: secrets.sha256,
        ha1_sha512_256: secrets.sha512_256,
        created_at: seat.createdAt,
        updated_at: seat.updatedAt,
      })
      .execute();
    this.forget(seat.tenantId, seat.id, seat.number);
  }

  async update(seat: Seat): Promise<void> {
    await this.db
      .updateTable('seats')
      .set({ user_id: seat.userId, display_name: seat.displayName, enabled: seat.enabled ? 1 : 0, updated_at: seat.updatedAt })
      .where('tenant_id', '=', seat.tenantId)
      .where('id', '=', seat.id)
      .execute();
    this.forget(seat.tenantId, seat.id, seat.number);
  }

  async setSecrets(tenantId: string, id: string, realm: string, s: SeatSecrets, updatedAt: string): Promise<void> {
    await this.db
      .updateTable('seats')
      .set({ realm, ha1_md5: s.md5, ha1_sha256: s.sha256, ha1_sha512_256: s.sha512_256, updated_at: updatedAt })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
    this.forget(tenantId, id);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('sip_bindings').where('tenant_id', '=', tenantId).where('seat_id', '=', id).execute();
      await trx.deleteFrom('seats').where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    });
    this.forget(tenantId, id);
  }

  async get(tenantId: string, id: string): Promise<Seat | null> {
    const r = await this.db.selectFrom('seats').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return r ? seatOf(r) : null;
  }

  async getByNumber(tenantId: string, number: string): Promise<Seat | null> {
    const r = await this.row(tenantId, number);
    return r ? seatOf(r) : null;
  }

  async list(tenantId: string): Promise<Seat[]> {
    return (await this.db.selectFrom('seats').selectAll().where('tenant_id', '=', tenantId).orderBy('number').execute()).map(seatOf);
  }

  async listByUser(tenantId: string, userId: string): Promise<Seat[]> {
    return (await this.db.selectFrom('seats').selectAll().where('tenant_id', '=', tenantId).where('user_id', '=', userId).orderBy('number').execute()).map(seatOf);
  }

  async secrets(tenantId: string, number: string): Promise<{ seat: Seat; secrets: SeatSecrets } | null> {
    const r = await this.row(tenantId, number);
    if (!r || r.enabled !== 1) return null;
    return { seat: seatOf(r), secrets: { md5: r.ha1_md5, sha256: r.ha1_sha256, sha512_256: r.ha1_sha512_256 } };
  }
}

export class KyselyBindingsRepo implements BindingsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect = 'sqlite',
  ) {}

  async loadActive(now: number): Promise<Binding[]> {
    return (await this.db.selectFrom('sip_bindings').selectAll().where('expires_at', '>', iso(now)).execute()).map(bindingOf);
  }

  /**
   * On SQLite the write runs with synchronous=NORMAL (on the one connection, held for the whole
   * write, so no other statement runs meanwhile): in WAL mode a commit then survives a process
   * crash or restart but skips the fsync, which would block the event loop on every REGISTER batch.
   * An OS crash may lose the last moments of refreshes, which phones repeat anyway.
   */
  async apply(save: readonly Binding[], remove: readonly string[]): Promise<void> {
    if (this.dialect !== 'sqlite') return this.write(this.db, save, remove);
    await this.db.connection().execute(async (conn) => {
      await sql`PRAGMA synchronous = NORMAL`.execute(conn);
      try {
        await this.write(conn, save, remove);
      } finally {
        await sql`PRAGMA synchronous = FULL`.execute(conn);
      }
    });
  }

  private async write(db: Kysely<Database>, save: readonly Binding[], remove: readonly string[]): Promise<void> {
    await db.transaction().execute(async (trx) => {
      if (remove.length) {
        for (let i = 0; i < remove.length; i += 500) await trx.deleteFrom('sip_bindings').where('id', 'in', remove.slice(i, i + 500)).execute();
      }
      // One precompiled statement per row: a REGISTER refresh is the hottest write there is, and
      // building the query with the query builder cost more than SQLite's work.
      for (const b of save) await trx.executeQuery(CompiledQuery.raw(this.upsertSql, bindingParams(b)));
    });
  }

  private get upsertSql(): string {
    return (this.upsertText ??= upsertBindingSql(this.dialect));
  }
  private upsertText: string | undefined;

  async deleteExpired(now: number): Promise<number> {
    const r = await this.db.deleteFrom('sip_bindings').where('expires_at', '<=', iso(now)).executeTakeFirst();
    return Number(r.numDeletedRows ?? 0);
  }
}

/** Tenants as the SIP server sees them: by SIP domain, else the default tenant; realm = slug. */
export class KyselySipTenants implements SipTenants {
  private cache = new Map<string, { value: SipTenant | null; at: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: { defaultSlug: string | null; publicAddress: string; now: () => number },
  ) {}

  async resolve(host: string): Promise<SipTenant | null> {
    const key = `h:${host.toLowerCase()}`;
    return this.cached(key, async () => {
      const own = host
        ? await this.db.selectFrom('tenants').selectAll().where('sip_domain', '=', host.toLowerCase()).executeTakeFirst()
        : undefined;
      if (own) return { tenantId: own.id, realm: own.slug, domain: own.sip_domain ?? this.opts.publicAddress };
      return this.defaultTenant();
    });
  }

  async byId(tenantId: string): Promise<SipTenant | null> {
    return this.cached(`i:${tenantId}`, async () => {
      const t = await this.db.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirst();
      return t ? { tenantId: t.id, realm: t.slug, domain: t.sip_domain ?? this.opts.publicAddress } : null;
    });
  }

  private async defaultTenant(): Promise<SipTenant | null> {
    let q = this.db.selectFrom('tenants').selectAll();
    q = this.opts.defaultSlug ? q.where('slug', '=', this.opts.defaultSlug) : q.orderBy('created_at').orderBy('id');
    const t = await q.executeTakeFirst();
    return t ? { tenantId: t.id, realm: t.slug, domain: t.sip_domain ?? this.opts.publicAddress } : null;
  }

  // Tenants change rarely; a few seconds of caching keeps a REGISTER flood off the tenants table.
  private async cached(key: string, load: () => Promise<SipTenant | null>): Promise<SipTenant | null> {
    const hit = this.cache.get(key);
    const now = this.opts.now();
    if (hit && now - hit.at < 5_000) return hit.value;
    const value = await load();
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { value, at: now });
    return value;
  }
}
