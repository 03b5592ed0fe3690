import { PhoneOutlined } from '@ant-design/icons';
import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { SearchHit } from '../api/types';

const TYPE_COLORS: Record<string, string> = { contact: 'blue', lead: 'gold', company: 'green' };

/** One quick search result: type, name, subtitle and the matched phone with its label. */
export function SearchResultRow({ hit }: { hit: SearchHit }) {
  const { t } = useTranslation();
  return (
    <div className="hl-search-row" data-testid="quick-search-result" data-type={hit.type} data-id={hit.id}>
      <div>
        <Tag color={TYPE_COLORS[hit.type]}>{t(`recordType.${hit.type}`, { defaultValue: hit.type })}</Tag>
        <strong>{hit.name}</strong>
      </div>
      {(hit.subtitle || hit.phone) && (
        <div className="hl-search-row-sub">
          {hit.subtitle && <span>{hit.subtitle}</span>}
          {hit.subtitle && hit.phone && <span> · </span>}
          {hit.phone && (
            <span data-testid="quick-search-result-phone">
              <PhoneOutlined /> {hit.phone.raw || hit.phone.e164}{' '}
              ({t(`phoneLabel.${hit.phone.label}`, { defaultValue: hit.phone.label })})
            </span>
          )}
        </div>
      )}
    </div>
  );
}
