import { Checkbox, DatePicker, Form, Input, InputNumber, Select } from 'antd';
import type { Rule } from 'antd/es/form';
import { useTranslation } from 'react-i18next';
import type { FieldDef } from '../api/recordTypes';
import { EmailsInput } from './EmailsInput';
import { PhonesInput } from './PhonesInput';
import { RecordLinkInput } from './RecordLinkInput';
import { RecordSelect } from './RecordSelect';
import { UserSelect } from './UserSelect';

/** One record field as a Form.Item, chosen by its kind. */
export function FormField({ field, testIdPrefix }: { field: FieldDef; testIdPrefix: string }) {
  const { t } = useTranslation();
  const label = t(field.labelKey ?? `field.${field.name}`);
  const testId = `${testIdPrefix}-${field.name}`;
  const rules: Rule[] = field.required ? [{ required: true, whitespace: true, message: t('validation.required') }] : [];

  switch (field.kind) {
    case 'phones':
      return (
        <Form.Item label={label}>
          <PhonesInput name={field.name} testIdPrefix={testIdPrefix} />
        </Form.Item>
      );
    case 'emails':
      return (
        <Form.Item label={label}>
          <EmailsInput name={field.name} testIdPrefix={testIdPrefix} />
        </Form.Item>
      );
    case 'recordLink':
      return <RecordLinkInput testIdPrefix={testIdPrefix} />;
    case 'boolean':
      return (
        <Form.Item name={field.name} valuePropName="checked" label={label}>
          <Checkbox data-testid={testId} />
        </Form.Item>
      );
    default:
      break;
  }

  let input;
  switch (field.kind) {
    case 'textarea':
      input = <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} data-testid={testId} />;
      break;
    case 'select':
      input = (
        <Select
          data-testid={testId}
          options={(field.options ?? []).map((v) => ({ value: v, label: t(`enum.${field.enumName}.${v}`) }))}
        />
      );
      break;
    case 'number':
      input = <InputNumber style={{ width: '100%' }} data-testid={testId} />;
      break;
    case 'date':
      input = <DatePicker style={{ width: '100%' }} data-testid={testId} />;
      break;
    case 'datetime':
      input = <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" style={{ width: '100%' }} data-testid={testId} />;
      break;
    case 'record':
      input = <RecordSelect target={field.target ?? 'contacts'} testId={testId} />;
      break;
    case 'records':
      input = <RecordSelect target={field.target ?? 'contacts'} multiple testId={testId} />;
      break;
    case 'user':
      input = <UserSelect testId={testId} />;
      break;
    case 'email':
      input = <Input type="email" data-testid={testId} />;
      rules.push({ type: 'email', message: t('validation.email') });
      break;
    default:
      input = <Input data-testid={testId} />;
  }
  return (
    <Form.Item name={field.name} label={label} rules={rules}>
      {input}
    </Form.Item>
  );
}
