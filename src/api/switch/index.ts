export { switchRoutes, type SipSettings, type SwitchRoutesOptions } from './routes.js';
