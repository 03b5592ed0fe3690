/**
 * The one configuration schema. Every setting has a type, a default, a description
 * and a sensitive flag; docs/configuration.md is generated from this table
 * (`npm run docs:config`) and a test keeps the two equal.
 */
export type SettingType = 'string' | 'int' | 'bool' | 'enum' | 'url';

export interface Setting {
  key: string;
  env: string;
  type: SettingType;
  default: string | number | boolean | null;
  description: string;
  sensitive?: boolean;
  values?: readonly string[];
  min?: number;
  max?: number;
}

const s = <const K extends string, const S extends Omit<Setting, 'key'>>(key: K, setting: S) => ({ key, ...setting });

export const SETTINGS = [
  s('dataDir', {
    env: 'HOTLINE_DATA_DIR',
    type: 'string',
    default: './data',
    description: 'Folder for the embedded SQLite database, recordings and other files.',
  }),
  s('httpHost', {
    env: 'HOTLINE_HTTP_HOST',
    type: 'string',
    default: '0.0.0.0',
    description: 'Address the HTTP server (web app, API, WebSocket) listens on.',
  }),
  s('httpPort', {
    env: 'HOTLINE_HTTP_PORT',
    type: 'int',
    default: 8080,
    min: 0,
    max: 65535,
    description: 'Port of the HTTP server; 0 picks a free port.',
  }),
  s('publicUrl', {
    env: 'HOTLINE_PUBLIC_URL',
    type: 'url',
    default: null,
    description: 'The address people use to reach Hotline (e.g. https://cc.example.com); used in printed links. Defaults to http://localhost:<port>.',
  }),
  s('databaseUrl', {
    env: 'HOTLINE_DATABASE_URL',
    type: 'url',
    default: null,
    sensitive: true,
    description: 'postgres://user:pass@host:5432/db to use PostgreSQL; empty uses the embedded SQLite file in the data folder.',
  }),
  s('logLevel', {
    env: 'HOTLINE_LOG_LEVEL',
    type: 'enum',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    description: 'Log verbosity.',
  }),
  s('adminEmail', {
    env: 'HOTLINE_ADMIN_EMAIL',
    type: 'string',
    default: null,
    description: 'On first start with an empty database, create the owner with this e-mail (with HOTLINE_ADMIN_PASSWORD). Otherwise a one-time setup link is printed.',
  }),
  s('adminPassword', {
    env: 'HOTLINE_ADMIN_PASSWORD',
    type: 'string',
    default: null,
    sensitive: true,
    description: 'Password of the owner created on first start (at least 10 characters).',
  }),
  s('tenantName', {
    env: 'HOTLINE_TENANT_NAME',
    type: 'string',
    default: 'Hotline',
    description: 'Name of the first tenant created on first start.',
  }),
  s('defaultRegion', {
    env: 'HOTLINE_DEFAULT_REGION',
    type: 'string',
    default: 'US',
    description: 'ISO 3166 country code of the first tenant, used to read phone numbers written without a country code.',
  }),
  s('demoPassword', {
    env: 'HOTLINE_DEMO_PASSWORD',
    type: 'string',
    default: null,
    sensitive: true,
    description: 'Password of every demo user (`hotline demo`); generated and printed once when unset.',
  }),
  s('sessionIdleMinutes', {
    env: 'HOTLINE_SESSION_IDLE_MINUTES',
    type: 'int',
    default: 720,
    min: 1,
    max: 100000,
    description: 'A signed-in session that is not used for this long ends.',
  }),
  s('sessionMaxHours', {
    env: 'HOTLINE_SESSION_MAX_HOURS',
    type: 'int',
    default: 168,
    min: 1,
    max: 100000,
    description: 'A signed-in session ends this long after sign-in, however much it is used.',
  }),
  s('cookieSecure', {
    env: 'HOTLINE_COOKIE_SECURE',
    type: 'enum',
    values: ['auto', 'true', 'false'],
    default: 'auto',
    description: 'Mark the session cookie Secure; auto does so when the public URL is https.',
  }),
  s('signinMaxFailures', {
    env: 'HOTLINE_SIGNIN_MAX_FAILURES',
    type: 'int',
    default: 5,
    min: 1,
    max: 1000,
    description: 'Failed sign-ins allowed per account, and 4 times this per IP address, within the window before sign-in is refused.',
  }),
  s('signinWindowSeconds', {
    env: 'HOTLINE_SIGNIN_WINDOW_SECONDS',
    type: 'int',
    default: 900,
    min: 1,
    max: 86400,
    description: 'Window over which failed sign-ins are counted, and how long a throttled account or IP waits.',
  }),
  s('bodyLimitBytes', {
    env: 'HOTLINE_BODY_LIMIT_BYTES',
    type: 'int',
    default: 1048576,
    min: 1024,
    max: 1073741824,
    description: 'Largest JSON request body accepted.',
  }),
  s('importLimitBytes', {
    env: 'HOTLINE_IMPORT_LIMIT_BYTES',
    type: 'int',
    default: 104857600,
    min: 1024,
    max: 4294967296,
    description: 'Largest CSV file accepted by contact import.',
  }),
] as const satisfies readonly Setting[];

type SettingOf<K> = Extract<(typeof SETTINGS)[number], { key: K }>;
type ValueOf<S> = S extends { type: 'int' }
  ? number
  : S extends { type: 'bool' }
    ? boolean
    : S extends { default: null }
      ? string | null
      : string;

export type Config = {
  readonly [K in (typeof SETTINGS)[number]['key']]: ValueOf<SettingOf<K>>;
};
