import { useState } from 'react';
import { Button, Card, Flex, Space, Steps, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { useLiveEvent } from '../api/events';
import { isApiError } from '../api/client';
import { type CsvFile, IGNORE, type ImportEncoding, isFinished, newerJob, useImportJob, usePreviewImport, useStartImport } from '../api/imports';
import type { ImportJob, ImportPreview } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { ImportEncodingSelect } from '../components/ImportEncodingSelect';
import { ImportErrors } from '../components/ImportErrors';
import { ImportFilePicker } from '../components/ImportFilePicker';
import { ImportMapping } from '../components/ImportMapping';
import { ImportProgress } from '../components/ImportProgress';

/** Contacts CSV import: preview and map columns, start the job, follow it live (WebSocket, 1 s polling fallback). */
export function ImportPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [file, setFile] = useState<CsvFile | null>(null);
  const [encoding, setEncoding] = useState<ImportEncoding>('');
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [started, setStarted] = useState<ImportJob | null>(null);
  const [live, setLive] = useState<ImportJob | null>(null);
  const previewReq = usePreviewImport();
  const startReq = useStartImport();

  const jobId = started?.id ?? null;
  const known = newerJob(started, live);
  const polled = useImportJob(jobId, Boolean(jobId) && !isFinished(known));
  const job = newerJob(known, polled.data);

  useLiveEvent('import.progress', (event) => {
    const data = event.data as ImportJob | null;
    if (data && jobId && data.id === jobId) setLive((prev) => newerJob(prev, data));
  });

  const runPreview = (picked: CsvFile, enc: ImportEncoding) => {
    setPreview(null);
    previewReq.mutate(
      { file: picked, encoding: enc },
      {
        onSuccess: (res) => {
          setPreview(res);
          const next: Record<string, string> = {};
          for (const column of res.columns) next[column] = res.suggestedMapping[column] ?? IGNORE;
          setMapping(next);
        },
      },
    );
  };

  const onFile = (picked: CsvFile) => {
    setFile(picked);
    runPreview(picked, encoding);
  };

  // The server could not decode the file as UTF-8 (or as the chosen encoding): the user picks one and the preview is retried.
  const encodingError = previewReq.isError && isApiError(previewReq.error) && previewReq.error.code === 'CSV_ENCODING';

  const onEncoding = (next: ImportEncoding) => {
    setEncoding(next);
    if (file && !previewReq.isPending) runPreview(file, next);
  };

  const start = () => {
    if (!file || !preview) return;
    const body: Record<string, string | null> = {};
    for (const column of preview.columns) {
      const field = mapping[column] ?? IGNORE;
      body[column] = field === IGNORE ? null : field;
    }
    startReq.mutate({ file, encoding, mapping: body }, { onSuccess: (res) => setStarted(res.job) });
  };

  const reset = () => {
    setFile(null);
    setPreview(null);
    setMapping({});
    setStarted(null);
    setLive(null);
    previewReq.reset();
    startReq.reset();
  };

  const step = job ? 2 : preview ? 1 : 0;
  const anyMapped = Object.values(mapping).some((f) => f !== IGNORE);

  return (
    <div>
      <Typography.Title level={3}>{t('import.title')}</Typography.Title>
      <Steps
        current={step}
        style={{ marginBottom: 24 }}
        items={[{ title: t('import.stepFile') }, { title: t('import.stepMapping') }, { title: t('import.stepRun') }]}
      />
      <Card>
        {step === 0 && (
          <Space orientation="vertical" style={{ width: '100%' }}>
            <ImportEncodingSelect value={encoding} onChange={onEncoding} invalid={encodingError} disabled={previewReq.isPending} />
            <ImportFilePicker onFile={onFile} disabled={previewReq.isPending} />
            {previewReq.isPending && <Typography.Text>{t('import.reading', { name: file?.name ?? '' })}</Typography.Text>}
            {previewReq.isError && (
              <ErrorAlert error={previewReq.error} extra={encodingError ? [t('import.encoding.retryHint')] : []} testId="import-preview-error" />
            )}
          </Space>
        )}
        {step === 1 && preview && (
          <Space orientation="vertical" style={{ width: '100%' }} size={16}>
            <Typography.Text>{t('import.previewSummary', { name: file?.name ?? '', count: preview.totalRows })}</Typography.Text>
            <ImportMapping preview={preview} mapping={mapping} onChange={setMapping} />
            {startReq.isError && <ErrorAlert error={startReq.error} />}
            <Flex gap={8} justify="flex-end">
              <Button onClick={reset}>{t('common.back')}</Button>
              <Button type="primary" onClick={start} loading={startReq.isPending} disabled={!anyMapped} data-testid="import-start">
                {t('import.start')}
              </Button>
            </Flex>
          </Space>
        )}
        {step === 2 && job && (
          <Space orientation="vertical" style={{ width: '100%' }} size={16}>
            <ImportProgress job={job} />
            {polled.isError && !isFinished(job) && <ErrorAlert error={polled.error} />}
            <ImportErrors errors={job.errors ?? []} />
            {isFinished(job) && (
              <Flex gap={8} justify="flex-end">
                <Button onClick={reset} data-testid="import-again">
                  {t('import.another')}
                </Button>
                <Button type="primary" onClick={() => navigate('/contacts')}>
                  {t('import.viewContacts')}
                </Button>
              </Flex>
            )}
          </Space>
        )}
      </Card>
    </div>
  );
}
