export { KyselySeatsRepo, KyselyBindingsRepo, KyselySipTenants } from './repository.js';
export { KyselyCallLog } from './call-log.js';
