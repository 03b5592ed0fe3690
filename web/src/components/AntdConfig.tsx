import type { ReactNode } from 'react';
import { App as AntdApp, ConfigProvider } from 'antd';
import { useTranslation } from 'react-i18next';
import { ANTD_LOCALES } from '../i18n/antdLocale';
import { matchLanguage } from '../i18n/languages';

/** Ant Design's own locale follows the i18next language. */
export function AntdConfig({ children }: { children: ReactNode }) {
  const { i18n } = useTranslation();
  const lng = matchLanguage(i18n.language) ?? 'en';
  return (
    <ConfigProvider locale={ANTD_LOCALES[lng]} button={{ autoInsertSpace: false }}>
      <AntdApp style={{ height: '100%' }}>{children}</AntdApp>
    </ConfigProvider>
  );
}
