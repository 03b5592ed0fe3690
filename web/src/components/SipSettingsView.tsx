import type { HTMLAttributes } from 'react';
import { KeyOutlined } from '@ant-design/icons';
import { Button, Card, Descriptions, Flex, Popconfirm, Skeleton, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { microSipAccount } from '../api/sipAccount';
import type { Seat, SipSettings, SipTransportSetting } from '../api/types';
import { ErrorAlert } from './ErrorAlert';
import { RegistrationTable } from './RegistrationTable';
import { SeatStatusBadge } from './SeatStatusBadge';

interface Props {
  seat: Seat;
  /** undefined while loading */
  settings: SipSettings | undefined;
  settingsError?: unknown;
  /** label of the reset button ("Reset password" for an admin, "Reset my SIP password" for oneself) */
  resetLabel: string;
  resetting: boolean;
  /** called once the user confirmed; the caller shows the new password */
  onResetPassword: () => void;
}

const MASK = '••••••';

function Copyable({ text, testId }: { text: string; testId?: string }) {
  return (
    <Typography.Text copyable={{ text }} data-testid={testId}>
      {text}
    </Typography.Text>
  );
}

/**
 * What to type into a softphone or desk phone for one seat: server/domain, transports, username
 * (the extension) and the password (never shown here, only reset), its live registration status and
 * devices, and where each value goes in MicroSIP. Shared by Admin → Phones and My phone.
 */
export function SipSettingsView({ seat, settings, settingsError, resetLabel, resetting, onResetPassword }: Props) {
  const { t } = useTranslation();
  const micro = settings ? microSipAccount(seat.number, settings) : null;
  const accountName = seat.displayName || seat.userName || seat.number;

  return (
    <Flex vertical gap={16} data-testid="sip-settings">
      {settingsError ? <ErrorAlert error={settingsError} /> : null}
      <Descriptions
        bordered
        size="small"
        column={1}
        items={[
          {
            key: 'status',
            label: t('seats.status'),
            children: <SeatStatusBadge seat={seat} testId="sip-settings-status" />,
          },
          {
            key: 'domain',
            label: t('sip.server'),
            children: settings ? <Copyable text={settings.domain} testId="sip-settings-domain" /> : <Skeleton.Input size="small" active />,
          },
          { key: 'username', label: t('sip.username'), children: <Copyable text={seat.number} testId="sip-settings-username" /> },
          {
            key: 'password',
            label: t('sip.password'),
            children: (
              <Flex vertical gap={4}>
                <Flex gap={12} align="center" wrap>
                  <Typography.Text data-testid="sip-settings-password">{MASK}</Typography.Text>
                  <Popconfirm
                    title={t('sip.resetConfirm')}
                    okText={t('common.reset')}
                    cancelText={t('common.cancel')}
                    okButtonProps={{ danger: true, 'data-testid': 'sip-password-reset-confirm' }}
                    onConfirm={onResetPassword}
                  >
                    <Button size="small" icon={<KeyOutlined />} loading={resetting} data-testid="sip-password-reset">
                      {resetLabel}
                    </Button>
                  </Popconfirm>
                </Flex>
                <Typography.Text type="secondary">{t('sip.passwordHidden')}</Typography.Text>
              </Flex>
            ),
          },
          ...(seat.displayName ? [{ key: 'displayName', label: t('seats.displayName'), children: seat.displayName }] : []),
          ...(settings?.realm && settings.realm !== settings.domain
            ? [{ key: 'realm', label: t('sip.realm'), children: <Copyable text={settings.realm} /> }]
            : []),
        ]}
      />

      <div>
        <Typography.Title level={5}>{t('sip.transports')}</Typography.Title>
        <Table<SipTransportSetting>
          size="small"
          rowKey="transport"
          pagination={false}
          loading={!settings && !settingsError}
          dataSource={settings?.transports ?? []}
          data-testid="sip-settings-transports"
          onRow={(row) => ({ 'data-testid': `sip-transport-${row.transport}` }) as HTMLAttributes<HTMLElement>}
          columns={[
            {
              key: 'transport',
              dataIndex: 'transport',
              title: t('sip.transport'),
              render: (transport: string) => <Tag color="blue">{transport.toUpperCase()}</Tag>,
            },
            { key: 'host', dataIndex: 'host', title: t('sip.host'), render: (host: string) => <Copyable text={host} /> },
            { key: 'port', dataIndex: 'port', title: t('sip.port'), render: (port: number) => <Copyable text={String(port)} /> },
            {
              key: 'url',
              dataIndex: 'url',
              title: t('sip.url'),
              render: (url: string | undefined) => (url ? <Copyable text={url} /> : null),
            },
          ]}
        />
      </div>

      <div>
        <Typography.Title level={5}>{t('seats.registrations')}</Typography.Title>
        <RegistrationTable registrations={seat.registrations} testId="sip-settings-registrations" />
      </div>

      <Card size="small" title={t('sip.microsip.title')} data-testid="sip-microsip-hint">
        <Typography.Paragraph type="secondary">{t('sip.microsip.intro')}</Typography.Paragraph>
        {micro ? (
          <Descriptions
            size="small"
            column={1}
            items={[
              { key: 'account', label: t('sip.microsip.accountName'), children: t('sip.microsip.accountNameValue', { name: accountName }) },
              { key: 'server', label: t('sip.microsip.sipServer'), children: <Copyable text={micro.sipServer} /> },
              { key: 'proxy', label: t('sip.microsip.sipProxy'), children: <Typography.Text type="secondary">{t('sip.microsip.leaveEmpty')}</Typography.Text> },
              { key: 'username', label: t('sip.microsip.username'), children: <Copyable text={micro.username} /> },
              { key: 'domain', label: t('sip.microsip.domain'), children: <Copyable text={micro.domain} /> },
              { key: 'login', label: t('sip.microsip.login'), children: <Typography.Text type="secondary">{t('sip.microsip.leaveEmpty')}</Typography.Text> },
              { key: 'password', label: t('sip.microsip.password'), children: t('sip.microsip.passwordValue') },
              ...(micro.transport ? [{ key: 'transport', label: t('sip.microsip.transport'), children: micro.transport }] : []),
            ]}
          />
        ) : (
          <Skeleton active paragraph={{ rows: 3 }} />
        )}
      </Card>
    </Flex>
  );
}
