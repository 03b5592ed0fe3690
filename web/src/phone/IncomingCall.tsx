import { PhoneOutlined, SoundOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { usePhoneContext, usePhoneState } from './PhoneProvider';

/** The ringing popup: who is calling, answer or reject, and a way to let the ring tone play. */
export function IncomingCall() {
  const { t } = useTranslation();
  const ctx = usePhoneContext();
  const state = usePhoneState(ctx?.controller ?? null);
  const call = state.call;
  if (!ctx?.controller || !call || call.direction !== 'incoming' || call.status !== 'ringing') return null;
  const controller = ctx.controller;
  return (
    <Card className="hl-phone-incoming" size="small" data-testid="incoming-call" data-ring-sound={ctx.ringSound} role="alertdialog" aria-live="assertive">
      <Typography.Text type="secondary">{t('webPhone.incoming')}</Typography.Text>
      <div className="hl-phone-incoming-caller">
        {call.remote.name && (
          <Typography.Title level={4} style={{ margin: 0 }} data-testid="incoming-call-name">
            {call.remote.name}
          </Typography.Title>
        )}
        <Typography.Text strong={!call.remote.name} data-testid="incoming-call-number">
          {call.remote.number || t('webPhone.unknownCaller')}
        </Typography.Text>
      </div>
      {ctx.ringSound === 'blocked' && (
        <Alert
          type="warning"
          showIcon
          icon={<SoundOutlined />}
          style={{ marginBottom: 12 }}
          title={
            <Button type="link" size="small" style={{ padding: 0 }} onClick={ctx.unlockSound} data-testid="phone-enable-sound">
              {t('webPhone.enableSound')}
            </Button>
          }
        />
      )}
      <Space>
        <Button type="primary" icon={<PhoneOutlined />} onClick={() => controller.answer()} data-testid="incoming-call-answer">
          {t('webPhone.answer')}
        </Button>
        <Button danger onClick={() => controller.reject()} data-testid="incoming-call-reject">
          {t('webPhone.reject')}
        </Button>
      </Space>
    </Card>
  );
}
