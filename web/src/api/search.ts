import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from './client';
import { queryKeys } from './queryKeys';
import type { SearchHit } from './types';

/** GET /api/v1/search?q=…&limit=20 */
export function useQuickSearch(q: string) {
  const term = q.trim();
  return useQuery({
    queryKey: queryKeys.search(term),
    queryFn: ({ signal }) => api<{ items: SearchHit[] }>('/search', { query: { q: term, limit: 20 }, signal }),
    enabled: term.length > 0,
    placeholderData: keepPreviousData,
    staleTime: 10_000,
  });
}
