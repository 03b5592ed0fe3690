import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, isApiError } from './client';
import { queryKeys } from './queryKeys';
import type { MeResponse, SessionUser } from './types';

/** GET /api/v1/auth/me; resolves to null (not an error) when signed out. */
export async function fetchMe(): Promise<SessionUser | null> {
  try {
    const res = await api<MeResponse>('/auth/me');
    return res?.user ?? null;
  } catch (err) {
    if (isApiError(err) && err.status === 401) return null;
    throw err;
  }
}

export function useMe() {
  return useQuery({ queryKey: queryKeys.me, queryFn: fetchMe, staleTime: 60_000, retry: 1 });
}

export function useSignIn() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; password: string }) =>
      api<MeResponse>('/auth/signin', { method: 'POST', body }),
    onSuccess: (res) => {
      qc.setQueryData(queryKeys.me, res?.user ?? null);
      if (!res?.user) void qc.invalidateQueries({ queryKey: queryKeys.me });
    },
  });
}

export function useSignOut() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<unknown>('/auth/signout', { method: 'POST' }),
    onSettled: () => {
      qc.clear();
      qc.setQueryData(queryKeys.me, null);
    },
  });
}

export function saveMyLocale(locale: string): Promise<unknown> {
  return api<unknown>('/auth/me', { method: 'PATCH', body: { locale } });
}

export function isAdmin(user: SessionUser | null | undefined): boolean {
  return user?.role === 'owner' || user?.role === 'admin';
}

export interface SetupBody {
  token: string;
  tenantName: string;
  name: string;
  email: string;
  password: string;
}

export function useSetupStatus() {
  return useQuery({
    queryKey: queryKeys.setup,
    queryFn: () => api<{ needed: boolean }>('/setup'),
    retry: false,
    staleTime: 30_000,
  });
}

export function useRunSetup() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: SetupBody) => api<Partial<MeResponse> | undefined>('/setup', { method: 'POST', body }),
    onSuccess: async (res) => {
      qc.setQueryData(queryKeys.setup, { needed: false });
      if (res?.user) qc.setQueryData(queryKeys.me, res.user);
      else await qc.invalidateQueries({ queryKey: queryKeys.me });
    },
  });
}
