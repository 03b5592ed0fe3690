import { Input, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/client';
import { useUsers } from '../api/users';

interface Props {
  value?: string | null;
  onChange?: (value: string | null) => void;
  testId?: string;
}

/**
 * Picks a user by name from GET /api/v1/users (readable by every signed-in role). Only if the list
 * could not be loaded for another reason than 403 (network, server error) does it take a user id as text.
 */
export function UserSelect({ value, onChange, testId }: Props) {
  const { t } = useTranslation();
  const users = useUsers();
  if (users.isError && !(isApiError(users.error) && users.error.status === 403)) {
    return (
      <Input
        value={value ?? ''}
        onChange={(e) => onChange?.(e.target.value || null)}
        placeholder={t('field.userId')}
        data-testid={testId}
      />
    );
  }
  return (
    <Select
      allowClear
      showSearch={{ optionFilterProp: 'label' }}
      loading={users.isPending}
      value={value ?? undefined}
      onChange={(v: string | undefined) => onChange?.(v ?? null)}
      options={(users.data?.items ?? [])
        .filter((u) => !u.disabled || u.id === value)
        .map((u) => ({ value: u.id, label: u.name ? `${u.name} <${u.email}>` : u.email }))}
      // while the list loads, show nothing rather than the raw id
      labelRender={(option) => (users.isPending ? '' : option.label)}
      data-testid={testId}
      style={{ width: '100%' }}
    />
  );
}
