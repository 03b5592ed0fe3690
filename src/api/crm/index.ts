/** CRM HTTP routes: `app.register(crmRoutes(service), { prefix: '/api/v1' })`. */
export { crmRoutes, PATHS, DELETE_ROLE } from './routes.js';
