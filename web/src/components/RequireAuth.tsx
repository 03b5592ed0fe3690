import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { useMe } from '../api/session';
import { useLanguageSync } from '../i18n/useLanguageSync';
import { ErrorAlert } from './ErrorAlert';
import { FullPageSpin } from './FullPageSpin';
import { LiveEventsProvider } from './LiveEventsProvider';

/** Signed-in area: sends a visitor without a session to /signin?next=…, opens the live event stream. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  useLanguageSync(me.data);
  if (me.isPending) return <FullPageSpin />;
  if (me.isError) return <ErrorAlert error={me.error} style={{ margin: 24 }} />;
  if (!me.data) {
    const next = location.pathname + location.search;
    const to = next && next !== '/' ? `/signin?next=${encodeURIComponent(next)}` : '/signin';
    return <Navigate to={to} replace />;
  }
  return <LiveEventsProvider>{children}</LiveEventsProvider>;
}
