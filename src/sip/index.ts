/** The SIP message layer: framing, parsing, typed headers, URIs, serialization, validation. */
export { REASON_PHRASES, SipError, reasonPhrase, type Parsed, type SipProblem } from './errors.js';
export { DEFAULT_LIMITS, resolveLimits, type SipLimits } from './limits.js';
export {
  formatUri,
  parseUri,
  type HostType,
  type OtherUri,
  type Params,
  type SipUri,
  type TelUri,
  type Uri,
} from './uri.js';
export {
  COMPACT_FORMS,
  canonicalName,
  formatNameAddr,
  parseNameAddrValue,
  formatParams,
  headerKey,
  isListHeader,
  type AuthValue,
  type CSeq,
  type ContactHeader,
  type ContactValue,
  type EventHeader,
  type FromTo,
  type HeaderTypes,
  type MediaType,
  type NameAddr,
  type Replaces,
  type RetryAfter,
  type TypedHeaderKey,
  type Via,
  type Warning,
} from './headers.js';
export { SipHeaders, SipRequest, SipResponse, type HeaderField, type SipMessage } from './message.js';
export { StreamFramer, parseDatagram, parseMessage, type DatagramResult, type FramerEvent } from './parser.js';
export { createResponse, serialize, serializeHead, type ResponseOptions } from './serializer.js';
export { TYPED_HEADERS, validateRequest, validateResponse, type ValidateOptions, type Validation } from './validate.js';

export * from './transaction/index.js';
export * from './digest/index.js';
export * from './transport/index.js';
