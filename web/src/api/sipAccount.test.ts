import { describe, expect, it } from 'vitest';
import { hostPort, microSipAccount, pickPhoneTransport } from './sipAccount';
import type { SipSettings } from './types';

describe('SIP account helpers', () => {
  it('leaves out default ports and brackets IPv6 hosts', () => {
    expect(hostPort('192.168.1.5', 5060, 'udp')).toBe('192.168.1.5');
    expect(hostPort('192.168.1.5', 5070, 'udp')).toBe('192.168.1.5:5070');
    expect(hostPort('pbx.example.com', 5061, 'tls')).toBe('pbx.example.com');
    expect(hostPort('pbx.example.com', 5060, 'tls')).toBe('pbx.example.com:5060');
    expect(hostPort('fe80::1', 5080, 'udp')).toBe('[fe80::1]:5080');
    expect(hostPort('192.168.1.5', 5060, 'udp', true)).toBe('192.168.1.5:5060');
  });

  it('prefers UDP, then TCP, then TLS, never WebSocket', () => {
    const all: SipSettings = {
      domain: 'd',
      realm: 'd',
      transports: [
        { transport: 'wss', host: 'h', port: 443, url: 'wss://h/sip' },
        { transport: 'tls', host: 'h', port: 5061 },
        { transport: 'udp', host: 'h', port: 5060 },
      ],
    };
    expect(pickPhoneTransport(all)?.transport).toBe('udp');
    expect(pickPhoneTransport({ ...all, transports: all.transports.filter((t) => t.transport !== 'udp') })?.transport).toBe('tls');
    expect(pickPhoneTransport({ ...all, transports: [all.transports[0]!] })).toBeUndefined();
  });

  it('fills in MicroSIP account fields', () => {
    const settings: SipSettings = {
      domain: '192.168.1.5',
      realm: 'hotline',
      transports: [
        { transport: 'tcp', host: '192.168.1.5', port: 5080 },
        { transport: 'udp', host: '192.168.1.5', port: 5080 },
      ],
    };
    expect(microSipAccount('1001', settings)).toEqual({
      sipServer: '192.168.1.5:5080',
      sipProxy: '',
      username: '1001',
      domain: '192.168.1.5',
      transport: 'UDP',
    });
    expect(microSipAccount('1001', { ...settings, transports: [] })).toMatchObject({ sipServer: '192.168.1.5', transport: null });
  });
});
