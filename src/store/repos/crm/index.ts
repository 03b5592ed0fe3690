/** Kysely implementation of the CRM repository (SQLite and PostgreSQL). */
export { KyselyCrmRepository } from './repository.js';
