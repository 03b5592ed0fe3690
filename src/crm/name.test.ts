import { describe, expect, it } from 'vitest';
import { displayName } from './service.js';

describe('display names', () => {
  it('puts a CJK family name first without a space', () => {
    expect(displayName('芳', '王')).toBe('王芳');
    expect(displayName('美玲', '陈')).toBe('陈美玲');
  });
  it('keeps Western order and skips empty parts', () => {
    expect(displayName('Margaret', 'Chen')).toBe('Margaret Chen');
    expect(displayName('Margaret', '')).toBe('Margaret');
    expect(displayName('Mei', '陈')).toBe('Mei 陈');
  });
});
