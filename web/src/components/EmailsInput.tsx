import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Form, Input, Select, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { EMAIL_LABELS } from '../api/types';

export function EmailsInput({ name, testIdPrefix }: { name: string; testIdPrefix: string }) {
  const { t } = useTranslation();
  return (
    <Form.List name={name}>
      {(fields, { add, remove }) => (
        <Space orientation="vertical" style={{ width: '100%' }}>
          {fields.map((field) => (
            <Space.Compact key={field.key} style={{ width: '100%' }}>
              <Form.Item name={[field.name, 'label']} noStyle initialValue="work">
                <Select
                  style={{ width: 120 }}
                  aria-label={t('field.emailLabel')}
                  options={EMAIL_LABELS.map((l) => ({ value: l, label: t(`emailLabel.${l}`) }))}
                />
              </Form.Item>
              <Form.Item
                name={[field.name, 'address']}
                noStyle
                rules={[{ type: 'email', message: t('validation.email') }]}
              >
                <Input
                  type="email"
                  placeholder={t('field.emailAddress')}
                  aria-label={t('field.emailAddress')}
                  data-testid={`${testIdPrefix}-email-address`}
                />
              </Form.Item>
              <Button icon={<MinusCircleOutlined />} onClick={() => remove(field.name)} aria-label={t('common.remove')} />
            </Space.Compact>
          ))}
          <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ label: 'work', address: '' })}>
            {t('field.addEmail')}
          </Button>
        </Space>
      )}
    </Form.List>
  );
}
