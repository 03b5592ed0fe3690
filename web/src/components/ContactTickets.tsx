import { useState } from 'react';
import { PlusOutlined } from '@ant-design/icons';
import { Button, Card, Table } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { useRecordList } from '../api/records';
import { RECORD_DEFS } from '../api/recordTypes';
import type { BaseRecord } from '../api/types';
import { CellValue } from './CellValue';
import { ErrorAlert } from './ErrorAlert';
import { RecordCreateModal } from './RecordCreateModal';

/** The contact's tickets: GET /api/v1/tickets?contactId=…, with a "New ticket" prefilled for the contact. */
export function ContactTickets({ contactId }: { contactId: string }) {
  const { t } = useTranslation();
  const [creating, setCreating] = useState(false);
  const list = useRecordList('tickets', { contactId }, 20);
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const def = RECORD_DEFS.tickets;
  return (
    <Card
      title={t('contact.tickets')}
      extra={
        <Button size="small" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="contact-new-ticket">
          {t('common.new')}
        </Button>
      }
    >
      {list.isError && <ErrorAlert error={list.error} />}
      <Table<BaseRecord>
        rowKey="id"
        size="small"
        pagination={false}
        loading={list.isPending}
        dataSource={rows}
        data-testid="contact-tickets"
        columns={[
          {
            key: 'subject',
            title: t('field.subject'),
            render: (_v, r) => <Link to={`/tickets/${encodeURIComponent(r.id)}`}>{String(r.subject ?? r.id)}</Link>,
          },
          {
            key: 'status',
            title: t('field.status'),
            render: (_v, r) => <CellValue column={{ name: 'status', kind: 'select', enumName: 'ticketStatus' }} value={r.status} />,
          },
          {
            key: 'priority',
            title: t('field.priority'),
            render: (_v, r) => <CellValue column={{ name: 'priority', kind: 'select', enumName: 'ticketPriority' }} value={r.priority} />,
          },
          {
            key: 'updatedAt',
            title: t('field.updatedAt'),
            render: (_v, r) => <CellValue column={{ name: 'updatedAt', kind: 'datetime' }} value={r.updatedAt} />,
          },
        ]}
      />
      {list.hasNextPage && (
        <Button type="link" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
          {t('list.loadMore')}
        </Button>
      )}
      <RecordCreateModal def={def} open={creating} onClose={() => setCreating(false)} preset={{ contactId }} />
    </Card>
  );
}
