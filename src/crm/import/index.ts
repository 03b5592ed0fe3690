export { decodeCsv, parseCsv, parseCsvAsync, suggestMapping, checkMapping, draftRow, IMPORT_FIELDS, ENCODINGS, type ImportField, type Mapping, type Encoding, type ParsedCsv, type RowDraft } from './csv.js';
export { ImportRunner, transition as importTransition, MAX_STORED_ERRORS, type ImportJob, type ImportJobsRepo, type ImportStatus, type ImportTarget, type ContactRowInput, type RowError } from './job.js';
export { contactCsvRow, csvLines, EXPORT_HEADER, UTF8_BOM } from './export.js';
