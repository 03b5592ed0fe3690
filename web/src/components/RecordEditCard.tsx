import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, App, Button, Card, Form, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { applyFormErrors } from '../api/formErrors';
import { toFormValues, toRequestBody } from '../api/formValues';
import { useUpdateRecord } from '../api/records';
import type { RecordTypeDef } from '../api/recordTypes';
import type { BaseRecord } from '../api/types';
import { ErrorAlert } from './ErrorAlert';
import { RecordForm } from './RecordForm';

/**
 * The record's fields as an editable form saved with PATCH /api/v1/<type>/:id. When the record
 * changes on the server (live event) the form follows, unless the user has unsaved edits.
 */
export function RecordEditCard({ def, record }: { def: RecordTypeDef; record: BaseRecord }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const update = useUpdateRecord(def.key, record.id);
  const [unmatched, setUnmatched] = useState<string[]>([]);
  const [stale, setStale] = useState(false);
  const values = useMemo(() => toFormValues(def, record), [def, record]);
  const lastVersion = useRef(record.updatedAt ?? null);
  const prefix = `${def.singular}-edit`;

  useEffect(() => {
    const version = record.updatedAt ?? null;
    if (version === lastVersion.current) return;
    lastVersion.current = version;
    if (form.isFieldsTouched()) setStale(true);
    else form.setFieldsValue(values);
  }, [record.updatedAt, values, form]);

  const reload = () => {
    form.resetFields();
    form.setFieldsValue(values);
    setStale(false);
  };

  const onFinish = (formValues: Record<string, unknown>) => {
    setUnmatched([]);
    update.mutate(toRequestBody(def, formValues, 'patch'), {
      onSuccess: (saved) => {
        message.success(t('record.saved'));
        setStale(false);
        const next = saved && typeof saved === 'object' && 'id' in saved ? toFormValues(def, saved) : formValues;
        lastVersion.current = (saved as BaseRecord | undefined)?.updatedAt ?? lastVersion.current;
        form.resetFields();
        form.setFieldsValue(next);
      },
      onError: (err) => setUnmatched(applyFormErrors(form, err, [...def.fields.map((f) => f.name), 'recordType'])),
    });
  };

  return (
    <Card title={t('record.details')}>
      {stale && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          title={t('record.changedElsewhere')}
          action={<Button size="small" onClick={reload}>{t('record.reload')}</Button>}
        />
      )}
      {update.isError && <ErrorAlert error={update.error} extra={unmatched} style={{ marginBottom: 16 }} testId={`${prefix}-error`} />}
      <RecordForm
        def={def}
        form={form}
        initialValues={values}
        onFinish={onFinish}
        testIdPrefix={prefix}
        footer={
          <Space>
            <Button type="primary" htmlType="submit" loading={update.isPending} data-testid={`${prefix}-save`}>
              {t('common.save')}
            </Button>
            <Button onClick={reload}>{t('common.reset')}</Button>
          </Space>
        }
      />
    </Card>
  );
}
