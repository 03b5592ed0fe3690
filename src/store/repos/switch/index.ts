export { KyselySeatsRepo, KyselyBindingsRepo, KyselySipTenants } from './repository.js';
