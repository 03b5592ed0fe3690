import {
  BankOutlined,
  CheckSquareOutlined,
  CustomerServiceOutlined,
  DollarOutlined,
  ImportOutlined,
  SettingOutlined,
  TeamOutlined,
  UserAddOutlined,
  UserOutlined,
} from '@ant-design/icons';
import { Menu, type MenuProps } from 'antd';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router-dom';
import { isAdmin, useMe } from '../api/session';

export function SideMenu() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  const me = useMe();
  const items: MenuProps['items'] = [
    { key: '/contacts', icon: <UserOutlined />, label: t('nav.contacts') },
    { key: '/companies', icon: <BankOutlined />, label: t('nav.companies') },
    { key: '/leads', icon: <UserAddOutlined />, label: t('nav.leads') },
    { key: '/deals', icon: <DollarOutlined />, label: t('nav.deals') },
    { key: '/tickets', icon: <CustomerServiceOutlined />, label: t('nav.tickets') },
    { key: '/tasks', icon: <CheckSquareOutlined />, label: t('nav.tasks') },
    { key: '/import', icon: <ImportOutlined />, label: t('nav.import') },
  ];
  if (isAdmin(me.data)) {
    items.push({
      key: 'admin',
      icon: <SettingOutlined />,
      label: t('nav.admin'),
      children: [{ key: '/admin/users', icon: <TeamOutlined />, label: t('nav.users') }],
    });
  }
  const selected = '/' + (location.pathname.split('/')[1] ?? '');
  const selectedKey = location.pathname.startsWith('/admin/users') ? '/admin/users' : selected;
  return (
    <Menu
      theme="dark"
      mode="inline"
      items={items}
      selectedKeys={[selectedKey]}
      defaultOpenKeys={selectedKey.startsWith('/admin') ? ['admin'] : []}
      onClick={({ key }) => navigate(key)}
    />
  );
}
