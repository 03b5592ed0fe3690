import type { RecordTypeKey } from './recordTypes';

/** All record queries start with ['records', type] so one invalidation refreshes lists, details and timelines. */
export const queryKeys = {
  me: ['me'] as const,
  setup: ['setup'] as const,
  users: ['users'] as const,
  search: (q: string) => ['search', q] as const,
  records: (type: RecordTypeKey) => ['records', type] as const,
  list: (type: RecordTypeKey, params: Record<string, string>) => ['records', type, 'list', params] as const,
  detail: (type: RecordTypeKey, id: string) => ['records', type, 'detail', id] as const,
  timeline: (type: RecordTypeKey, id: string) => ['records', type, 'timeline', id] as const,
  importJob: (id: string) => ['imports', id] as const,
  /** All seat queries start with ['seats'] so one invalidation refreshes the admin list and "my seat". */
  seats: ['seats'] as const,
  seatList: ['seats', 'list'] as const,
  mySeat: ['seats', 'me'] as const,
  /** Under ['seats'] so seat changes refresh the browser phone's identity too. */
  myPhone: ['seats', 'phone'] as const,
  sipSettings: ['sip', 'settings'] as const,
};
