import type { ReactNode } from 'react';
import { Col, Form, type FormInstance, Row } from 'antd';
import type { RecordTypeDef } from '../api/recordTypes';
import { FormField } from './FormField';

interface Props {
  def: RecordTypeDef;
  form: FormInstance;
  initialValues: Record<string, unknown>;
  onFinish: (values: Record<string, unknown>) => void;
  testIdPrefix: string;
  disabled?: boolean;
  footer?: ReactNode;
}

/** The fields of one record type in a two-column grid; wide fields take a whole row. */
export function RecordForm({ def, form, initialValues, onFinish, testIdPrefix, disabled, footer }: Props) {
  return (
    <Form
      form={form}
      layout="vertical"
      initialValues={initialValues}
      onFinish={onFinish}
      disabled={disabled}
      data-testid={testIdPrefix}
    >
      <Row gutter={16}>
        {def.fields.map((field) => (
          <Col key={field.name} xs={24} md={field.wide ? 24 : 12}>
            <FormField field={field} testIdPrefix={testIdPrefix} />
          </Col>
        ))}
      </Row>
      {footer}
    </Form>
  );
}
