import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client';
import { queryKeys } from './queryKeys';
import type { UserRow } from './types';

/** GET /api/v1/users: the tenant's user directory, readable by every signed-in role (names for owners and assignees). */
export function useUsers(enabled = true) {
  return useQuery({
    queryKey: queryKeys.users,
    queryFn: ({ signal }) => api<{ items: UserRow[] }>('/users', { signal }),
    enabled,
    retry: false,
    staleTime: 60_000,
  });
}

export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; name: string; role: string; password: string }) =>
      api<unknown>('/users', { method: 'POST', body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.users }),
  });
}
