import { CopyOutlined } from '@ant-design/icons';
import { Alert, App, Button, Flex, Modal, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { copyText } from './copyText';

export interface ShownPassword {
  /** the seat's extension, i.e. its SIP username */
  number: string;
  password: string;
}

/**
 * Shows a seat's new SIP password once (after create or reset): the server never returns it again.
 * Only the close button or "I have saved it" closes it, not a stray click on the mask or Escape.
 */
export function SipPasswordModal({ shown, onClose }: { shown: ShownPassword | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  return (
    <Modal
      open={shown !== null}
      title={t('sip.passwordModal.title', { number: shown?.number ?? '' })}
      onCancel={onClose}
      mask={{ closable: false }}
      keyboard={false}
      destroyOnHidden
      footer={
        <Button type="primary" onClick={onClose} data-testid="sip-password-done">
          {t('sip.passwordModal.done')}
        </Button>
      }
    >
      {shown && (
        <Flex vertical gap={16} data-testid="sip-password-modal">
          <Alert type="warning" showIcon title={t('sip.passwordModal.warning')} />
          <div>
            <Typography.Text type="secondary">{t('sip.username')}</Typography.Text>
            <div>
              <Typography.Text strong data-testid="sip-password-username">
                {shown.number}
              </Typography.Text>
            </div>
          </div>
          <div>
            <Typography.Text type="secondary">{t('sip.password')}</Typography.Text>
            <Flex gap={8} align="center" wrap>
              <Typography.Text code className="hl-sip-password" data-testid="sip-password-value" aria-label={t('sip.password')}>
                {shown.password}
              </Typography.Text>
              <Button
                icon={<CopyOutlined />}
                data-testid="sip-password-copy"
                onClick={() =>
                  copyText(shown.password).then(
                    () => message.success(t('sip.passwordModal.copied')),
                    () => message.error(t('phones.copyFailed')),
                  )
                }
              >
                {t('sip.passwordModal.copy')}
              </Button>
            </Flex>
          </div>
        </Flex>
      )}
    </Modal>
  );
}
