import { useEffect, useState } from 'react';
import { PhoneOutlined } from '@ant-design/icons';
import { Badge, Button, Popover, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import { CallTimer } from './CallTimer';
import { IncomingCall } from './IncomingCall';
import { PhonePanel, REGISTRATION_BADGE } from './PhonePanel';
import { usePhoneContext, usePhoneState } from './PhoneProvider';

const BADGE_COLOR = { success: '#52c41a', processing: '#1677ff', error: '#ff4d4f', default: '#bfbfbf' } as const;

/** The header's phone button (live registration state) with the phone panel, and the ringing popup. */
export function PhoneWidget() {
  const { t } = useTranslation();
  const ctx = usePhoneContext();
  const state = usePhoneState(ctx?.controller ?? null);
  const [open, setOpen] = useState(false);
  const status = state.call?.status;
  // Answering opens the panel: the call's controls live there.
  useEffect(() => {
    if (status === 'active' || status === 'calling') setOpen(true);
  }, [status]);
  if (!ctx) return null;
  const elsewhere = ctx.lock === 'elsewhere';
  const shown = elsewhere ? 'elsewhere' : ctx.lock === 'acquiring' ? 'connecting' : state.registration;
  const label = elsewhere ? t('webPhone.elsewhere') : t(`webPhone.state.${shown}`);
  return (
    <>
      <Popover open={open} onOpenChange={setOpen} trigger="click" placement="bottomRight" content={<PhonePanel ctx={ctx} />} destroyOnHidden={false}>
        <Tooltip title={label}>
          <Button type="text" data-testid="phone-status" data-state={shown} aria-label={`${t('webPhone.title')}: ${label}`}>
            <Badge dot color={BADGE_COLOR[elsewhere ? 'default' : REGISTRATION_BADGE[state.registration]]}>
              <PhoneOutlined />
            </Badge>
            {state.call?.answeredAt && state.call.status !== 'ended' ? <CallTimer since={state.call.answeredAt} /> : null}
          </Button>
        </Tooltip>
      </Popover>
      <IncomingCall />
    </>
  );
}
