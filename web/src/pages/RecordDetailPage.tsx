import { ArrowLeftOutlined } from '@ant-design/icons';
import { Button, Card, Col, Flex, Result, Row, Space, Spin, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router-dom';
import { isApiError } from '../api/client';
import { useRecord } from '../api/records';
import { RECORD_DEFS, recordTitle, type RecordTypeKey } from '../api/recordTypes';
import type { BaseRecord, Phone } from '../api/types';
import { ContactTickets } from '../components/ContactTickets';
import { DeleteRecordButton } from '../components/DeleteRecordButton';
import { ErrorAlert } from '../components/ErrorAlert';
import { NoteBox } from '../components/NoteBox';
import { PhoneList } from '../components/PhoneList';
import { RecordEditCard } from '../components/RecordEditCard';
import { RecordTimeline } from '../components/RecordTimeline';

/** /<type>/:id: editable fields (PATCH), delete, timeline with notes; contacts add phones and tickets. */
export function RecordDetailPage({ type }: { type: RecordTypeKey }) {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const def = RECORD_DEFS[type];
  const record = useRecord<BaseRecord>(type, id);

  if (record.isPending) return <Spin size="large" />;
  if (record.isError) {
    if (isApiError(record.error) && record.error.status === 404) {
      return (
        <Result
          status="404"
          title={t('record.notFound')}
          extra={<Button onClick={() => navigate(`/${type}`)}>{t('record.backToList', { list: t(`nav.${type}`) })}</Button>}
        />
      );
    }
    return <ErrorAlert error={record.error} />;
  }

  const data = record.data;
  const phones = Array.isArray(data.phones) ? (data.phones as Phone[]) : null;

  return (
    <div>
      <Flex justify="space-between" align="center" wrap gap={12} style={{ marginBottom: 16 }}>
        <Space>
          <Button type="text" icon={<ArrowLeftOutlined />} onClick={() => navigate(`/${type}`)} aria-label={t('common.back')} />
          <Typography.Title level={3} style={{ margin: 0 }} data-testid="record-title">
            {recordTitle(def, data) || t('record.untitled')}
          </Typography.Title>
        </Space>
        <DeleteRecordButton def={def} id={data.id} />
      </Flex>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={14}>
          <Space orientation="vertical" size={16} style={{ width: '100%' }}>
            {type === 'contacts' && phones && (
              <Card title={t('phones.title')}>
                <PhoneList phones={phones} />
              </Card>
            )}
            <RecordEditCard key={data.id} def={def} record={data} />
            {type === 'contacts' && <ContactTickets contactId={data.id} />}
          </Space>
        </Col>
        <Col xs={24} xl={10}>
          <Card title={t('timeline.title')}>
            <NoteBox type={type} id={data.id} />
            <RecordTimeline type={type} id={data.id} />
          </Card>
        </Col>
      </Row>
    </div>
  );
}
