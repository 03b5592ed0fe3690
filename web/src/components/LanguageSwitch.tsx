import { GlobalOutlined } from '@ant-design/icons';
import { App, Button, Dropdown } from 'antd';
import { useTranslation } from 'react-i18next';
import { saveMyLocale, useMe } from '../api/session';
import { setLanguage } from '../i18n';
import { type AppLanguage, LANGUAGE_NAMES, LANGUAGES, matchLanguage } from '../i18n/languages';

/**
 * English / 简体中文 / 繁體中文. Remembered in localStorage; when signed in also saved to the
 * account with PATCH /api/v1/auth/me {locale}.
 */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const me = useMe();
  const current = matchLanguage(i18n.language) ?? 'en';

  const choose = async (lng: AppLanguage) => {
    const signedIn = Boolean(me.data);
    await setLanguage(lng, { pending: !signedIn });
    if (signedIn) {
      saveMyLocale(lng).catch(() => message.warning(t('language.saveFailed')));
    }
  };

  return (
    <Dropdown
      trigger={['click']}
      menu={{
        selectable: true,
        selectedKeys: [current],
        items: LANGUAGES.map((lng) => ({
          key: lng,
          label: (
            <span data-testid={`language-option-${lng}`} lang={lng}>
              {LANGUAGE_NAMES[lng]}
            </span>
          ),
        })),
        onClick: ({ key }) => void choose(key as AppLanguage),
      }}
    >
      <Button type="text" icon={<GlobalOutlined />} data-testid="language-switch" aria-label={t('language.label')}>
        {LANGUAGE_NAMES[current]}
      </Button>
    </Dropdown>
  );
}
