import { useState } from 'react';
import { AudioMutedOutlined, AudioOutlined, BellOutlined, PauseOutlined, PhoneOutlined, PlayCircleOutlined, SoundOutlined } from '@ant-design/icons';
import { Alert, Badge, Button, Divider, Input, Select, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { canAskNotifications } from './attention';
import { CallTimer } from './CallTimer';
import { canPickSpeaker, useAudioDevices } from './devices';
import { Dialpad } from './Dialpad';
import { RecordButton } from './RecordButton';
import type { CallView } from './phone-controller';
import { type PhoneContextValue, usePhoneState } from './PhoneProvider';
import type { RegistrationState } from './types';

export const REGISTRATION_BADGE: Record<RegistrationState, 'success' | 'processing' | 'error' | 'default'> = {
  registered: 'success',
  connecting: 'processing',
  registering: 'processing',
  failed: 'error',
  stopped: 'default',
};

function CallBox({ call, ctx }: { call: CallView; ctx: PhoneContextValue }) {
  const { t } = useTranslation();
  const c = ctx.controller!;
  const active = call.status === 'active';
  return (
    <div className="hl-phone-call" data-testid="phone-call" data-status={call.status}>
      <div>
        <Typography.Text strong>{call.remote.name ?? call.remote.number}</Typography.Text>
        {call.remote.name && <Typography.Text type="secondary"> {call.remote.number}</Typography.Text>}
      </div>
      <Space size="small" wrap>
        <Typography.Text type="secondary" data-testid="phone-call-status">
          {call.held ? t('webPhone.onHold') : t(`webPhone.call.${call.status}`)}
        </Typography.Text>
        {call.answeredAt && <CallTimer since={call.answeredAt} until={call.endedAt} />}
        {call.muted && <Typography.Text type="warning">{t('webPhone.muted')}</Typography.Text>}
      </Space>
      {call.status !== 'ended' && call.status !== 'ringing' && (
        <Space wrap style={{ marginTop: 8 }}>
          <Button icon={call.muted ? <AudioOutlined /> : <AudioMutedOutlined />} disabled={!active} onClick={() => c.toggleMute()} data-testid="phone-mute">
            {call.muted ? t('webPhone.unmute') : t('webPhone.mute')}
          </Button>
          <Button icon={call.held ? <PlayCircleOutlined /> : <PauseOutlined />} disabled={!active} onClick={() => c.toggleHold()} data-testid="phone-hold">
            {call.held ? t('webPhone.resume') : t('webPhone.hold')}
          </Button>
          <RecordButton serverId={call.serverId} disabled={!active} />
          <Button danger type="primary" onClick={() => c.hangup()} data-testid="phone-hangup">
            {t('webPhone.hangup')}
          </Button>
        </Space>
      )}
    </div>
  );
}

function DevicePicker({ ctx }: { ctx: PhoneContextValue }) {
  const { t } = useTranslation();
  const { inputs, outputs, refresh } = useAudioDevices();
  const label = (d: { deviceId: string; label: string }, i: number) => d.label || t('webPhone.deviceUnnamed', { n: i + 1 });
  const defaults = { value: '', label: t('webPhone.defaultDevice') };
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="small">
      <Typography.Text type="secondary">{t('webPhone.microphone')}</Typography.Text>
      <Select
        style={{ width: '100%' }}
        value={ctx.devices.microphoneId ?? ''}
        onOpenChange={(open) => open && void refresh(true)}
        options={[defaults, ...inputs.map((d, i) => ({ value: d.deviceId, label: label(d, i) }))]}
        onChange={(v: string) => ctx.setDevices({ ...ctx.devices, microphoneId: v || null })}
        data-testid="phone-microphone"
      />
      {canPickSpeaker && (
        <>
          <Typography.Text type="secondary">{t('webPhone.speaker')}</Typography.Text>
          <Select
            style={{ width: '100%' }}
            value={ctx.devices.speakerId ?? ''}
            onOpenChange={(open) => open && void refresh(true)}
            options={[defaults, ...outputs.map((d, i) => ({ value: d.deviceId, label: label(d, i) }))]}
            onChange={(v: string) => ctx.setDevices({ ...ctx.devices, speakerId: v || null })}
            data-testid="phone-speaker"
          />
        </>
      )}
    </Space>
  );
}

/** The phone's panel: status, the call, dialling, DTMF and devices. */
export function PhonePanel({ ctx }: { ctx: PhoneContextValue }) {
  const { t } = useTranslation();
  const state = usePhoneState(ctx.controller);
  const [number, setNumber] = useState('');
  const [askNotify, setAskNotify] = useState(canAskNotifications);

  if (ctx.lock === 'elsewhere') {
    return (
      <div className="hl-phone-panel" data-testid="phone-panel">
        <Alert
          type="info"
          showIcon
          title={<span data-testid="phone-elsewhere">{t('webPhone.elsewhere')}</span>}
          description={t('webPhone.elsewhereHint')}
          action={
            <Button size="small" type="primary" onClick={ctx.takeOver} data-testid="phone-use-here">
              {t('webPhone.useHere')}
            </Button>
          }
        />
      </div>
    );
  }

  const call = state.call;
  const inCall = !!call && call.status !== 'ended';
  const dial = () => {
    if (ctx.controller?.dial(number)) setNumber('');
  };
  const onKey = (key: string) => {
    if (call?.status === 'active') ctx.controller?.dtmf(key);
    else if (!inCall) setNumber((n) => n + key);
  };

  return (
    <div className="hl-phone-panel" data-testid="phone-panel">
      <Space style={{ justifyContent: 'space-between', width: '100%' }}>
        <span data-testid="phone-registration" data-state={state.registration}>
          <Badge status={REGISTRATION_BADGE[state.registration]} text={t(`webPhone.state.${state.registration}`)} />
        </span>
        <Typography.Text type="secondary">
          {ctx.phone.displayName} · {ctx.phone.number}
        </Typography.Text>
      </Space>
      {ctx.ringSound === 'blocked' && (
        <Button type="link" icon={<SoundOutlined />} onClick={ctx.unlockSound} style={{ padding: 0 }}>
          {t('webPhone.enableSound')}
        </Button>
      )}
      {askNotify && (
        <Button
          type="link"
          icon={<BellOutlined />}
          style={{ padding: 0, display: 'block' }}
          onClick={() => void Notification.requestPermission().finally(() => setAskNotify(canAskNotifications()))}
        >
          {t('webPhone.enableNotifications')}
        </Button>
      )}
      {call && <CallBox call={call} ctx={ctx} />}
      <Space.Compact style={{ width: '100%', marginTop: 12 }}>
        <Input
          value={number}
          onChange={(e) => setNumber(e.target.value)}
          onPressEnter={dial}
          placeholder={t('webPhone.dialPlaceholder')}
          disabled={inCall}
          inputMode="tel"
          data-testid="phone-dial-input"
        />
        <Button type="primary" icon={<PhoneOutlined />} onClick={dial} disabled={inCall || state.registration !== 'registered' || !number.trim()} data-testid="phone-dial-call">
          {t('webPhone.dial')}
        </Button>
      </Space.Compact>
      <Dialpad onKey={onKey} />
      <Divider style={{ margin: '12px 0' }} />
      <DevicePicker ctx={ctx} />
    </div>
  );
}
