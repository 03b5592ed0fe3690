/**
 * WebSocket connections opened by a signed-in user's browser (the web app's phone): the HTTP
 * upgrade carried the user's session, so the connection speaks for that user's seat without a
 * digest password in the page. Connections without a session are not listed here and keep digest.
 */
import { normalizeAddress, type SipWebSocket } from '../../sip/index.js';
import type { Flow } from '../dialog/dialog.js';

/** Who opened a WebSocket: the session's user, and a re-check that the session still holds. */
export interface WebSocketOwner {
  tenantId: string;
  userId: string;
  /** False once the session has ended (signed out, expired, user disabled). */
  active(): Promise<boolean>;
}

interface Entry {
  ws: SipWebSocket;
  owner: WebSocketOwner;
}

/** RFC 6455 §7.4.2 private-use code, as on /api/v1/events: the session behind the socket ended. */
export const WS_SESSION_ENDED = 4401;

export class WebSocketOwners {
  // Keyed by the HTTP peer's address and port, which is how a request's flow names its
  // WebSocket: all of them arrive on the one HTTP listener, so no two open ones share the pair.
  private readonly byPeer = new Map<string, Entry>();

  private static key(transport: string, address: string, port: number): string {
    return `${transport}:${normalizeAddress(address)}:${port}`;
  }

  /** Record (or, with no owner, forget) who opened the socket; call before the transport adopts it. */
  bind(ws: SipWebSocket, remote: { address: string; port: number }, secure: boolean, owner: WebSocketOwner | null): void {
    const key = WebSocketOwners.key(secure ? 'wss' : 'ws', remote.address, remote.port);
    if (!owner) {
      this.byPeer.delete(key);
      return;
    }
    const entry: Entry = { ws, owner };
    this.byPeer.set(key, entry);
    ws.on('close', () => {
      if (this.byPeer.get(key) === entry) this.byPeer.delete(key);
    });
  }

  /** The owner of the WebSocket a request came on, if it was opened with a session. */
  of(flow: Flow): WebSocketOwner | null {
    if (flow.transport !== 'ws' && flow.transport !== 'wss') return null;
    return this.byPeer.get(WebSocketOwners.key(flow.transport, flow.address, flow.port))?.owner ?? null;
  }

  /** Close the socket a request came on (its session ended). */
  close(flow: Flow, code: number, reason: string): void {
    const entry = this.byPeer.get(WebSocketOwners.key(flow.transport, flow.address, flow.port));
    if (!entry) return;
    this.byPeer.delete(WebSocketOwners.key(flow.transport, flow.address, flow.port));
    try {
      entry.ws.close(code, reason);
    } catch {
      entry.ws.terminate();
    }
  }

  /**
   * Drop every socket a user's browsers opened (no close frame, as a network failure looks to
   * the browser): an operator's "disconnect this user's phone", and how tests cut the network.
   */
  disconnect(tenantId: string, userId: string): number {
    let n = 0;
    for (const [key, entry] of this.byPeer) {
      if (entry.owner.tenantId !== tenantId || entry.owner.userId !== userId) continue;
      this.byPeer.delete(key);
      entry.ws.terminate();
      n += 1;
    }
    return n;
  }
}
