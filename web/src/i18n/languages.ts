export type AppLanguage = 'en' | 'zh-CN' | 'zh-TW';
export const LANGUAGES: AppLanguage[] = ['en', 'zh-CN', 'zh-TW'];

/** Each language's name in itself, for the switcher. */
export const LANGUAGE_NAMES: Record<AppLanguage, string> = {
  en: 'English',
  'zh-CN': '简体中文',
  'zh-TW': '繁體中文',
};

export const STORAGE_KEY = 'hotline.locale';
/** Set when the language was picked while signed out: it is saved to the account at the next sign-in. */
export const PENDING_KEY = 'hotline.locale.pending';

/** Maps a BCP 47 tag to one of ours: zh-TW/zh-HK/zh-MO/zh-Hant → zh-TW, other zh → zh-CN, en → en. */
export function matchLanguage(tag: string | null | undefined): AppLanguage | null {
  if (!tag) return null;
  const lower = tag.toLowerCase().replace(/_/g, '-');
  if (lower === 'en' || lower.startsWith('en-')) return 'en';
  if (lower === 'zh' || lower.startsWith('zh-')) {
    const parts = lower.split('-');
    if (parts.includes('hant') || parts.includes('tw') || parts.includes('hk') || parts.includes('mo')) return 'zh-TW';
    return 'zh-CN';
  }
  return null;
}

/** First supported entry of navigator.languages, else English. */
export function detectLanguage(languages: readonly string[] = navigatorLanguages()): AppLanguage {
  for (const tag of languages) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return matchLanguage(tag) ?? 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

function navigatorLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  if (navigator.languages?.length) return navigator.languages;
  return navigator.language ? [navigator.language] : [];
}

export function storedLanguage(): AppLanguage | null {
  try {
    return matchLanguage(localStorage.getItem(STORAGE_KEY));
  } catch {
    return null;
  }
}

export function initialLanguage(): AppLanguage {
  return storedLanguage() ?? detectLanguage();
}
