import { Tag } from 'antd';
import dayjs from 'dayjs';
import { useTranslation } from 'react-i18next';
import type { ColumnDef } from '../api/recordTypes';
import type { Email, Phone } from '../api/types';
import { RecordName } from './RecordName';
import { UserName } from './UserName';

const ENUM_COLORS: Record<string, string> = {
  new: 'blue',
  contacted: 'cyan',
  qualified: 'green',
  unqualified: 'default',
  won: 'green',
  lost: 'red',
  open: 'blue',
  pending: 'orange',
  solved: 'green',
  closed: 'default',
  urgent: 'red',
  high: 'volcano',
  low: 'default',
};

/** Renders one value in a list table, by column kind. */
export function CellValue({ column, value, record }: { column: ColumnDef; value: unknown; record?: Record<string, unknown> }) {
  const { t } = useTranslation();
  if (value === null || value === undefined || value === '') return null;
  switch (column.kind) {
    case 'phones': {
      const phones = value as Phone[];
      const first = phones[0];
      if (!first) return null;
      return (
        <span>
          {first.raw || first.e164}
          {phones.length > 1 && <Tag style={{ marginLeft: 4 }}>+{phones.length - 1}</Tag>}
        </span>
      );
    }
    case 'emails': {
      const emails = value as Email[];
      return <span>{emails[0]?.address}</span>;
    }
    case 'select':
      return <Tag color={ENUM_COLORS[String(value)]}>{t(`enum.${column.enumName}.${String(value)}`)}</Tag>;
    case 'boolean':
      return value ? <Tag color="green">{t('common.yes')}</Tag> : <Tag>{t('common.no')}</Tag>;
    case 'date':
      return <span>{dayjs(String(value)).format('LL')}</span>;
    case 'datetime':
      return <span>{dayjs(String(value)).format('LLL')}</span>;
    case 'number':
      return (
        <span>
          {typeof value === 'number' ? value.toLocaleString() : String(value)}
          {typeof record?.currency === 'string' && record.currency ? ` ${record.currency}` : ''}
        </span>
      );
    case 'record':
      return column.target ? <RecordName type={column.target} id={String(value)} /> : <span>{String(value)}</span>;
    case 'user':
      return <UserName id={String(value)} />;
    default:
      if (column.name === 'recordType') return <span>{t(`recordType.${String(value)}`, { defaultValue: String(value) })}</span>;
      return <span>{String(value)}</span>;
  }
}
