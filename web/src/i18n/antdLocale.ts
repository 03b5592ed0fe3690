import type { Locale } from 'antd/es/locale';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import zhTW from 'antd/locale/zh_TW';
import type { AppLanguage } from './languages';

export const ANTD_LOCALES: Record<AppLanguage, Locale> = { en: enUS, 'zh-CN': zhCN, 'zh-TW': zhTW };
