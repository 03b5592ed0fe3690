import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import dayjs from 'dayjs';
import localizedFormat from 'dayjs/plugin/localizedFormat';
import relativeTime from 'dayjs/plugin/relativeTime';
import 'dayjs/locale/zh-cn';
import 'dayjs/locale/zh-tw';
import en from '../locales/en.json';
import zhCN from '../locales/zh-CN.json';
import zhTW from '../locales/zh-TW.json';
import { type AppLanguage, initialLanguage, matchLanguage, PENDING_KEY, STORAGE_KEY } from './languages';

dayjs.extend(localizedFormat);
dayjs.extend(relativeTime);

const DAYJS_LOCALES: Record<AppLanguage, string> = { en: 'en', 'zh-CN': 'zh-cn', 'zh-TW': 'zh-tw' };

function applySideEffects(lng: AppLanguage): void {
  dayjs.locale(DAYJS_LOCALES[lng]);
  if (typeof document !== 'undefined') document.documentElement.lang = lng;
}

const start = initialLanguage();

void i18n.use(initReactI18next).init({
  resources: {
    en: { translation: en },
    'zh-CN': { translation: zhCN },
    'zh-TW': { translation: zhTW },
  },
  lng: start,
  fallbackLng: 'en',
  supportedLngs: ['en', 'zh-CN', 'zh-TW'],
  load: 'currentOnly',
  interpolation: { escapeValue: false },
  returnNull: false,
});
applySideEffects(start);

export function currentLanguage(): AppLanguage {
  return matchLanguage(i18n.language) ?? 'en';
}

/**
 * Switches the UI language and remembers it in localStorage. `pending` marks a choice made while
 * signed out, to be saved on the account after sign-in.
 */
export async function setLanguage(lng: AppLanguage, opts: { pending?: boolean } = {}): Promise<void> {
  try {
    localStorage.setItem(STORAGE_KEY, lng);
    if (opts.pending) localStorage.setItem(PENDING_KEY, '1');
    else localStorage.removeItem(PENDING_KEY);
  } catch {
    // storage unavailable (private mode): the choice lasts for this page only
  }
  applySideEffects(lng);
  await i18n.changeLanguage(lng);
}

export function hasPendingLanguage(): boolean {
  try {
    return localStorage.getItem(PENDING_KEY) === '1';
  } catch {
    return false;
  }
}

export default i18n;
