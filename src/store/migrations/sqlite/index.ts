import * as m001 from './001_accounts.js';
import * as m002 from './002_crm.js';
import * as m003 from './003_switch.js';
import * as m004 from './004_calls.js';

/** Ordered migrations; a name once released never changes. */
export const migrations: Record<string, { up: string[] }> = {
  '001_accounts': m001,
  '002_crm': m002,
  '003_switch': m003,
  '004_calls': m004,
};
