import { Button, Empty, Flex, Spin, Tag, Timeline, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import { useTranslation } from 'react-i18next';
import { useTimeline } from '../api/records';
import type { RecordTypeKey } from '../api/recordTypes';
import type { TimelineItem } from '../api/types';
import { ErrorAlert } from './ErrorAlert';
import { UserName } from './UserName';

const KIND_COLORS: Record<string, string> = {
  created: 'green',
  updated: 'gray',
  'note.added': 'blue',
  'task.added': 'blue',
  'ticket.opened': 'orange',
  linked: 'gray',
  call: 'orange',
};

/** GET /api/v1/<type>/:id/timeline, newest first, with "load more". */
export function RecordTimeline({ type, id }: { type: RecordTypeKey; id: string }) {
  const { t } = useTranslation();
  // The server's summary is English; entries are rendered from their kind and data in
  // the user's language, and the summary is kept only for what users wrote (notes).
  const describe = (item: TimelineItem): string => {
    const data = (item.data ?? {}) as Record<string, unknown>;
    const linkedType = typeof data.type === 'string' ? t(`recordType.${data.type}`, { defaultValue: data.type }) : '';
    switch (item.kind) {
      case 'created':
        return t('timeline.text.created');
      case 'updated': {
        const fields = Array.isArray(data.fields) ? (data.fields as string[]) : [];
        return t('timeline.text.updated', { fields: fields.map((f) => t(`field.${f}`, { defaultValue: f })).join(t('timeline.text.separator')) });
      }
      case 'task.added':
      case 'ticket.opened':
      case 'linked':
        return typeof data.title === 'string' ? `${linkedType} · ${data.title}` : item.summary;
      default:
        return item.summary;
    }
  };
  const timeline = useTimeline(type, id);
  if (timeline.isPending) return <Spin />;
  if (timeline.isError) return <ErrorAlert error={timeline.error} />;
  const items = timeline.data.pages.flatMap((p) => p.items);
  if (items.length === 0) return <Empty description={t('timeline.empty')} image={Empty.PRESENTED_IMAGE_SIMPLE} />;
  return (
    <>
      <Timeline
        data-testid="timeline"
        items={items.map((item) => {
          return {
            key: item.id,
            color: KIND_COLORS[item.kind] ?? 'gray',
            title: (
              <Tooltip title={dayjs(item.at).format('LLL')}>
                <span>{dayjs(item.at).fromNow()}</span>
              </Tooltip>
            ),
            content: (
              <div data-testid="timeline-item" data-kind={item.kind}>
                <Tag>{t(`timeline.kind.${item.kind.replace(/\./g, '_')}`, { defaultValue: item.kind })}</Tag>
                {item.actorId && (
                  <Typography.Text type="secondary">
                    <UserName id={item.actorId} />
                  </Typography.Text>
                )}
                <div style={{ whiteSpace: 'pre-wrap' }}>{describe(item)}</div>
              </div>
            ),
          };
        })}
      />
      {timeline.hasNextPage && (
        <Flex justify="center">
          <Button onClick={() => void timeline.fetchNextPage()} loading={timeline.isFetchingNextPage}>
            {t('list.loadMore')}
          </Button>
        </Flex>
      )}
    </>
  );
}
