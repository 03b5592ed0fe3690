import { Flex, Select, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { IMPORT_ENCODINGS, type ImportEncoding } from '../api/imports';

const LABEL_KEYS: Record<ImportEncoding, string> = {
  '': 'import.encoding.auto',
  gb18030: 'import.encoding.gb18030',
  big5: 'import.encoding.big5',
  'utf-16le': 'import.encoding.utf16',
};

interface Props {
  value: ImportEncoding;
  onChange: (value: ImportEncoding) => void;
  /** Highlighted when the server could not decode the file without a named encoding. */
  invalid?: boolean;
  disabled?: boolean;
}

/** The CSV file's text encoding; Auto sends none (a BOM decides, else the server requires UTF-8). */
export function ImportEncodingSelect({ value, onChange, invalid, disabled }: Props) {
  const { t } = useTranslation();
  return (
    <Flex gap={8} align="center" wrap>
      <Typography.Text>{t('import.encoding.label')}</Typography.Text>
      <Select<ImportEncoding>
        value={value}
        onChange={onChange}
        status={invalid ? 'error' : undefined}
        disabled={disabled}
        options={IMPORT_ENCODINGS.map((e) => ({ value: e, label: t(LABEL_KEYS[e]) }))}
        data-testid="import-encoding"
        style={{ minWidth: 240 }}
        aria-label={t('import.encoding.label')}
      />
    </Flex>
  );
}
