/** SIP digest authentication (RFC 3261 §22, RFC 7616, RFC 8760). */
export {
  DIGEST_ALGORITHMS,
  DigestAuthenticator,
  computeResponse,
  digestCredentials,
  ha1,
  type DigestAlgorithm,
  type DigestCredentials,
  type DigestFailure,
  type DigestOptions,
  type DigestResult,
  type LookupHA1,
  type ResponseInput,
  type VerifyInput,
} from './digest.js';
