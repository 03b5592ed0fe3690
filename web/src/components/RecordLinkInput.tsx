import { Col, Form, Row, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { TASK_RECORD_TYPES, toRecordType } from '../api/recordTypes';
import { RecordSelect } from './RecordSelect';

/** A task's link to another record: recordType + recordId. */
export function RecordLinkInput({ testIdPrefix }: { testIdPrefix: string }) {
  const { t } = useTranslation();
  const form = Form.useFormInstance();
  const recordType = Form.useWatch('recordType', form) as string | null | undefined;
  const target = toRecordType(recordType);
  return (
    <Row gutter={8}>
      <Col span={8}>
        <Form.Item name="recordType" label={t('field.recordType')}>
          <Select
            allowClear
            data-testid={`${testIdPrefix}-recordType`}
            options={TASK_RECORD_TYPES.map((type) => ({ value: type, label: t(`recordType.${type}`) }))}
            onChange={() => form.setFieldValue('recordId', null)}
          />
        </Form.Item>
      </Col>
      <Col span={16}>
        <Form.Item name="recordId" label={t('field.recordId')}>
          {target ? <RecordSelect target={target} testId={`${testIdPrefix}-recordId`} /> : <Select disabled />}
        </Form.Item>
      </Col>
    </Row>
  );
}
