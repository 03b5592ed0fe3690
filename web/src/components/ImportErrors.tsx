import { Table } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ImportJob } from '../api/types';

/** The rows an import could not take, with the field and reason. */
export function ImportErrors({ errors }: { errors: ImportJob['errors'] }) {
  const { t } = useTranslation();
  if (!errors.length) return null;
  return (
    <Table
      rowKey={(r) => `${r.row}:${r.field ?? ''}:${r.message}`}
      size="small"
      dataSource={errors}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      data-testid="import-errors"
      columns={[
        { key: 'row', dataIndex: 'row', title: t('import.row'), width: 80 },
        {
          key: 'field',
          dataIndex: 'field',
          title: t('import.fieldName'),
          width: 160,
          render: (field: string | null) => (field ? t(`import.field.${field}`, { defaultValue: field }) : null),
        },
        { key: 'message', dataIndex: 'message', title: t('import.message') },
      ]}
    />
  );
}
