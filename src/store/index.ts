export { openStore, type Store, type StoreOptions, type Dialect } from './database.js';
export { migrate, pendingMigrations } from './migrate.js';
export { KyselyAccountsRepo } from './repos/accounts/index.js';
export type * from './schema.js';
