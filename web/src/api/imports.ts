import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from './client';
import { queryKeys } from './queryKeys';
import type { ImportJob, ImportPreview } from './types';

/** Fields a CSV column can map to; 'ignore' is sent as null. */
export const IMPORT_FIELDS = [
  'firstName',
  'lastName',
  'name',
  'title',
  'company',
  'email',
  'phone',
  'mobilePhone',
  'workPhone',
  'homePhone',
  'address',
  'ownerEmail',
] as const;
export const IGNORE = 'ignore';

/** Encodings the server decodes besides UTF-8; '' (auto) sends none: a BOM decides, else UTF-8 is required. */
export const IMPORT_ENCODINGS = ['', 'gb18030', 'big5', 'utf-16le'] as const;
export type ImportEncoding = (typeof IMPORT_ENCODINGS)[number];

/** The picked CSV file as bytes: the server decodes it (GB18030/Big5 Excel exports are not UTF-8). */
export interface CsvFile {
  name: string;
  bytes: ArrayBuffer;
}

export function usePreviewImport() {
  return useMutation({
    mutationFn: ({ file, encoding }: { file: CsvFile; encoding: ImportEncoding }) =>
      api<ImportPreview>('/contacts/import/preview', {
        method: 'POST',
        query: { fileName: file.name, encoding },
        rawBody: file.bytes,
        contentType: 'text/csv',
      }),
  });
}

export function useStartImport() {
  return useMutation({
    mutationFn: ({ file, encoding, mapping }: { file: CsvFile; encoding: ImportEncoding; mapping: Record<string, string | null> }) =>
      api<{ job: ImportJob }>('/contacts/import', {
        method: 'POST',
        query: { fileName: file.name, mapping: JSON.stringify(mapping), encoding },
        rawBody: file.bytes,
        contentType: 'text/csv',
      }),
  });
}

export function isFinished(job: ImportJob | null | undefined): boolean {
  return job?.status === 'done' || job?.status === 'failed';
}

/** Polls GET /api/v1/imports/:id every second while the job runs (fallback for the WebSocket). */
export function useImportJob(id: string | null, running: boolean) {
  return useQuery({
    queryKey: queryKeys.importJob(id ?? ''),
    queryFn: async ({ signal }) => {
      const res = await api<{ job: ImportJob } | ImportJob>(`/imports/${encodeURIComponent(id ?? '')}`, { signal });
      return 'job' in res ? res.job : res;
    },
    enabled: Boolean(id),
    refetchInterval: running ? 1000 : false,
  });
}

/** Picks the more advanced of two snapshots of the same job. */
export function newerJob(a: ImportJob | null | undefined, b: ImportJob | null | undefined): ImportJob | null {
  if (!a) return b ?? null;
  if (!b) return a;
  if (isFinished(a) !== isFinished(b)) return isFinished(a) ? a : b;
  return b.processedRows >= a.processedRows ? b : a;
}
