import { Table, Tag, Tooltip } from 'antd';
import dayjs from 'dayjs';
import { useTranslation } from 'react-i18next';
import type { Registration } from '../api/types';

/** The devices registered on a seat: contact, transport, source address, user agent, expiry. */
export function RegistrationTable({ registrations, testId }: { registrations: Registration[]; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Table<Registration>
      size="small"
      rowKey="id"
      pagination={false}
      dataSource={registrations}
      data-testid={testId}
      locale={{ emptyText: t('seats.noDevices') }}
      columns={[
        {
          key: 'contact',
          dataIndex: 'contact',
          title: t('seats.reg.contact'),
          render: (contact: string) => <span style={{ wordBreak: 'break-all' }}>{contact}</span>,
        },
        {
          key: 'transport',
          dataIndex: 'transport',
          title: t('seats.reg.transport'),
          render: (transport: string) => <Tag>{transport.toUpperCase()}</Tag>,
        },
        { key: 'source', dataIndex: 'source', title: t('seats.reg.source') },
        { key: 'userAgent', dataIndex: 'userAgent', title: t('seats.reg.userAgent'), render: (ua: string | null) => ua ?? '' },
        {
          key: 'expiresAt',
          dataIndex: 'expiresAt',
          title: t('seats.reg.expires'),
          render: (at: string) => (
            <Tooltip title={dayjs(at).format('LLL')}>
              <span>{dayjs(at).fromNow()}</span>
            </Tooltip>
          ),
        },
      ]}
    />
  );
}
