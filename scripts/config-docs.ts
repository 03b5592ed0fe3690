// Writes docs/configuration.md from the configuration schema.
import { writeFileSync } from 'node:fs';
import { renderConfigDocs } from '../src/config/index.js';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigDocs());
console.log('docs/configuration.md written');
