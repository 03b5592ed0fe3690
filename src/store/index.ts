export { openStore, type Store, type StoreOptions, type Dialect } from './database.js';
export { migrate, pendingMigrations } from './migrate.js';
export { KyselyAccountsRepo } from './repos/accounts/index.js';
export { KyselyCrmRepository } from './repos/crm/index.js';
export { KyselyImportJobsRepo } from './repos/imports/index.js';
export type * from './schema.js';
export { KyselyCallLog, KyselySeatsRepo, KyselyBindingsRepo, KyselySipTenants } from './repos/switch/index.js';
