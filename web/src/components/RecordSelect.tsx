import { useMemo, useState } from 'react';
import { useQueries, useQuery } from '@tanstack/react-query';
import { Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { queryKeys } from '../api/queryKeys';
import { RECORD_DEFS, recordTitle, type RecordTypeKey } from '../api/recordTypes';
import type { BaseRecord, Page } from '../api/types';
import { useDebouncedValue } from './useDebouncedValue';

interface Props {
  target: RecordTypeKey;
  value?: string | string[] | null;
  onChange?: (value: string | string[] | null) => void;
  multiple?: boolean;
  testId?: string;
}

/** Picks one (or several) records of a type by searching GET /api/v1/<type>?q=…&limit=20. */
export function RecordSelect({ target, value, onChange, multiple, testId }: Props) {
  const { t } = useTranslation();
  const def = RECORD_DEFS[target];
  const [text, setText] = useState('');
  const q = useDebouncedValue(text, 200);
  const search = useQuery({
    queryKey: queryKeys.list(target, { q, limit: '20' }),
    queryFn: ({ signal }) => api<Page<BaseRecord>>(`/${target}`, { query: { q, limit: 20 }, signal }),
    staleTime: 30_000,
  });
  const selectedIds = useMemo(() => (Array.isArray(value) ? value : value ? [value] : []), [value]);
  // names of selected records that the current search page does not include
  const selected = useQueries({
    queries: selectedIds.map((id) => ({
      queryKey: queryKeys.detail(target, id),
      queryFn: () => api<BaseRecord>(`/${target}/${encodeURIComponent(id)}`),
      staleTime: 60_000,
    })),
  });

  const options = useMemo(() => {
    const seen = new Set<string>();
    const out: { value: string; label: string }[] = [];
    const push = (r: BaseRecord | undefined) => {
      if (!r || seen.has(r.id)) return;
      seen.add(r.id);
      out.push({ value: r.id, label: recordTitle(def, r) });
    };
    selected.forEach((s) => push(s.data));
    search.data?.items.forEach(push);
    selectedIds.forEach((id) => {
      if (!seen.has(id)) out.push({ value: id, label: id });
    });
    return out;
  }, [def, search.data, selected, selectedIds]);

  return (
    <Select
      showSearch={{ filterOption: false, onSearch: setText }}
      allowClear
      mode={multiple ? 'multiple' : undefined}
      value={multiple ? selectedIds : (value ?? undefined)}
      onChange={(v: string | string[] | undefined) => onChange?.(v ?? (multiple ? [] : null))}
      options={options}
      loading={search.isFetching}
      placeholder={t('common.searchType', { type: t(`nav.${target}`) })}
      notFoundContent={search.isFetching ? undefined : t('search.noResults')}
      data-testid={testId}
      style={{ width: '100%' }}
    />
  );
}
