import { useEffect, useState } from 'react';
import { Button, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { useLiveEvent } from '../api/events';

type Recording = 'off' | 'on' | 'paused';

/**
 * Start and stop recording the agent's call (POST /calls/{id}/recording). The state shown is the
 * server's, pushed with `call.updated`, so a recording a supervisor starts shows here too.
 */
export function RecordButton({ serverId, disabled }: { serverId: string | null; disabled: boolean }) {
  const { t } = useTranslation();
  const [state, setState] = useState<Recording>('off');
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  useEffect(() => setState('off'), [serverId]);
  useLiveEvent(['call.updated', 'call.answered'], (e) => {
    const call = (e.data as { call?: { id: string; recording?: Recording } }).call;
    if (call && call.id === serverId && call.recording) setState(call.recording);
  });
  if (!serverId) return null;
  const toggle = async () => {
    setBusy(true);
    setFailed(false);
    try {
      const call = await api<{ recording: Recording }>(`/calls/${serverId}/recording`, { method: 'POST', body: { action: state === 'off' ? 'start' : 'stop' } });
      setState(call.recording);
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button danger={state !== 'off'} loading={busy} disabled={disabled} onClick={() => void toggle()} data-testid="phone-record" data-state={state}>
        {state === 'off' ? t('webPhone.record') : t('webPhone.stopRecording')}
      </Button>
      {state !== 'off' && (
        <Tag color="red" data-testid="phone-recording">
          {t('webPhone.recording')}
        </Tag>
      )}
      {failed && <Tag color="warning">{t('webPhone.recordFailed')}</Tag>}
    </>
  );
}
