import { SETTINGS, type Setting } from './schema.js';

/** Renders docs/configuration.md from the schema. */
export function renderConfigDocs(): string {
  const lines = [
    '# Configuration',
    '',
    '<!-- generated from src/config/schema.ts by `npm run docs:config`; do not edit by hand -->',
    '',
    'Hotline reads its settings from `HOTLINE_*` environment variables and, optionally, a JSON file',
    'named by `HOTLINE_CONFIG_FILE` whose keys are the names in the first column. Environment variables',
    'win over the file. Every value is checked at start; all problems are listed at once and Hotline',
    'exits with a non-zero status. Unknown `HOTLINE_*` variables are problems too, to catch typos.',
    '',
    '| key | variable | type | default | sensitive | description |',
    '|---|---|---|---|---|---|',
  ];
  for (const s of SETTINGS as readonly Setting[]) {
    const type = s.type === 'enum' ? `one of ${s.values!.map((v) => `\`${v}\``).join(', ')}` : s.type;
    const range = s.min !== undefined || s.max !== undefined ? ` (${s.min ?? ''}…${s.max ?? ''})` : '';
    const def = s.default === null ? '(none)' : `\`${String(s.default)}\``;
    lines.push(`| \`${s.key}\` | \`${s.env}\` | ${type}${range} | ${def} | ${s.sensitive ? 'yes' : ''} | ${s.description} |`);
  }
  return lines.join('\n') + '\n';
}
