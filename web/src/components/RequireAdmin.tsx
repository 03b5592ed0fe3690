import type { ReactNode } from 'react';
import { Result } from 'antd';
import { useTranslation } from 'react-i18next';
import { isAdmin, useMe } from '../api/session';

export function RequireAdmin({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const me = useMe();
  if (!isAdmin(me.data)) return <Result status="403" title="403" subTitle={t('errors.forbidden')} />;
  return <>{children}</>;
}
