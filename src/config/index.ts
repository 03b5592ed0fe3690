export { SETTINGS, type Config, type Setting } from './schema.js';
export { loadConfig, describeConfig, ConfigError, type ConfigSources } from './load.js';
export { renderConfigDocs } from './docs.js';
export { iceServersOf, parseIceServers, type IceServer } from './ice.js';
