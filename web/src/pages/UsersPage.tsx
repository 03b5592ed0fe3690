import { useState } from 'react';
import { PlusOutlined } from '@ant-design/icons';
import { Button, Flex, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { UserRow } from '../api/types';
import { useUsers } from '../api/users';
import { CreateUserModal } from '../components/CreateUserModal';
import { ErrorAlert } from '../components/ErrorAlert';

/** Admin → Users: GET /api/v1/users, "New user". */
export function UsersPage() {
  const { t } = useTranslation();
  const users = useUsers();
  const [creating, setCreating] = useState(false);
  return (
    <div>
      <Flex justify="space-between" align="center" style={{ marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('nav.users')}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="users-new-button">
          {t('common.new')}
        </Button>
      </Flex>
      {users.isError && <ErrorAlert error={users.error} style={{ marginBottom: 16 }} />}
      <Table<UserRow>
        rowKey="id"
        loading={users.isPending}
        dataSource={users.data?.items ?? []}
        pagination={false}
        data-testid="users-table"
        columns={[
          { key: 'name', dataIndex: 'name', title: t('field.name') },
          { key: 'email', dataIndex: 'email', title: t('field.email') },
          { key: 'role', dataIndex: 'role', title: t('field.role'), render: (role: string) => t(`role.${role}`, { defaultValue: role }) },
          {
            key: 'disabled',
            dataIndex: 'disabled',
            title: t('users.state'),
            render: (disabled: boolean) => (disabled ? <Tag>{t('users.disabled')}</Tag> : <Tag color="green">{t('users.active')}</Tag>),
          },
        ]}
      />
      <CreateUserModal open={creating} onClose={() => setCreating(false)} />
    </div>
  );
}
