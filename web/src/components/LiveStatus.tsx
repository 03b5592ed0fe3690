import { useContext, useEffect, useState } from 'react';
import { Badge, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import { LiveEventsContext, type LiveStatus as Status } from '../api/events';

/** A small dot showing whether live updates are flowing. */
export function LiveStatus() {
  const { t } = useTranslation();
  const socket = useContext(LiveEventsContext);
  const [status, setStatus] = useState<Status>(socket?.status ?? 'closed');
  useEffect(() => {
    if (!socket) return undefined;
    setStatus(socket.status);
    return socket.onStatus(setStatus);
  }, [socket]);
  const color = status === 'open' ? 'success' : status === 'connecting' ? 'processing' : 'default';
  return (
    <Tooltip title={t(`live.${status}`)}>
      <Badge status={color} data-testid="live-status" data-status={status} />
    </Tooltip>
  );
}
