import { LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { Avatar, Button, Dropdown, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { useMe, useSignOut } from '../api/session';

export function UserMenu() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const me = useMe();
  const signOut = useSignOut();
  const user = me.data;
  if (!user) return null;
  return (
    <Dropdown
      trigger={['click']}
      menu={{
        items: [
          {
            key: 'who',
            disabled: true,
            label: (
              <div>
                <div>{user.email}</div>
                <div>
                  {t(`role.${user.role}`, { defaultValue: user.role })} · {user.tenant?.name}
                </div>
              </div>
            ),
          },
          { type: 'divider' },
          {
            key: 'signout',
            icon: <LogoutOutlined />,
            label: <span data-testid="sign-out">{t('auth.signOut')}</span>,
          },
        ],
        onClick: ({ key }) => {
          if (key === 'signout') signOut.mutate(undefined, { onSettled: () => navigate('/signin') });
        },
      }}
    >
      <Button type="text" data-testid="user-menu">
        <Space>
          <Avatar size="small" icon={<UserOutlined />} />
          {user.name || user.email}
        </Space>
      </Button>
    </Dropdown>
  );
}
