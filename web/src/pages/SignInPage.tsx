import { Alert, Button, Form, Input } from 'antd';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { applyFormErrors } from '../api/formErrors';
import { useMe, useSetupStatus, useSignIn } from '../api/session';
import { AuthShell } from '../components/AuthShell';
import { ErrorAlert } from '../components/ErrorAlert';
import { FullPageSpin } from '../components/FullPageSpin';

interface Values {
  email: string;
  password: string;
}

/** Only same-app paths are followed after sign-in. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function SignInPage() {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const me = useMe();
  const setup = useSetupStatus();
  const signIn = useSignIn();
  const next = safeNext(params.get('next'));

  if (me.isPending) return <FullPageSpin />;
  if (me.data) return <Navigate to={next} replace />;

  const onFinish = (values: Values) => {
    signIn.mutate(
      { email: values.email.trim(), password: values.password },
      {
        onSuccess: () => navigate(next, { replace: true }),
        onError: (err) => applyFormErrors(form, err, ['email', 'password']),
      },
    );
  };

  return (
    <AuthShell title={t('auth.signInTitle')}>
      {setup.data?.needed && (
        <Alert type="info" showIcon style={{ marginBottom: 16 }} title={t('setup.neededHint')} />
      )}
      {signIn.isError && <ErrorAlert error={signIn.error} style={{ marginBottom: 16 }} testId="signin-error" />}
      <Form form={form} layout="vertical" onFinish={onFinish} requiredMark={false} autoComplete="on">
        <Form.Item
          name="email"
          label={t('field.email')}
          rules={[{ required: true, message: t('validation.required') }, { type: 'email', message: t('validation.email') }]}
        >
          <Input type="email" autoComplete="username" autoFocus data-testid="signin-email" />
        </Form.Item>
        <Form.Item name="password" label={t('field.password')} rules={[{ required: true, message: t('validation.required') }]}>
          <Input.Password autoComplete="current-password" data-testid="signin-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={signIn.isPending} data-testid="signin-submit">
          {t('auth.signIn')}
        </Button>
      </Form>
    </AuthShell>
  );
}
