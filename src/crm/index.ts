/** The CRM module's only import surface. */
export * from './types.js';
export { normalizePhone, phoneKeyOrNull, isSupportedRegion, leadingCallingCode, trunkPrefixOf, type NormalizedPhone } from './phone.js';
export {
  tokensFor,
  textTokens,
  phoneDigitKeys,
  parseQuery,
  phraseTerm,
  termMatches,
  foldText,
  PREFIX_END,
  MAX_TOKEN_LENGTH,
  MAX_QUERY_TERMS,
  type SearchToken,
  type SearchTerm,
  type TokenField,
} from './search.js';
export { validateInput, currencyDigits, toMinor, fromMinor, LIMITS, type PhoneDraft } from './validate.js';
export type { CrmRepository, ListQuery, SearchHit, NewContactRow } from './ports.js';
export {
  CrmService,
  transitionTicket,
  NOT_FOUND_CODES,
  MAX_PAGE,
  DEFAULT_PAGE,
  MAX_SEARCH,
  DEFAULT_SEARCH,
  type CrmServiceDeps,
  type UserDirectory,
} from './service.js';
