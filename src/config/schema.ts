/**
 * The one configuration schema. Every setting has a type, a default, a description
 * and a sensitive flag; docs/configuration.md is generated from this table
 * (`npm run docs:config`) and a test keeps the two equal.
 */
/** `json`: JSON text (a file may give the value itself); checked by `load.ts`. */
export type SettingType = 'string' | 'int' | 'bool' | 'enum' | 'url' | 'json';

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
  s('sipEnabled', {
    env: 'HOTLINE_SIP_ENABLED',
    type: 'bool',
    default: true,
    description: 'Run the SIP server (registrar and calls between seats).',
  }),
  s('sipHost', {
    env: 'HOTLINE_SIP_HOST',
    type: 'string',
    default: '0.0.0.0',
    description: 'Address the SIP server listens on (UDP, TCP and TLS).',
  }),
  s('sipPort', {
    env: 'HOTLINE_SIP_PORT',
    type: 'int',
    default: 5060,
    min: 0,
    max: 65535,
    description: 'SIP port for UDP and TCP; 0 picks a free port.',
  }),
  s('sipTlsPort', {
    env: 'HOTLINE_SIP_TLS_PORT',
    type: 'int',
    default: 5061,
    min: 0,
    max: 65535,
    description: 'SIP over TLS port, used when a certificate and key are configured.',
  }),
  s('sipTlsCert', {
    env: 'HOTLINE_SIP_TLS_CERT',
    type: 'string',
    default: null,
    description: 'Path of the PEM certificate (chain) for SIP over TLS; empty disables TLS.',
  }),
  s('sipTlsKey', {
    env: 'HOTLINE_SIP_TLS_KEY',
    type: 'string',
    default: null,
    sensitive: true,
    description: 'Path of the PEM private key for SIP over TLS.',
  }),
  s('sipPublicAddress', {
    env: 'HOTLINE_SIP_PUBLIC_ADDRESS',
    type: 'string',
    default: null,
    description: 'Host name or IP phones use to reach this server, written into Via, Contact and SDP; empty uses the first non-internal IPv4 address.',
  }),
  s('sipDefaultTenant', {
    env: 'HOTLINE_SIP_DEFAULT_TENANT',
    type: 'string',
    default: null,
    description: 'Slug of the tenant that answers SIP requests addressed to an IP or an unknown domain; empty means the first tenant created.',
  }),
  s('sipDigestAlgorithms', {
    env: 'HOTLINE_SIP_DIGEST_ALGORITHMS',
    type: 'string',
    default: 'MD5',
    description:
      'Digest algorithms offered in SIP challenges, most preferred first (MD5, SHA-256, SHA-512-256; RFC 8760), e.g. SHA-256,MD5. Only MD5 by default: baresip 1.0 refuses a challenge set that names an algorithm it lacks, and SIPp and many desk phones read only the first challenge. Seats keep digests for all three, so changing this needs no password reset.',
  }),
  s('sipMinExpires', {
    env: 'HOTLINE_SIP_MIN_EXPIRES',
    type: 'int',
    default: 60,
    min: 1,
    max: 3600,
    description: 'Shortest registration accepted; shorter ones are answered 423 Interval Too Brief (RFC 3261 §10.3).',
  }),
  s('sipMaxExpires', {
    env: 'HOTLINE_SIP_MAX_EXPIRES',
    type: 'int',
    default: 3600,
    min: 60,
    max: 86400,
    description: 'Longest registration granted; longer requests are shortened to this.',
  }),
  s('sipBanFailures', {
    env: 'HOTLINE_SIP_BAN_FAILURES',
    type: 'int',
    default: 5,
    min: 1,
    max: 1000,
    description: 'Failed SIP authentications from one IP, within the ban window, that get the IP ignored.',
  }),
  s('sipBanWindowSeconds', {
    env: 'HOTLINE_SIP_BAN_WINDOW_SECONDS',
    type: 'int',
    default: 60,
    min: 1,
    max: 86400,
    description: 'Window over which failed SIP authentications are counted.',
  }),
  s('sipBanMinutes', {
    env: 'HOTLINE_SIP_BAN_MINUTES',
    type: 'int',
    default: 15,
    min: 0,
    max: 10080,
    description: 'How long a banned IP is ignored; 0 disables banning.',
  }),
  s('sipRateLimit', {
    env: 'HOTLINE_SIP_RATE_LIMIT',
    type: 'int',
    default: 200,
    min: 0,
    max: 1000000,
    description: 'SIP messages per second accepted from one IP (bursts up to twice that); 0 disables the limit.',
  }),
  s('sipTrustedAddresses', {
    env: 'HOTLINE_SIP_TRUSTED_ADDRESSES',
    type: 'string',
    default: '127.0.0.1,::1',
    description: 'Comma-separated IPs exempt from the SIP rate limit (load balancers, test tools); bans still apply.',
  }),
  s('sipMaxConnections', {
    env: 'HOTLINE_SIP_MAX_CONNECTIONS',
    type: 'int',
    default: 10000,
    min: 1,
    max: 1000000,
    description: 'Open SIP TCP, TLS and WebSocket connections at most (each phone registered over a stream holds one); keep it below the process file limit (ulimit -n).',
  }),
  s('webrtcHost', {
    env: 'HOTLINE_WEBRTC_HOST',
    type: 'string',
    default: '',
    description:
      'Local IP address the browser phone\'s media (ICE host candidate) uses. Browsers ignore loopback, so this must be an interface address they can reach; empty picks HOTLINE_SIP_PUBLIC_ADDRESS when it is an address of this machine, else the first non-loopback IPv4 address.',
  }),
  s('conferenceRooms', {
    env: 'HOTLINE_CONFERENCE_ROOMS',
    type: 'string',
    default: '8000-8099',
    description: 'Numbers callers dial to join a conference room (a range like 8000-8099, or a comma-separated list); empty disables rooms. A seat with the same number wins.',
  }),
  s('toneRegion', {
    env: 'HOTLINE_TONE_REGION',
    type: 'enum',
    values: ['us', 'uk', 'eu', 'cn', 'hk', 'tw', 'jp'],
    default: 'us',
    description: 'Cadence of the call-progress tones Hotline plays (ringback to a browser that dials out), after ITU-T E.180: us, uk, eu (425 Hz), cn, hk, tw, jp.',
  }),
  s('holdMusic', {
    env: 'HOTLINE_HOLD_MUSIC',
    type: 'string',
    default: '',
    description: 'WAV file played to a party the other side holds (any common rate and format). Empty: the music that ships in assets/prompts.',
  }),
  s('webrtcIceServers', {
    env: 'HOTLINE_WEBRTC_ICE_SERVERS',
    type: 'json',
    default: '[]',
    sensitive: true,
    description:
      'ICE servers the web app\'s phone uses, as a JSON array of RTCIceServer objects, e.g. [{"urls":"stun:stun.example.com:3478"},{"urls":"turn:turn.example.com","username":"u","credential":"p"}]. Empty: host candidates only (enough on a LAN). Every signed-in user with a seat receives it.',
  }),
  s('rtpPortMin', {
    env: 'HOTLINE_RTP_PORT_MIN',
    type: 'int',
    default: 20000,
    min: 1024,
    max: 65534,
    description: 'Lowest UDP port for RTP media.',
  }),
  s('rtpPortMax', {
    env: 'HOTLINE_RTP_PORT_MAX',
    type: 'int',
    default: 29999,
    min: 1025,
    max: 65535,
    description: 'Highest UDP port for RTP media.',
  }),
  s('mediaWorkers', {
    env: 'HOTLINE_MEDIA_WORKERS',
    type: 'int',
    default: 0,
    min: 0,
    max: 64,
    description: 'Worker threads that carry media (calls are spread over them); 0 = one per CPU core.',
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
