import { createContext, useContext, useEffect, useLayoutEffect, useRef } from 'react';
import type { LiveEvent } from './types';

export type LiveStatus = 'connecting' | 'open' | 'closed';
type Listener = (event: LiveEvent) => void;
type StatusListener = (status: LiveStatus) => void;

export function eventsUrl(loc: Location = window.location): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/api/v1/events`;
}

/**
 * One WebSocket to /api/v1/events with reconnect (exponential backoff 1 s … 30 s, jittered).
 * Messages are JSON {type, at, data}; listeners get every parsed message.
 */
export class LiveEventSocket {
  private ws: WebSocket | null = null;
  private listeners = new Set<Listener>();
  private statusListeners = new Set<StatusListener>();
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pinger: ReturnType<typeof setInterval> | null = null;
  private stopped = true;
  status: LiveStatus = 'closed';

  /**
   * `onAuthClose` runs when the server closes the socket because the session ended (code 4401),
   * so the app can re-check the session; reconnecting continues with backoff meanwhile.
   */
  constructor(
    private readonly onAuthClose: () => void = () => undefined,
    private readonly url: () => string = () => eventsUrl(),
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.stopPing();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.close();
    }
    this.setStatus('closed');
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatus(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private setStatus(status: LiveStatus): void {
    this.status = status;
    for (const l of this.statusListeners) l(status);
  }

  private connect(): void {
    if (this.stopped) return;
    this.setStatus('connecting');
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.setStatus('open');
      // keeps proxies from closing an idle socket; the server answers {"type":"pong"}
      this.stopPing();
      this.pinger = setInterval(() => {
        if (ws.readyState === WebSocket.OPEN) ws.send('ping');
      }, 30_000);
    };
    ws.onmessage = (msg) => {
      if (typeof msg.data !== 'string') return;
      let event: LiveEvent;
      try {
        event = JSON.parse(msg.data) as LiveEvent;
      } catch {
        return;
      }
      if (!event || typeof event.type !== 'string') return;
      for (const l of this.listeners) {
        try {
          l(event);
        } catch (err) {
          console.error('live event listener failed', err);
        }
      }
    };
    ws.onclose = (ev) => {
      if (this.ws === ws) this.ws = null;
      this.stopPing();
      this.setStatus('closed');
      if (ev.code === 4401) this.onAuthClose();
      this.scheduleReconnect();
    };
    ws.onerror = () => {
      // onclose follows and schedules the reconnect
    };
  }

  private stopPing(): void {
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = null;
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.timer) return;
    const base = Math.min(30_000, 1000 * 2 ** this.attempt);
    this.attempt += 1;
    const delay = base / 2 + Math.random() * (base / 2);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }
}

export const LiveEventsContext = createContext<LiveEventSocket | null>(null);

/** Calls `handler` for each live event of the given type(s) while the component is mounted. */
export function useLiveEvent(types: string | string[], handler: (event: LiveEvent) => void): void {
  const socket = useContext(LiveEventsContext);
  const ref = useRef(handler);
  useLayoutEffect(() => {
    ref.current = handler;
  });
  const key = Array.isArray(types) ? types.join('|') : types;
  useEffect(() => {
    if (!socket) return undefined;
    const wanted = new Set(key.split('|'));
    return socket.subscribe((event) => {
      if (wanted.has(event.type)) ref.current(event);
    });
  }, [socket, key]);
}
