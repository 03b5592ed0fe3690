import { Descriptions, Progress } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ImportJob } from '../api/types';

/** Progress bar and counts of an import job. */
export function ImportProgress({ job }: { job: ImportJob }) {
  const { t } = useTranslation();
  const done = job.status === 'done';
  const percent = job.totalRows > 0 ? Math.min(100, Math.round((job.processedRows / job.totalRows) * 100)) : done ? 100 : 0;
  const status = job.status === 'failed' ? 'exception' : done ? 'success' : 'active';
  return (
    <div>
      <Progress
        percent={done ? 100 : percent}
        status={status}
        data-testid="import-progress"
        data-status={job.status}
        data-processed={job.processedRows}
        data-total={job.totalRows}
      />
      <Descriptions size="small" column={{ xs: 1, sm: 2, md: 5 }} style={{ marginTop: 16 }} data-testid="import-counts">
        <Descriptions.Item label={t('import.status')}>
          <span data-testid="import-status">{t(`import.jobStatus.${job.status}`)}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('import.totalRows')}>{job.totalRows}</Descriptions.Item>
        <Descriptions.Item label={t('import.processedRows')}>{job.processedRows}</Descriptions.Item>
        <Descriptions.Item label={t('import.createdRows')}>
          <span data-testid="import-created">{job.createdRows}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('import.failedRows')}>
          <span data-testid="import-failed">{job.failedRows}</span>
        </Descriptions.Item>
      </Descriptions>
    </div>
  );
}
