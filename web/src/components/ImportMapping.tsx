import { Select, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { IGNORE, IMPORT_FIELDS } from '../api/imports';
import type { ImportPreview } from '../api/types';

interface Props {
  preview: ImportPreview;
  mapping: Record<string, string>;
  onChange: (mapping: Record<string, string>) => void;
}

/** One row per CSV column: the field it maps to (or ignore) and sample values. */
export function ImportMapping({ preview, mapping, onChange }: Props) {
  const { t } = useTranslation();
  const options = [
    ...IMPORT_FIELDS.map((f) => ({ value: f, label: t(`import.field.${f}`) })),
    { value: IGNORE, label: t('import.field.ignore') },
  ];
  const rows = preview.columns.map((column, index) => ({
    column,
    index,
    samples: preview.sampleRows
      .map((r) => r[index] ?? '')
      .filter((v) => v !== '')
      .slice(0, 3),
  }));
  return (
    <Table
      rowKey="index"
      size="small"
      pagination={false}
      dataSource={rows}
      data-testid="import-mapping"
      columns={[
        { key: 'column', title: t('import.column'), render: (_v, r) => <strong>{r.column}</strong> },
        {
          key: 'field',
          title: t('import.mapsTo'),
          width: 220,
          render: (_v, r) => (
            <Select
              value={mapping[r.column] ?? IGNORE}
              onChange={(v: string) => onChange({ ...mapping, [r.column]: v })}
              options={options}
              style={{ width: 200 }}
              data-testid={`import-map-${r.index}`}
            />
          ),
        },
        {
          key: 'samples',
          title: t('import.samples'),
          render: (_v, r) => <Typography.Text type="secondary">{r.samples.join(' · ')}</Typography.Text>,
        },
      ]}
    />
  );
}
