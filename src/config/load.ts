import { readFileSync } from 'node:fs';
import { parseIceServers } from './ice.js';
import { SETTINGS, type Config, type Setting } from './schema.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  env?: Record<string, string | undefined>;
  /** Values from code (tests, the demo command); they win over env and file. */
  overrides?: Partial<Record<keyof Config, unknown>>;
}

const FILE_ENV = 'HOTLINE_CONFIG_FILE';

function coerce(setting: Setting, raw: unknown, from: string, problems: string[]): unknown {
  if (raw === null || raw === undefined || raw === '') return setting.default;
  const bad = (why: string) => {
    problems.push(`${from}: ${why}`);
    return undefined;
  };
  switch (setting.type) {
    case 'int': {
      const n = typeof raw === 'number' ? raw : /^-?\d+$/.test(String(raw).trim()) ? Number(String(raw).trim()) : NaN;
      if (!Number.isSafeInteger(n)) return bad(`expected a whole number, got ${JSON.stringify(raw)}`);
      if (setting.min !== undefined && n < setting.min) return bad(`must be at least ${setting.min}`);
      if (setting.max !== undefined && n > setting.max) return bad(`must be at most ${setting.max}`);
      return n;
    }
    case 'bool': {
      const v = String(raw).toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      return bad(`expected true or false, got ${JSON.stringify(raw)}`);
    }
    case 'enum': {
      const v = String(raw);
      if (!setting.values!.includes(v)) return bad(`expected one of ${setting.values!.join(', ')}, got ${JSON.stringify(raw)}`);
      return v;
    }
    case 'url': {
      const v = String(raw);
      try {
        new URL(v);
      } catch {
        return bad(`expected a URL, got ${setting.sensitive ? 'an unreadable value' : JSON.stringify(raw)}`);
      }
      return v;
    }
    case 'json': {
      // From a file the value may be JSON itself rather than text holding JSON.
      if (typeof raw !== 'string') return JSON.stringify(raw);
      try {
        JSON.parse(raw);
      } catch {
        return bad('expected JSON');
      }
      return raw;
    }
    default:
      if (typeof raw !== 'string') return bad(`expected text, got ${typeof raw}`);
      return raw;
  }
}

/**
 * Reads the configuration from HOTLINE_* variables and the optional JSON file named by
 * HOTLINE_CONFIG_FILE (keys as in the schema), checks all of it, and throws one
 * ConfigError listing every problem. The result is frozen.
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  const problems: string[] = [];
  let file: Record<string, unknown> = {};
  const filePath = env[FILE_ENV];
  if (filePath) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(filePath, 'utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) problems.push(`${filePath}: expected a JSON object`);
      else file = parsed as Record<string, unknown>;
    } catch (e) {
      problems.push(`${filePath}: ${(e as Error).message}`);
    }
  }
  const known = new Set<string>(SETTINGS.map((x) => x.env));
  known.add(FILE_ENV);
  for (const name of Object.keys(env)) {
    if (name.startsWith('HOTLINE_') && !known.has(name)) problems.push(`${name}: unknown setting`);
  }
  const keys = new Set<string>(SETTINGS.map((x) => x.key));
  for (const k of Object.keys(file)) if (!keys.has(k)) problems.push(`${filePath}: unknown setting "${k}"`);

  const out: Record<string, unknown> = {};
  for (const setting of SETTINGS as readonly Setting[]) {
    const override = sources.overrides?.[setting.key as keyof Config];
    if (override !== undefined) out[setting.key] = coerce(setting, override, setting.key, problems);
    else if (env[setting.env] !== undefined && env[setting.env] !== '') out[setting.key] = coerce(setting, env[setting.env], setting.env, problems);
    else out[setting.key] = coerce(setting, file[setting.key], `${filePath}: ${setting.key}`, problems);
  }
  if (out.adminPassword && String(out.adminPassword).length < 10) problems.push('HOTLINE_ADMIN_PASSWORD: must be at least 10 characters');
  if (out.adminPassword && !out.adminEmail) problems.push('HOTLINE_ADMIN_PASSWORD: set HOTLINE_ADMIN_EMAIL too');
  if (out.databaseUrl && !/^postgres(ql)?:\/\//.test(String(out.databaseUrl))) problems.push('HOTLINE_DATABASE_URL: only postgres:// URLs are supported');
  if (Number(out.rtpPortMin) + 3 > Number(out.rtpPortMax)) problems.push('HOTLINE_RTP_PORT_MAX: must be at least HOTLINE_RTP_PORT_MIN + 3 (a call needs two RTP/RTCP port pairs)');
  if (Boolean(out.sipTlsCert) !== Boolean(out.sipTlsKey)) problems.push('HOTLINE_SIP_TLS_CERT and HOTLINE_SIP_TLS_KEY: set both or neither');
  const algs = String(out.sipDigestAlgorithms ?? '').split(',').map((a) => a.trim().toUpperCase());
  if (!algs.length || algs.some((a) => !['MD5', 'SHA-256', 'SHA-512-256'].includes(a)) || new Set(algs).size !== algs.length) {
    problems.push('HOTLINE_SIP_DIGEST_ALGORITHMS: a comma-separated list of distinct MD5, SHA-256, SHA-512-256');
  }
  if (out.webrtcIceServers !== undefined) {
    const ice = parseIceServers(String(out.webrtcIceServers));
    if (!ice.ok) problems.push(`HOTLINE_WEBRTC_ICE_SERVERS: ${ice.problem}`);
  }
  if (Number(out.sipMinExpires) > Number(out.sipMaxExpires)) problems.push('HOTLINE_SIP_MIN_EXPIRES: must not exceed HOTLINE_SIP_MAX_EXPIRES');
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze(out) as Config;
}

/** The configuration with sensitive values masked, for logs and `hotline doctor`. */
export function describeConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const setting of SETTINGS as readonly Setting[]) {
    const v = (config as Record<string, unknown>)[setting.key];
    out[setting.key] = setting.sensitive && v ? '********' : v;
  }
  return out;
}
