import { CopyOutlined, PhoneOutlined } from '@ant-design/icons';
import { App, Empty, Flex, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Phone } from '../api/types';
import { copyText } from './copyText';

/** Phone numbers with their labels; a click copies the number (click to call comes with the phone). */
export function PhoneList({ phones }: { phones: Phone[] }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  if (!phones.length) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('phones.none')} />;
  return (
    <Flex vertical gap={8}>
      {phones.map((phone) => {
        const number = phone.e164 || phone.raw;
        return (
          <Flex
            key={phone.id || number}
            justify="space-between"
            align="center"
            className="hl-phone-copy"
            role="button"
            tabIndex={0}
            title={t('phones.copy')}
            data-testid="phone-copy"
            onClick={() =>
              copyText(number).then(
                () => message.success(t('phones.copied', { number })),
                () => message.error(t('phones.copyFailed')),
              )
            }
          >
            <span>
              <PhoneOutlined /> {phone.raw || phone.e164}{' '}
              {phone.e164 && phone.e164 !== phone.raw && <Tag>{phone.e164}</Tag>}
              <Tag color="blue">{t(`phoneLabel.${phone.label}`, { defaultValue: phone.label })}</Tag>
            </span>
            <CopyOutlined />
          </Flex>
        );
      })}
    </Flex>
  );
}
