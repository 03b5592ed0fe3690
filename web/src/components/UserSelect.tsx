import { Input, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { useUsers } from '../api/users';

interface Props {
  value?: string | null;
  onChange?: (value: string | null) => void;
  testId?: string;
}

/** Picks a user from GET /api/v1/users; if that list is not available to this role, takes a user id as text. */
export function UserSelect({ value, onChange, testId }: Props) {
  const { t } = useTranslation();
  const users = useUsers();
  if (users.isError) {
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
      data-testid={testId}
      style={{ width: '100%' }}
    />
  );
}
