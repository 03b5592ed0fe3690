import type { CSSProperties } from 'react';
import { Alert } from 'antd';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/client';

interface Props {
  error: unknown;
  /** Extra lines (e.g. field details no form field could show). */
  extra?: string[];
  style?: CSSProperties;
  testId?: string;
}

/** Shows the server's error message ({error:{message, details}}) or a generic one. */
export function ErrorAlert({ error, extra = [], style, testId }: Props) {
  const { t } = useTranslation();
  if (!error) return null;
  let message: string;
  if (isApiError(error)) {
    message = error.status === 0 ? t('errors.network') : error.message || t('errors.generic');
  } else {
    message = error instanceof Error && error.message ? error.message : t('errors.generic');
  }
  const lines = extra.length ? extra : [];
  return (
    <Alert
      type="error"
      showIcon
      style={style}
      data-testid={testId}
      title={message}
      description={lines.length ? <ul style={{ margin: 0, paddingLeft: 18 }}>{lines.map((l) => <li key={l}>{l}</li>)}</ul> : undefined}
    />
  );
}
