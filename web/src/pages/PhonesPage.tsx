import { type HTMLAttributes, useState } from 'react';
import { DeleteOutlined, EditOutlined, KeyOutlined, PlusOutlined, SettingOutlined } from '@ant-design/icons';
import { App, Button, Drawer, Flex, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useDeleteSeat, useResetSeatPassword, useSeats, useSipSettings, useUpdateSeat } from '../api/seats';
import type { Seat } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { RegistrationTable } from '../components/RegistrationTable';
import { SeatFormModal } from '../components/SeatFormModal';
import { SeatStatusBadge } from '../components/SeatStatusBadge';
import { type ShownPassword, SipPasswordModal } from '../components/SipPasswordModal';
import { SipSettingsView } from '../components/SipSettingsView';
import { UserName } from '../components/UserName';

/**
 * Admin → Phones: GET /api/v1/seats with live registration status, "Add seat", edit, enable/disable,
 * reset password, delete, and each seat's SIP settings in a drawer.
 */
export function PhonesPage() {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const seats = useSeats();
  const update = useUpdateSeat();
  const del = useDeleteSeat();
  const reset = useResetSeatPassword();
  /** 'new', a seat being edited, or null */
  const [form, setForm] = useState<Seat | 'new' | null>(null);
  const [settingsId, setSettingsId] = useState<string | null>(null);
  const [shown, setShown] = useState<ShownPassword | null>(null);

  const items = seats.data?.items ?? [];
  // the live seat from the cache, so the drawer follows registration events; gone once deleted
  const settingsSeat = settingsId ? items.find((s) => s.id === settingsId) : undefined;
  const settings = useSipSettings(Boolean(settingsSeat));

  const fail = (err: unknown): void => {
    modal.error({ title: t('seats.actionFailed'), content: <ErrorAlert error={err} /> });
  };

  const resetPassword = (seat: Seat) =>
    reset.mutateAsync(seat.id).then((res) => setShown({ number: seat.number, password: res.password }), fail);

  const setEnabled = (seat: Seat, enabled: boolean) =>
    update.mutateAsync({ id: seat.id, body: { enabled } }).then(
      () => message.success(t(enabled ? 'seats.enabledDone' : 'seats.disabledDone', { number: seat.number })),
      fail,
    );

  const remove = (seat: Seat) =>
    del.mutateAsync(seat.id).then(() => message.success(t('seats.deleted', { number: seat.number })), fail);

  const pendingFor = (mutation: { isPending: boolean; variables?: unknown }, id: string) =>
    mutation.isPending && (mutation.variables === id || (mutation.variables as { id?: string } | undefined)?.id === id);

  return (
    <div>
      <Flex justify="space-between" align="center" style={{ marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('nav.phones')}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setForm('new')} data-testid="seats-add-button">
          {t('seats.add')}
        </Button>
      </Flex>
      {seats.isError && <ErrorAlert error={seats.error} style={{ marginBottom: 16 }} />}
      <Table<Seat>
        rowKey="id"
        loading={seats.isPending}
        dataSource={items}
        pagination={false}
        data-testid="seats-table"
        locale={{ emptyText: t('seats.empty') }}
        onRow={(seat) => ({ 'data-testid': `seat-row-${seat.number}` }) as HTMLAttributes<HTMLElement>}
        expandable={{
          rowExpandable: (seat) => seat.registrations.length > 0,
          expandedRowRender: (seat) => <RegistrationTable registrations={seat.registrations} testId={`seat-registrations-${seat.number}`} />,
        }}
        columns={[
          {
            key: 'number',
            dataIndex: 'number',
            title: t('seats.number'),
            render: (number: string) => <Typography.Text strong>{number}</Typography.Text>,
          },
          {
            key: 'user',
            title: t('seats.user'),
            render: (_: unknown, seat: Seat) => seat.userName ?? <UserName id={seat.userId} />,
          },
          { key: 'displayName', dataIndex: 'displayName', title: t('seats.displayName') },
          {
            key: 'status',
            title: t('seats.status'),
            render: (_: unknown, seat: Seat) => <SeatStatusBadge seat={seat} />,
          },
          {
            key: 'enabled',
            dataIndex: 'enabled',
            title: t('seats.state'),
            render: (enabled: boolean) => (enabled ? <Tag color="green">{t('seats.enabled')}</Tag> : <Tag>{t('seats.disabled')}</Tag>),
          },
          {
            key: 'actions',
            title: t('seats.actions'),
            render: (_: unknown, seat: Seat) => (
              <Space size={0} wrap>
                <Button type="link" size="small" icon={<SettingOutlined />} onClick={() => setSettingsId(seat.id)} data-testid={`seat-settings-${seat.number}`}>
                  {t('seats.settings')}
                </Button>
                <Button type="link" size="small" icon={<EditOutlined />} onClick={() => setForm(seat)} data-testid={`seat-edit-${seat.number}`}>
                  {t('seats.edit')}
                </Button>
                <Button
                  type="link"
                  size="small"
                  loading={pendingFor(update, seat.id)}
                  onClick={() => void setEnabled(seat, !seat.enabled)}
                  data-testid={`seat-toggle-${seat.number}`}
                >
                  {seat.enabled ? t('seats.disable') : t('seats.enable')}
                </Button>
                <Popconfirm
                  title={t('sip.resetConfirm')}
                  okText={t('common.reset')}
                  cancelText={t('common.cancel')}
                  okButtonProps={{ danger: true, 'data-testid': 'seat-reset-confirm' }}
                  onConfirm={() => resetPassword(seat)}
                >
                  <Button type="link" size="small" icon={<KeyOutlined />} loading={pendingFor(reset, seat.id)} data-testid={`seat-reset-${seat.number}`}>
                    {t('sip.resetPassword')}
                  </Button>
                </Popconfirm>
                <Popconfirm
                  title={t('seats.deleteConfirm', { number: seat.number })}
                  okText={t('common.delete')}
                  cancelText={t('common.cancel')}
                  okButtonProps={{ danger: true, 'data-testid': 'seat-delete-confirm' }}
                  onConfirm={() => remove(seat)}
                >
                  <Button
                    type="link"
                    size="small"
                    danger
                    icon={<DeleteOutlined />}
                    loading={pendingFor(del, seat.id)}
                    data-testid={`seat-delete-${seat.number}`}
                  >
                    {t('common.delete')}
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />

      <Drawer
        open={Boolean(settingsSeat)}
        onClose={() => setSettingsId(null)}
        title={settingsSeat ? t('seats.settingsTitle', { number: settingsSeat.number }) : ''}
        size={640}
        destroyOnHidden
      >
        {settingsSeat && (
          <SipSettingsView
            seat={settingsSeat}
            settings={settings.data}
            settingsError={settings.error}
            resetLabel={t('sip.resetPassword')}
            resetting={pendingFor(reset, settingsSeat.id)}
            onResetPassword={() => void resetPassword(settingsSeat)}
          />
        )}
      </Drawer>

      {form !== null && (
        <SeatFormModal
          seat={form === 'new' ? null : form}
          onClose={() => setForm(null)}
          onCreated={(seat, password) => {
            setForm(null);
            setShown({ number: seat.number, password });
          }}
        />
      )}
      <SipPasswordModal shown={shown} onClose={() => setShown(null)} />
    </div>
  );
}
