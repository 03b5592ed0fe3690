import { InboxOutlined } from '@ant-design/icons';
import { Upload } from 'antd';
import { useTranslation } from 'react-i18next';

/** Picks a CSV file and hands over its text (nothing is uploaded until the preview request). */
export function ImportFilePicker({ onFile, disabled }: { onFile: (file: { name: string; text: string }) => void; disabled?: boolean }) {
  const { t } = useTranslation();
  return (
    <div data-testid="import-file">
      <Upload.Dragger
        accept=".csv,text/csv"
        multiple={false}
        showUploadList={false}
        disabled={disabled}
        beforeUpload={(file) => {
          void file.text().then((text) => onFile({ name: file.name, text }));
          return false;
        }}
      >
        <p className="ant-upload-drag-icon">
          <InboxOutlined />
        </p>
        <p className="ant-upload-text">{t('import.dropHint')}</p>
        <p className="ant-upload-hint">{t('import.fileHint')}</p>
      </Upload.Dragger>
    </div>
  );
}
