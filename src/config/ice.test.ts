import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseIceServers } from './index.js';

describe('HOTLINE_WEBRTC_ICE_SERVERS', () => {
  it('defaults to no ICE servers', () => {
    expect(parseIceServers(loadConfig({ env: {} }).webrtcIceServers)).toEqual({ ok: true, value: [] });
  });

  it('takes STUN and TURN servers, from the environment or as JSON in the config file', () => {
    const list = [{ urls: 'stun:stun.example.com:3478' }, { urls: ['turn:turn.example.com', 'turns:turn.example.com:443'], username: 'u', credential: 'p' }];
    const c = loadConfig({ env: { HOTLINE_WEBRTC_ICE_SERVERS: JSON.stringify(list) } });
    expect(parseIceServers(c.webrtcIceServers)).toEqual({ ok: true, value: list });
    const fromFile = loadConfig({ env: {}, overrides: { webrtcIceServers: list } });
    expect(parseIceServers(fromFile.webrtcIceServers)).toEqual({ ok: true, value: list });
  });

  it('refuses what a browser would reject', () => {
    for (const bad of ['not json', '{"urls":"stun:x"}', '[{"urls":"http://x"}]', '[{"urls":"turn:x"}]', '[{"urls":"stun:x","extra":1}]']) {
      expect(() => loadConfig({ env: { HOTLINE_WEBRTC_ICE_SERVERS: bad } }), bad).toThrow(ConfigError);
    }
  });
});
