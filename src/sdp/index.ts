/** SDP (RFC 8866, formerly RFC 4566): parse, serialize, and the helpers a media-anchoring B2BUA needs. */
export { SdpError, isSdpError, type SdpErrorCode } from './errors.js';
export type {
  SdpAttribute,
  SdpBandwidth,
  SdpConnection,
  SdpDirection,
  SdpExtraLine,
  SdpMedia,
  SdpOrigin,
  SdpTiming,
  SessionDescription,
} from './types.js';
export { DEFAULT_SDP_LIMITS, parseSdp, type SdpLimits, type SdpParseResult } from './parse.js';
export { formatConnection, serializeSdp } from './serialize.js';
export {
  answerDirection,
  attributeValue,
  bumpSessionVersion,
  direction,
  fmtp,
  nextSessionVersion,
  ptime,
  remoteRtpEndpoint,
  rewriteConnection,
  rtcpAttribute,
  rtpmaps,
  setDirection,
  type RewriteConnectionOptions,
  type SdpRtcpAttribute,
  type SdpRtpEndpoint,
  type SdpRtpMap,
} from './helpers.js';
