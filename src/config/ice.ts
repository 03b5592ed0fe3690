/**
 * HOTLINE_WEBRTC_ICE_SERVERS: the RTCIceServer list (W3C WebRTC §4.2.1) handed to the browser phone.
 * Checked at start so a typo fails loudly instead of silently breaking calls through NAT.
 */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

const SCHEMES = /^(stun|stuns|turn|turns):/i;

/** The parsed list, or the problem with it. */
export function parseIceServers(text: string): { ok: true; value: IceServer[] } | { ok: false; problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'expected JSON' };
  }
  if (!Array.isArray(raw)) return { ok: false, problem: 'expected a JSON array of {urls, username?, credential?}' };
  const out: IceServer[] = [];
  for (const [i, item] of raw.entries()) {
    const at = `item ${i}`;
    if (!item || typeof item !== 'object' || Array.isArray(item)) return { ok: false, problem: `${at}: expected an object` };
    const { urls, username, credential, ...rest } = item as Record<string, unknown>;
    if (Object.keys(rest).length) return { ok: false, problem: `${at}: unknown field ${Object.keys(rest)[0]}` };
    const list = typeof urls === 'string' ? [urls] : Array.isArray(urls) ? urls : null;
    if (!list?.length || !list.every((u) => typeof u === 'string' && SCHEMES.test(u))) {
      return { ok: false, problem: `${at}: urls must be stun:, stuns:, turn: or turns: URLs` };
    }
    if (username !== undefined && typeof username !== 'string') return { ok: false, problem: `${at}: username must be text` };
    if (credential !== undefined && typeof credential !== 'string') return { ok: false, problem: `${at}: credential must be text` };
    // RFC 8489/8656: TURN needs credentials; STUN servers take none.
    if (list.some((u) => /^turns?:/i.test(u as string)) && (username === undefined || credential === undefined)) {
      return { ok: false, problem: `${at}: a TURN server needs username and credential` };
    }
    out.push({ urls: urls as string | string[], ...(username !== undefined ? { username } : {}), ...(credential !== undefined ? { credential } : {}) });
  }
  return { ok: true, value: out };
}

/** The configured ICE servers (loadConfig has already refused a bad value). */
export function iceServersOf(config: { webrtcIceServers: string }): IceServer[] {
  const parsed = parseIceServers(config.webrtcIceServers);
  return parsed.ok ? parsed.value : [];
}
