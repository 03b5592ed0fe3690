import { useState } from 'react';
import { App, Button, Form, Modal } from 'antd';
import { useTranslation } from 'react-i18next';
import { applyFormErrors } from '../api/formErrors';
import { initialFormValues, toRequestBody } from '../api/formValues';
import { useCreateRecord } from '../api/records';
import type { RecordTypeDef } from '../api/recordTypes';
import type { BaseRecord } from '../api/types';
import { ErrorAlert } from './ErrorAlert';
import { RecordForm } from './RecordForm';

interface Props {
  def: RecordTypeDef;
  open: boolean;
  onClose: () => void;
  onCreated?: (record: BaseRecord) => void;
  /** Values to start from (e.g. contactId when creating a ticket from a contact). */
  preset?: Record<string, unknown>;
}

/** "New <record>" form: POST /api/v1/<type>. */
export function RecordCreateModal({ def, open, onClose, onCreated, preset }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const create = useCreateRecord(def.key);
  const [unmatched, setUnmatched] = useState<string[]>([]);
  const prefix = `${def.singular}-form`;

  const onFinish = (values: Record<string, unknown>) => {
    setUnmatched([]);
    create.mutate(toRequestBody(def, values, 'create'), {
      onSuccess: (record) => {
        message.success(t('record.created', { type: t(`recordType.${def.singular}`) }));
        form.resetFields();
        onClose();
        onCreated?.(record);
      },
      onError: (err) => setUnmatched(applyFormErrors(form, err, [...def.fields.map((f) => f.name), 'recordType'])),
    });
  };

  return (
    <Modal
      open={open}
      title={t('record.newTitle', { type: t(`recordType.${def.singular}`) })}
      onCancel={onClose}
      width={760}
      destroyOnHidden
      footer={[
        <Button key="cancel" onClick={onClose}>
          {t('common.cancel')}
        </Button>,
        <Button key="save" type="primary" loading={create.isPending} onClick={() => form.submit()} data-testid={`${prefix}-save`}>
          {t('common.save')}
        </Button>,
      ]}
    >
      {create.isError && <ErrorAlert error={create.error} extra={unmatched} style={{ marginBottom: 16 }} testId={`${prefix}-error`} />}
      <RecordForm def={def} form={form} initialValues={initialFormValues(def, preset)} onFinish={onFinish} testIdPrefix={prefix} />
    </Modal>
  );
}
