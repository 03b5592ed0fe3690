import { useQuery } from '@tanstack/react-query';
import { api } from './client';
import { queryKeys } from './queryKeys';

/** GET /api/v1/me/phone: what the browser phone registers with (404 SEAT_NOT_FOUND without a seat). */
export interface MyPhone {
  seatId: string;
  number: string;
  /** sip:1001@domain */
  uri: string;
  displayName: string;
  /** Same-origin path of the SIP WebSocket, e.g. /sip */
  webSocketPath: string;
  iceServers: RTCIceServer[];
}

export function useMyPhone(enabled = true) {
  return useQuery({
    queryKey: queryKeys.myPhone,
    queryFn: ({ signal }) => api<MyPhone>('/me/phone', { signal }),
    enabled,
    staleTime: 5 * 60_000,
  });
}

/** ws: or wss: as the page, same host. */
export function sipWebSocketUrl(path: string, loc: Location = window.location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${path}`;
}
