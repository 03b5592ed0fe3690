import { Badge, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Seat } from '../api/types';

/**
 * Registered (n devices) / Unregistered, kept live by seat.registration events; the tooltip lists
 * each registered device. `data-status` carries the raw status for tests.
 */
export function SeatStatusBadge({ seat, testId }: { seat: Seat; testId?: string }) {
  const { t } = useTranslation();
  const registered = seat.status === 'registered';
  const count = seat.registrations.length;
  const tip = count ? (
    <div>
      {seat.registrations.map((r) => (
        <div key={r.id}>
          {r.transport.toUpperCase()} {r.source}
          {r.userAgent ? ` · ${r.userAgent}` : ''}
        </div>
      ))}
    </div>
  ) : (
    t('seats.noDevices')
  );
  return (
    <Tooltip title={tip}>
      <span data-testid={testId ?? `seat-status-${seat.number}`} data-status={seat.status} data-count={count}>
        <Badge
          status={registered ? 'success' : 'default'}
          text={registered ? t('seats.registered', { count }) : t('seats.unregistered')}
        />
      </span>
    </Tooltip>
  );
}
