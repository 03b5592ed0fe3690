import { useEffect, useRef } from 'react';
import { saveMyLocale } from '../api/session';
import type { SessionUser } from '../api/types';
import { currentLanguage, hasPendingLanguage, setLanguage } from './index';
import { matchLanguage } from './languages';

/**
 * Reconciles the UI language with the signed-in user's saved locale, once per user:
 * a choice made while signed out is saved with PATCH /api/v1/auth/me; otherwise the account's
 * locale (the last choice saved from any device) is applied and remembered locally.
 */
export function useLanguageSync(user: SessionUser | null | undefined): void {
  const done = useRef<string | null>(null);
  useEffect(() => {
    if (!user || done.current === user.id) return;
    done.current = user.id;
    const mine = currentLanguage();
    const saved = matchLanguage(user.locale);
    if (hasPendingLanguage() || !saved) {
      if (saved !== mine) saveMyLocale(mine).catch(() => undefined);
      void setLanguage(mine);
    } else if (saved !== mine) {
      void setLanguage(saved);
    }
  }, [user]);
}
