import { useMemo, useState } from 'react';
import { SearchOutlined } from '@ant-design/icons';
import { AutoComplete, Input } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { useQuickSearch } from '../api/search';
import type { SearchHit } from '../api/types';
import { SearchResultRow } from './SearchResultRow';
import { useDebouncedValue } from './useDebouncedValue';

const PATHS: Record<SearchHit['type'], string> = { contact: 'contacts', lead: 'leads', company: 'companies' };
const OPTION_PREFIX = 'hit\u0000';

/** Header quick search (B3): GET /api/v1/search?q=…&limit=20, debounced 150 ms. */
export function QuickSearch() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [text, setText] = useState('');
  const q = useDebouncedValue(text, 150);
  const search = useQuickSearch(q);
  const hits = text.trim() ? (search.data?.items ?? []) : [];

  const options = useMemo(
    () =>
      hits.map((hit, index) => ({
        // several rows may share a record (one per phone): keep values unique
        value: `${OPTION_PREFIX}${hit.type}\u0000${hit.id}\u0000${index}`,
        label: <SearchResultRow hit={hit} />,
      })),
    [hits],
  );

  const onSelect = (value: string) => {
    const [, type, id] = value.split('\u0000');
    setText('');
    if (type && id && type in PATHS) navigate(`/${PATHS[type as SearchHit['type']]}/${encodeURIComponent(id)}`);
  };

  const notFound = text.trim() && q === text && search.isSuccess && hits.length === 0 ? t('search.noResults') : undefined;

  return (
    <AutoComplete
      value={text}
      options={options}
      onChange={(value: string) => {
        if (!value.startsWith(OPTION_PREFIX)) setText(value);
      }}
      onSelect={onSelect}
      filterOption={false}
      notFoundContent={notFound}
      popupMatchSelectWidth={420}
      // All hits are rendered (20 at most), so every row is there for the eye and for tests.
      virtual={false}
      listHeight={480}
      style={{ width: '100%' }}
    >
      <Input
        allowClear
        prefix={<SearchOutlined />}
        placeholder={t('search.placeholder')}
        data-testid="quick-search-input"
        aria-label={t('search.placeholder')}
      />
    </AutoComplete>
  );
}
