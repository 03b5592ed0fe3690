import type { SipSettings, SipTransport, SipTransportSetting } from './types';

/** Well-known ports: a phone needs no ":port" when the server listens on these. */
export const DEFAULT_SIP_PORTS: Record<SipTransport, number> = { udp: 5060, tcp: 5060, tls: 5061, ws: 80, wss: 443 };

/** Desk phones and softphones such as MicroSIP speak these, in order of preference (not WebSocket). */
const PHONE_TRANSPORTS: SipTransport[] = ['udp', 'tcp', 'tls'];

/** "host" or "host:port" (IPv6 hosts in brackets), the port left out when it is the transport's default. */
export function hostPort(host: string, port: number, transport: SipTransport, always = false): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return always || port !== DEFAULT_SIP_PORTS[transport] ? `${h}:${port}` : h;
}

/** The transport a softphone should use: UDP if offered, else TCP, else TLS. */
export function pickPhoneTransport(settings: SipSettings): SipTransportSetting | undefined {
  for (const transport of PHONE_TRANSPORTS) {
    const found = settings.transports.find((t) => t.transport === transport);
    if (found) return found;
  }
  return undefined;
}

/** The fields of MicroSIP's "Account" dialog (other softphones name them alike). */
export interface MicroSipAccount {
  /** "SIP Server": where REGISTER and calls go */
  sipServer: string;
  /** "SIP Proxy": left empty (the server is its own proxy) */
  sipProxy: string;
  username: string;
  domain: string;
  /** "Transport": UDP, TCP or TLS; null when the server offers none a softphone speaks */
  transport: string | null;
}

export function microSipAccount(number: string, settings: SipSettings): MicroSipAccount {
  const picked = pickPhoneTransport(settings);
  return {
    sipServer: picked ? hostPort(picked.host, picked.port, picked.transport) : settings.domain,
    sipProxy: '',
    username: number,
    domain: settings.domain,
    transport: picked ? picked.transport.toUpperCase() : null,
  };
}
