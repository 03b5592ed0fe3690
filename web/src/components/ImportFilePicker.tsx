import { InboxOutlined } from '@ant-design/icons';
import { Upload } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CsvFile } from '../api/imports';

/** Picks a CSV file and hands over its raw bytes (nothing is uploaded until the preview request; the server decodes). */
export function ImportFilePicker({ onFile, disabled }: { onFile: (file: CsvFile) => void; disabled?: boolean }) {
  const { t } = useTranslation();
  return (
    <div data-testid="import-file">
      <Upload.Dragger
        accept=".csv,text/csv"
        multiple={false}
        showUploadList={false}
        disabled={disabled}
        beforeUpload={(file) => {
          void file.arrayBuffer().then((bytes) => onFile({ name: file.name, bytes }));
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
