import { type ReactNode, useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { LiveEventSocket, LiveEventsContext } from '../api/events';
import { queryKeys } from '../api/queryKeys';
import { toRecordType } from '../api/recordTypes';
import { applySeatEventToCache } from '../api/seats';

/** record.* per record; records.imported ({type:'contact', count}) once per imported chunk instead of record.created per row. */
const RECORD_EVENTS = new Set(['record.created', 'record.updated', 'record.deleted', 'records.imported']);

/**
 * Owns the one WebSocket to /api/v1/events while signed in. record.* and records.imported events
 * invalidate the record type's queries (lists, details, timelines) and quick search results.
 * seat.* events update the cached seat list and "my seat" in place (live registration status); after
 * a reconnect the seat queries are refetched, since registrations may have changed meanwhile.
 */
export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const [socket] = useState(() => new LiveEventSocket(() => void qc.invalidateQueries({ queryKey: queryKeys.me })));

  useEffect(() => {
    const unsubscribe = socket.subscribe((event) => {
      if (applySeatEventToCache(qc, event)) return;
      if (!RECORD_EVENTS.has(event.type)) return;
      const data = (event.data ?? {}) as { type?: unknown; id?: unknown };
      const type = toRecordType(data.type);
      if (!type) return;
      if (event.type === 'records.imported') {
        // new records only: lists of that type (existing details and timelines are unchanged)
        void qc.invalidateQueries({ queryKey: [...queryKeys.records(type), 'list'] });
      } else {
        // lists, details (a deleted record's page then shows "not found") and timelines of that type
        void qc.invalidateQueries({ queryKey: queryKeys.records(type) });
      }
      // names and phones in quick search results may have changed
      void qc.invalidateQueries({ queryKey: ['search'] });
    });
    let wasOpen = false;
    const unsubscribeStatus = socket.onStatus((status) => {
      if (status !== 'open') return;
      if (wasOpen) void qc.invalidateQueries({ queryKey: queryKeys.seats });
      wasOpen = true;
    });
    socket.start();
    return () => {
      unsubscribe();
      unsubscribeStatus();
      socket.stop();
    };
  }, [socket, qc]);

  return <LiveEventsContext.Provider value={socket}>{children}</LiveEventsContext.Provider>;
}
