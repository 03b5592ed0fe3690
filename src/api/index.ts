export { buildHttp, type HttpOptions } from './server.js';
export { HTTP_STATUS, type ErrorBody } from './errors.js';
export { SESSION_COOKIE } from './auth.js';
export { crmRoutes } from './crm/index.js';
export { importRoutes, type ImportRoutesOptions } from './imports/routes.js';
export { switchRoutes, type SipSettings, type SwitchRoutesOptions } from './switch/index.js';
