import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Form, Input, Select, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { PHONE_LABELS } from '../api/types';

/** Form.List of {label, number}; number is sent as typed, the server normalises it to E.164. */
export function PhonesInput({ name, testIdPrefix }: { name: string; testIdPrefix: string }) {
  const { t } = useTranslation();
  return (
    <Form.List name={name}>
      {(fields, { add, remove }) => (
        <Space orientation="vertical" style={{ width: '100%' }}>
          {fields.map((field) => (
            <Space.Compact key={field.key} style={{ width: '100%' }}>
              <Form.Item name={[field.name, 'id']} hidden noStyle>
                <Input type="hidden" />
              </Form.Item>
              <Form.Item name={[field.name, 'label']} noStyle initialValue="mobile">
                <Select
                  style={{ width: 120 }}
                  aria-label={t('field.phoneLabel')}
                  data-testid={`${testIdPrefix}-phone-label`}
                  options={PHONE_LABELS.map((l) => ({ value: l, label: t(`phoneLabel.${l}`) }))}
                />
              </Form.Item>
              <Form.Item name={[field.name, 'number']} noStyle>
                <Input
                  type="tel"
                  placeholder={t('field.phoneNumber')}
                  aria-label={t('field.phoneNumber')}
                  data-testid={`${testIdPrefix}-phone-number`}
                  data-index={field.name}
                />
              </Form.Item>
              <Button icon={<MinusCircleOutlined />} onClick={() => remove(field.name)} aria-label={t('common.remove')} />
            </Space.Compact>
          ))}
          <Button
            type="dashed"
            icon={<PlusOutlined />}
            onClick={() => add({ label: fields.length ? 'work' : 'mobile', number: '' })}
            data-testid={`${testIdPrefix}-phone-add`}
          >
            {t('field.addPhone')}
          </Button>
        </Space>
      )}
    </Form.List>
  );
}
