import {
  BankOutlined,
  CheckSquareOutlined,
  CustomerServiceOutlined,
  DollarOutlined,
  ImportOutlined,
  MobileOutlined,
  PhoneOutlined,
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
    { key: '/my-phone', icon: <MobileOutlined />, label: t('nav.myPhone') },
  ];
  if (isAdmin(me.data)) {
    items.push({
      key: 'admin',
      icon: <SettingOutlined />,
      label: t('nav.admin'),
      children: [
        { key: '/admin/users', icon: <TeamOutlined />, label: t('nav.users') },
        { key: '/admin/phones', icon: <PhoneOutlined />, label: t('nav.phones') },
      ],
    });
  }
  const [, first = '', second = ''] = location.pathname.split('/');
  // admin pages are keyed by their first two segments (/admin/users, /admin/phones), others by the first
  const selectedKey = first === 'admin' ? `/admin/${second}` : `/${first}`;
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
