import type { AccountsService } from '../accounts/index.js';
import type { CrmContext, CrmService } from '../crm/index.js';
import { contactCsvRow, csvLines, EXPORT_HEADER, UTF8_BOM, type ContactRowInput, type ImportTarget } from '../crm/import/index.js';
import type { Actor } from '../accounts/index.js';

/** The CRM and accounts as the import runner needs them. */
export function importTarget(crm: CrmService, accounts: AccountsService): ImportTarget {
  const ctx = async (tenantId: string, userId: string | null): Promise<CrmContext> => ({
    tenantId,
    userId,
    defaultRegion: (await accounts.getTenant(tenantId)).defaultRegion,
  });
  return {
    async companies(tenantId, userId, names) {
      return crm.companiesByName(await ctx(tenantId, userId), names);
    },
    async insert(tenantId, userId, rows: readonly ContactRowInput[]) {
      return crm.createContactsBulk(await ctx(tenantId, userId), rows);
    },
    async ownerId(tenantId, email) {
      const u = await accounts.findUserByEmail(email);
      return u && u.tenantId === tenantId && !u.disabled ? u.id : null;
    },
  };
}

/** The contacts export: checks the filter with the first page, then streams the rest. */
export function contactsExporter(crm: CrmService, accounts: AccountsService) {
  return async (actor: Actor, filter: { q?: string; ownerId?: string; companyId?: string }): Promise<AsyncIterable<string>> => {
    const c: CrmContext = { tenantId: actor.tenantId, userId: actor.userId, defaultRegion: actor.defaultRegion };
    const first = await crm.list(c, 'contact', filter, { limit: 200 });
    const owners = new Map((await accounts.listUsers(actor.tenantId)).map((u) => [u.id, u.email]));
    return (async function* () {
      yield UTF8_BOM + csvLines([EXPORT_HEADER]);
      let page = first;
      for (;;) {
        yield csvLines(page.items.map((x) => contactCsvRow(x, x.ownerId ? (owners.get(x.ownerId) ?? null) : null)));
        if (!page.nextCursor) break;
        page = await crm.list(c, 'contact', filter, { limit: 200, cursor: page.nextCursor });
      }
    })();
  };
}
