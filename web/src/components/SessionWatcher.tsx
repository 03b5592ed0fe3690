import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { onUnauthorized } from '../api/client';
import { queryKeys } from '../api/queryKeys';

/** Any 401 from the API (outside sign-in itself) ends the local session, which shows the sign-in page. */
export function SessionWatcher() {
  const qc = useQueryClient();
  useEffect(() => {
    onUnauthorized((path) => {
      if (path.startsWith('/auth/signin') || path.startsWith('/auth/me') || path.startsWith('/setup')) return;
      if (qc.getQueryData(queryKeys.me)) qc.setQueryData(queryKeys.me, null);
    });
    return () => onUnauthorized(null);
  }, [qc]);
  return null;
}
