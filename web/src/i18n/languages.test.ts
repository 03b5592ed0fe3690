import { describe, expect, it } from 'vitest';
import { detectLanguage, matchLanguage } from './languages';

describe('language choice', () => {
  it('maps Traditional Chinese regions and scripts to zh-TW', () => {
    for (const tag of ['zh-TW', 'zh-HK', 'zh-MO', 'zh-Hant', 'zh-Hant-HK', 'zh_TW']) expect(matchLanguage(tag)).toBe('zh-TW');
  });
  it('maps other Chinese to zh-CN and English to en', () => {
    for (const tag of ['zh', 'zh-CN', 'zh-SG', 'zh-Hans', 'zh-Hans-CN']) expect(matchLanguage(tag)).toBe('zh-CN');
    expect(matchLanguage('en-GB')).toBe('en');
    expect(matchLanguage('fr')).toBeNull();
  });
  it('takes the first supported browser language, else English', () => {
    expect(detectLanguage(['fr-FR', 'zh-HK', 'en'])).toBe('zh-TW');
    expect(detectLanguage(['de', 'en-US', 'zh-CN'])).toBe('en');
    expect(detectLanguage(['ja', 'de'])).toBe('en');
    expect(detectLanguage([])).toBe('en');
  });
});
