import type { Kysely, Selectable } from 'kysely';
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

export class KyselySeatsRepo implements SeatsRepo {
  constructor(private readonly db: Kysely<Database>) {}

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
  }

  async update(seat: Seat): Promise<void> {
    await this.db
      .updateTable('seats')
      .set({ user_id: seat.userId, display_name: seat.displayName, enabled: seat.enabled ? 1 : 0, updated_at: seat.updatedAt })
      .where('tenant_id', '=', seat.tenantId)
      .where('id', '=', seat.id)
      .execute();
  }

  async setSecrets(tenantId: string, id: string, realm: string, s: SeatSecrets, updatedAt: string): Promise<void> {
    await this.db
      .updateTable('seats')
      .set({ realm, ha1_md5: s.md5, ha1_sha256: s.sha256, ha1_sha512_256: s.sha512_256, updated_at: updatedAt })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('sip_bindings').where('tenant_id', '=', tenantId).where('seat_id', '=', id).execute();
      await trx.deleteFrom('seats').where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    });
  }

  async get(tenantId: string, id: string): Promise<Seat | null> {
    const r = await this.db.selectFrom('seats').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return r ? seatOf(r) : null;
  }

  async getByNumber(tenantId: string, number: string): Promise<Seat | null> {
    const r = await this.db.selectFrom('seats').selectAll().where('tenant_id', '=', tenantId).where('number', '=', number).executeTakeFirst();
    return r ? seatOf(r) : null;
  }

  async list(tenantId: string): Promise<Seat[]> {
    return (await this.db.selectFrom('seats').selectAll().where('tenant_id', '=', tenantId).orderBy('number').execute()).map(seatOf);
  }

  async listByUser(tenantId: string, userId: string): Promise<Seat[]> {
    return (await this.db.selectFrom('seats').selectAll().where('tenant_id', '=', tenantId).where('user_id', '=', userId).orderBy('number').execute()).map(seatOf);
  }

  async secrets(tenantId: string, number: string): Promise<{ seat: Seat; secrets: SeatSecrets } | null> {
    const r = await this.db
      .selectFrom('seats')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('number', '=', number)
      .where('enabled', '=', 1)
      .executeTakeFirst();
    return r ? { seat: seatOf(r), secrets: { md5: r.ha1_md5, sha256: r.ha1_sha256, sha512_256: r.ha1_sha512_256 } } : null;
  }
}

export class KyselyBindingsRepo implements BindingsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async loadActive(now: number): Promise<Binding[]> {
    return (await this.db.selectFrom('sip_bindings').selectAll().where('expires_at', '>', iso(now)).execute()).map(bindingOf);
  }

  async apply(save: readonly Binding[], remove: readonly string[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (remove.length) {
        for (let i = 0; i < remove.length; i += 500) await trx.deleteFrom('sip_bindings').where('id', 'in', remove.slice(i, i + 500)).execute();
      }
      for (let i = 0; i < save.length; i += 200) {
        const rows = save.slice(i, i + 200).map(bindingRow);
        await trx
          .insertInto('sip_bindings')
          .values(rows)
          .onConflict((oc) =>
            oc.column('id').doUpdateSet((eb) => ({
              contact: eb.ref('excluded.contact'),
              call_id: eb.ref('excluded.call_id'),
              cseq: eb.ref('excluded.cseq'),
              expires_at: eb.ref('excluded.expires_at'),
              q: eb.ref('excluded.q'),
              transport: eb.ref('excluded.transport'),
              source_address: eb.ref('excluded.source_address'),
              source_port: eb.ref('excluded.source_port'),
              connection_id: eb.ref('excluded.connection_id'),
              user_agent: eb.ref('excluded.user_agent'),
              path: eb.ref('excluded.path'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
    });
  }

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
