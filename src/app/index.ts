export { buildApp, type App, type AppDeps } from './build.js';
export { seedDemo, DEMO_TENANT, DEMO_USERS, type DemoOutcome } from './demo.js';
export { VERSION, PROJECT_ROOT } from './version.js';
