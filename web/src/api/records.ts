import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client';
import { queryKeys } from './queryKeys';
import type { RecordTypeKey } from './recordTypes';
import type { BaseRecord, Page, TimelineItem } from './types';

export const PAGE_SIZE = 50;

/** GET /api/v1/<type>?limit=50&cursor=…&q=…&<filters> with "load more" pages. */
export function useRecordList<T extends BaseRecord = BaseRecord>(
  type: RecordTypeKey,
  params: Record<string, string>,
  limit = PAGE_SIZE,
) {
  return useInfiniteQuery({
    queryKey: queryKeys.list(type, { ...params, limit: String(limit) }),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api<Page<T>>(`/${type}`, { query: { limit, cursor: pageParam, ...params }, signal }),
    getNextPageParam: (last) => last.nextCursor ?? null,
  });
}

export function useRecord<T extends BaseRecord = BaseRecord>(type: RecordTypeKey, id: string | null | undefined) {
  return useQuery({
    queryKey: queryKeys.detail(type, id ?? ''),
    queryFn: ({ signal }) => api<T>(`/${type}/${encodeURIComponent(id ?? '')}`, { signal }),
    enabled: Boolean(id),
  });
}

export function useCreateRecord<T extends BaseRecord = BaseRecord>(type: RecordTypeKey) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Record<string, unknown>) => api<T>(`/${type}`, { method: 'POST', body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.records(type) }),
  });
}

export function useUpdateRecord<T extends BaseRecord = BaseRecord>(type: RecordTypeKey, id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<T>(`/${type}/${encodeURIComponent(id)}`, { method: 'PATCH', body }),
    onSuccess: (record) => {
      if (record && typeof record === 'object' && 'id' in record) qc.setQueryData(queryKeys.detail(type, id), record);
      return qc.invalidateQueries({ queryKey: queryKeys.records(type) });
    },
  });
}

export function useDeleteRecord(type: RecordTypeKey) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/${type}/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: (_data, id) => {
      qc.removeQueries({ queryKey: queryKeys.detail(type, id) });
      return qc.invalidateQueries({ queryKey: queryKeys.records(type) });
    },
  });
}

export function useTimeline(type: RecordTypeKey, id: string) {
  return useInfiniteQuery({
    queryKey: queryKeys.timeline(type, id),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api<Page<TimelineItem>>(`/${type}/${encodeURIComponent(id)}/timeline`, {
        query: { limit: PAGE_SIZE, cursor: pageParam },
        signal,
      }),
    getNextPageParam: (last) => last.nextCursor ?? null,
  });
}

export function useAddNote(type: RecordTypeKey, id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: string) =>
      api<unknown>(`/${type}/${encodeURIComponent(id)}/notes`, { method: 'POST', body: { body } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.timeline(type, id) }),
  });
}
