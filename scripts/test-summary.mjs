// Prints one plain closing line for the test run ("tests: N passed, N failed, N skipped"),
// read from Vitest's JSON report, so any CI can tell a run that tested nothing.
import { readFileSync } from 'node:fs';

try {
  const r = JSON.parse(readFileSync(new URL('../test-results/vitest.json', import.meta.url), 'utf8'));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
} catch (e) {
  console.log(`tests: no report (${e.message})`);
}
