import { describe, expect, it } from 'vitest';
import en from '../locales/en.json';
import zhCN from '../locales/zh-CN.json';
import zhTW from '../locales/zh-TW.json';

type Tree = { [key: string]: string | Tree };

/** Flattened keys without plural suffixes (Chinese has only the _other form). */
function keys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree)
    .flatMap(([k, v]) => (typeof v === 'string' ? [prefix + k] : keys(v, `${prefix}${k}.`)))
    .map((k) => k.replace(/_(one|other)$/, ''))
    .filter((k, i, all) => all.indexOf(k) === i)
    .sort();
}

describe('translations', () => {
  it('zh-CN and zh-TW have every English key and no others', () => {
    expect(keys(zhCN as Tree)).toEqual(keys(en as Tree));
    expect(keys(zhTW as Tree)).toEqual(keys(en as Tree));
  });

  it('Chinese strings are not left in English', () => {
    const values = (tree: Tree): string[] => Object.values(tree).flatMap((v) => (typeof v === 'string' ? [v] : values(v)));
    const latinOnly = (s: string) => /^[\x20-\x7e]+$/.test(s) && /[a-z]{3,}/i.test(s.replace(/\{\{\w+\}\}/g, ''));
    const allowed = new Set(['Hotline']);
    expect(values(zhCN as Tree).filter((s) => latinOnly(s) && !allowed.has(s))).toEqual([]);
    expect(values(zhTW as Tree).filter((s) => latinOnly(s) && !allowed.has(s))).toEqual([]);
  });
});
