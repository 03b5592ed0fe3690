import { Alert, Button, Form, Input, Result } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { applyFormErrors } from '../api/formErrors';
import { useRunSetup, useSetupStatus } from '../api/session';
import { AuthShell } from '../components/AuthShell';
import { ErrorAlert } from '../components/ErrorAlert';
import { FullPageSpin } from '../components/FullPageSpin';

interface Values {
  tenantName: string;
  name: string;
  email: string;
  password: string;
  confirm: string;
}

/** First run: /setup?token=… creates the tenant and its owner, then signs in. */
export function SetupPage() {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const status = useSetupStatus();
  const run = useRunSetup();
  const token = params.get('token') ?? '';

  if (status.isPending) return <FullPageSpin />;

  if (status.data && !status.data.needed) {
    return (
      <AuthShell title={t('setup.title')}>
        <Result status="success" title={t('setup.done')} extra={<Link to="/signin">{t('auth.signIn')}</Link>} />
      </AuthShell>
    );
  }

  const onFinish = (values: Values) => {
    run.mutate(
      {
        token,
        tenantName: values.tenantName.trim(),
        name: values.name.trim(),
        email: values.email.trim(),
        password: values.password,
      },
      {
        onSuccess: () => navigate('/', { replace: true }),
        onError: (err) => applyFormErrors(form, err, ['tenantName', 'name', 'email', 'password']),
      },
    );
  };

  return (
    <AuthShell title={t('setup.title')}>
      <p>{t('setup.intro')}</p>
      {status.isError && <ErrorAlert error={status.error} style={{ marginBottom: 16 }} />}
      {!token && <Alert type="warning" showIcon style={{ marginBottom: 16 }} title={t('setup.noToken')} />}
      {run.isError && <ErrorAlert error={run.error} style={{ marginBottom: 16 }} testId="setup-error" />}
      <Form form={form} layout="vertical" onFinish={onFinish} requiredMark={false}>
        <Form.Item name="tenantName" label={t('setup.tenantName')} rules={[{ required: true, whitespace: true, message: t('validation.required') }]}>
          <Input autoFocus data-testid="setup-tenantName" />
        </Form.Item>
        <Form.Item name="name" label={t('setup.yourName')} rules={[{ required: true, whitespace: true, message: t('validation.required') }]}>
          <Input autoComplete="name" data-testid="setup-name" />
        </Form.Item>
        <Form.Item
          name="email"
          label={t('field.email')}
          rules={[{ required: true, message: t('validation.required') }, { type: 'email', message: t('validation.email') }]}
        >
          <Input type="email" autoComplete="username" data-testid="setup-email" />
        </Form.Item>
        <Form.Item
          name="password"
          label={t('field.password')}
          rules={[{ required: true, message: t('validation.required') }, { min: 10, message: t('validation.passwordLength', { count: 10 }) }]}
        >
          <Input.Password autoComplete="new-password" data-testid="setup-password" />
        </Form.Item>
        <Form.Item
          name="confirm"
          label={t('setup.confirmPassword')}
          dependencies={['password']}
          rules={[
            { required: true, message: t('validation.required') },
            ({ getFieldValue }) => ({
              validator: (_rule, value) =>
                !value || getFieldValue('password') === value ? Promise.resolve() : Promise.reject(new Error(t('validation.passwordMismatch'))),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" data-testid="setup-confirm" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={run.isPending} disabled={!token} data-testid="setup-submit">
          {t('setup.submit')}
        </Button>
      </Form>
    </AuthShell>
  );
}
