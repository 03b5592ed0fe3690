import { useState } from 'react';
import { Button, Flex, Input } from 'antd';
import { useTranslation } from 'react-i18next';
import { useAddNote } from '../api/records';
import type { RecordTypeKey } from '../api/recordTypes';
import { ErrorAlert } from './ErrorAlert';

/** POST /api/v1/<type>/:id/notes {body} */
export function NoteBox({ type, id }: { type: RecordTypeKey; id: string }) {
  const { t } = useTranslation();
  const [body, setBody] = useState('');
  const add = useAddNote(type, id);
  const submit = () => {
    const text = body.trim();
    if (!text) return;
    add.mutate(text, { onSuccess: () => setBody('') });
  };
  return (
    <div style={{ marginBottom: 16 }}>
      {add.isError && <ErrorAlert error={add.error} style={{ marginBottom: 8 }} />}
      <Input.TextArea
        value={body}
        onChange={(e) => setBody(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submit();
        }}
        autoSize={{ minRows: 2, maxRows: 8 }}
        placeholder={t('timeline.notePlaceholder')}
        data-testid="note-input"
      />
      <Flex justify="flex-end" style={{ marginTop: 8 }}>
        <Button type="primary" onClick={submit} loading={add.isPending} disabled={!body.trim()} data-testid="note-submit">
          {t('timeline.addNote')}
        </Button>
      </Flex>
    </div>
  );
}
