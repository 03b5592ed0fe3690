import { useState } from 'react';
import { App, Form, Input, Modal, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { applyFormErrors } from '../api/formErrors';
import { ROLES } from '../api/types';
import { useCreateUser } from '../api/users';
import { ErrorAlert } from './ErrorAlert';

interface Values {
  email: string;
  name: string;
  role: string;
  password: string;
}

/** POST /api/v1/users {email, name, role, password} */
export function CreateUserModal({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const create = useCreateUser();
  const [unmatched, setUnmatched] = useState<string[]>([]);

  const onFinish = (values: Values) => {
    setUnmatched([]);
    create.mutate(
      { email: values.email.trim(), name: values.name.trim(), role: values.role, password: values.password },
      {
        onSuccess: () => {
          message.success(t('users.created'));
          form.resetFields();
          onClose();
        },
        onError: (err) => setUnmatched(applyFormErrors(form, err, ['email', 'name', 'role', 'password'])),
      },
    );
  };

  return (
    <Modal
      open={open}
      title={t('users.new')}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      okButtonProps={{ loading: create.isPending, 'data-testid': 'user-form-save' }}
      destroyOnHidden
    >
      {create.isError && <ErrorAlert error={create.error} extra={unmatched} style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish} initialValues={{ role: 'agent' }} autoComplete="off">
        <Form.Item name="name" label={t('field.name')} rules={[{ required: true, whitespace: true, message: t('validation.required') }]}>
          <Input data-testid="user-form-name" />
        </Form.Item>
        <Form.Item
          name="email"
          label={t('field.email')}
          rules={[{ required: true, message: t('validation.required') }, { type: 'email', message: t('validation.email') }]}
        >
          <Input type="email" data-testid="user-form-email" />
        </Form.Item>
        <Form.Item name="role" label={t('field.role')} rules={[{ required: true, message: t('validation.required') }]}>
          <Select data-testid="user-form-role" options={ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))} />
        </Form.Item>
        <Form.Item
          name="password"
          label={t('field.password')}
          rules={[{ required: true, message: t('validation.required') }, { min: 10, message: t('validation.passwordLength', { count: 10 }) }]}
        >
          <Input.Password autoComplete="new-password" data-testid="user-form-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
