import { type HTMLAttributes, useState } from 'react';
import { DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Flex, Input, Select, Space, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { apiUrl } from '../api/client';
import { useRecordList } from '../api/records';
import { RECORD_DEFS, recordTitle, type RecordTypeKey } from '../api/recordTypes';
import type { BaseRecord } from '../api/types';
import { CellValue } from '../components/CellValue';
import { ErrorAlert } from '../components/ErrorAlert';
import { RecordCreateModal } from '../components/RecordCreateModal';
import { useDebouncedValue } from '../components/useDebouncedValue';

/** GET /api/v1/<type>?limit=50&cursor=…&q=… with a search box, an enum filter, "New" and "Load more". */
export function RecordListPage({ type }: { type: RecordTypeKey }) {
  const { t } = useTranslation();
  const def = RECORD_DEFS[type];
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [text, setText] = useState(params.get('q') ?? '');
  const [creating, setCreating] = useState(false);
  const q = useDebouncedValue(text.trim(), 300);
  const filterField = def.fields.find((f) => f.kind === 'select');
  const filterValue = filterField ? (params.get(filterField.name) ?? '') : '';

  const filters: Record<string, string> = {};
  if (q) filters.q = q;
  if (filterField && filterValue) filters[filterField.name] = filterValue;
  const list = useRecordList(type, filters);

  const setParam = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };

  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const columns: ColumnsType<BaseRecord> = def.columns.map((column) => ({
    key: column.name,
    dataIndex: column.name,
    title: t(column.labelKey ?? `field.${column.name}`),
    render: (value: unknown, record: BaseRecord) =>
      column.kind === 'name' ? (
        <Link to={`/${type}/${encodeURIComponent(record.id)}`} onClick={(e) => e.stopPropagation()}>
          {recordTitle(def, record) || t('record.untitled')}
        </Link>
      ) : (
        <CellValue column={column} value={value} record={record} />
      ),
  }));

  return (
    <div>
      <Flex justify="space-between" align="center" wrap gap={12} style={{ marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t(`nav.${type}`)}
        </Typography.Title>
        <Space wrap>
          <Input.Search
            allowClear
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setParam('q', e.target.value.trim());
            }}
            placeholder={t('list.filterPlaceholder')}
            style={{ width: 260 }}
            data-testid={`${type}-filter`}
          />
          {filterField && (
            <Select
              allowClear
              value={filterValue || undefined}
              onChange={(v: string | undefined) => setParam(filterField.name, v ?? '')}
              placeholder={t(`field.${filterField.name}`)}
              style={{ width: 160 }}
              options={(filterField.options ?? []).map((v) => ({ value: v, label: t(`enum.${filterField.enumName}.${v}`) }))}
              data-testid={`${type}-filter-${filterField.name}`}
            />
          )}
          {type === 'contacts' && (
            <Button icon={<DownloadOutlined />} href={apiUrl('/contacts/export.csv', filters)} data-testid="contacts-export">
              {t('list.exportCsv')}
            </Button>
          )}
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid={`${type}-new-button`}>
            {t('common.new')}
          </Button>
        </Space>
      </Flex>
      {list.isError && <ErrorAlert error={list.error} style={{ marginBottom: 16 }} />}
      <Table<BaseRecord>
        rowKey="id"
        columns={columns}
        dataSource={rows}
        loading={list.isPending}
        pagination={false}
        size="middle"
        scroll={{ x: 'max-content' }}
        data-testid={`${type}-table`}
        rowClassName={() => 'hl-clickable-row'}
        onRow={(record) =>
          ({
            onClick: () => navigate(`/${type}/${encodeURIComponent(record.id)}`),
            'data-testid': `${type}-row`,
            'data-id': record.id,
          }) as HTMLAttributes<HTMLElement>
        }
      />
      {list.hasNextPage && (
        <Flex justify="center" style={{ marginTop: 16 }}>
          <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage} data-testid={`${type}-load-more`}>
            {t('list.loadMore')}
          </Button>
        </Flex>
      )}
      <RecordCreateModal
        def={def}
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(record) => navigate(`/${type}/${encodeURIComponent(record.id)}`)}
      />
    </div>
  );
}
