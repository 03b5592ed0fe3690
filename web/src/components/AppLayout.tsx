import { useState } from 'react';
import { Layout, theme } from 'antd';
import { Outlet } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { PhoneProvider } from '../phone/PhoneProvider';
import { PhoneWidget } from '../phone/PhoneWidget';
import { LanguageSwitch } from './LanguageSwitch';
import { LiveStatus } from './LiveStatus';
import { QuickSearch } from './QuickSearch';
import { SideMenu } from './SideMenu';
import { UserMenu } from './UserMenu';

export function AppLayout() {
  const { t } = useTranslation();
  const [collapsed, setCollapsed] = useState(false);
  const { token } = theme.useToken();
  return (
    <PhoneProvider>
      <Layout style={{ minHeight: '100%' }}>
        <Layout.Sider collapsible collapsed={collapsed} onCollapse={setCollapsed} breakpoint="lg">
          <div className="hl-logo">{collapsed ? 'H' : t('app.name')}</div>
          <SideMenu />
        </Layout.Sider>
        <Layout>
          <Layout.Header className="hl-header" style={{ background: token.colorBgContainer }}>
            <div className="hl-header-search">
              <QuickSearch />
            </div>
            <div className="hl-header-spacer" />
            <PhoneWidget />
            <LiveStatus />
            <LanguageSwitch />
            <UserMenu />
          </Layout.Header>
          <Layout.Content className="hl-content">
            <Outlet />
          </Layout.Content>
        </Layout>
      </Layout>
    </PhoneProvider>
  );
}
