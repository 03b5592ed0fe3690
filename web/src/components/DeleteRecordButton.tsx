import { DeleteOutlined } from '@ant-design/icons';
import { App, Button, Popconfirm } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { useDeleteRecord } from '../api/records';
import type { RecordTypeDef } from '../api/recordTypes';
import { ErrorAlert } from './ErrorAlert';

/** DELETE /api/v1/<type>/:id (204), then back to the list. */
export function DeleteRecordButton({ def, id }: { def: RecordTypeDef; id: string }) {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const navigate = useNavigate();
  const del = useDeleteRecord(def.key);
  return (
    <Popconfirm
      title={t('record.deleteConfirm', { type: t(`recordType.${def.singular}`) })}
      okText={t('common.delete')}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: true, 'data-testid': 'record-delete-confirm' }}
      onConfirm={() =>
        del.mutateAsync(id).then(
          () => {
            message.success(t('record.deleted'));
            navigate(`/${def.key}`);
          },
          (err: unknown) => {
            modal.error({ title: t('record.deleteFailed'), content: <ErrorAlert error={err} /> });
          },
        )
      }
    >
      <Button danger icon={<DeleteOutlined />} loading={del.isPending} data-testid="record-delete">
        {t('common.delete')}
      </Button>
    </Popconfirm>
  );
}
