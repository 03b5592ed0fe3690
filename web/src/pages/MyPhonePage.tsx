import { useState } from 'react';
import { PhoneOutlined } from '@ant-design/icons';
import { Alert, App, Result, Skeleton, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useMySeat, useResetMySeatPassword } from '../api/seats';
import { ErrorAlert } from '../components/ErrorAlert';
import { type ShownPassword, SipPasswordModal } from '../components/SipPasswordModal';
import { SipSettingsView } from '../components/SipSettingsView';

/** My phone: GET /api/v1/me/seat, the signed-in user's seat settings and live status, and resetting its password. */
export function MyPhonePage() {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const mine = useMySeat();
  const reset = useResetMySeatPassword();
  const [shown, setShown] = useState<ShownPassword | null>(null);
  const seat = mine.data?.seat ?? null;

  const resetPassword = () => {
    if (!seat) return;
    reset.mutate(undefined, {
      onSuccess: (res) => setShown({ number: seat.number, password: res.password }),
      onError: (err) => modal.error({ title: t('seats.actionFailed'), content: <ErrorAlert error={err} /> }),
    });
  };

  return (
    <div style={{ maxWidth: 880 }}>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('myPhone.title')}
      </Typography.Title>
      {mine.isPending && <Skeleton active />}
      {mine.isError && <ErrorAlert error={mine.error} />}
      {mine.data && !seat && (
        <Result icon={<PhoneOutlined />} title={t('myPhone.noSeat')} subTitle={t('myPhone.noSeatHint')} data-testid="my-phone-empty" />
      )}
      {mine.data && seat && (
        <div data-testid="my-phone">
          <Typography.Paragraph type="secondary">{t('myPhone.intro')}</Typography.Paragraph>
          {!seat.enabled && <Alert type="warning" showIcon title={t('myPhone.seatDisabled')} style={{ marginBottom: 16 }} data-testid="my-phone-disabled" />}
          <SipSettingsView
            seat={seat}
            settings={mine.data.settings}
            resetLabel={t('myPhone.resetMine')}
            resetting={reset.isPending}
            onResetPassword={resetPassword}
          />
        </div>
      )}
      <SipPasswordModal shown={shown} onClose={() => setShown(null)} />
    </div>
  );
}
