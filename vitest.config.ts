import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'web/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: more workers only make the database-heavy suites slower.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
