export { RTP_HEADER_BYTES, isRtcpPacketType, newRtpHeader, parseRtp, writeRtpHeader } from './packet.js';
export type { RtpHeader, RtpHeaderFields } from './packet.js';
export { NTP_UNIX_OFFSET_S, msToNtpShort, ntpFromUnixMs, ntpMiddle32, ntpMiddle32FromUnixMs, ntpShortToMs } from './ntp.js';
export type { NtpTime } from './ntp.js';
export { MAX_DROPOUT, MAX_MISORDER, MIN_SEQUENTIAL, ReceiverStats } from './receiver-stats.js';
export type { ReportBlock } from './receiver-stats.js';
export {
  RTCP_APP,
  RTCP_BYE,
  RTCP_RR,
  RTCP_SDES,
  RTCP_SR,
  buildBye,
  buildCompound,
  buildReceiverReport,
  buildSdesCname,
  buildSenderReport,
  parseRtcp,
  roundTripMs,
} from './rtcp.js';
export type { App, Bye, OtherRtcp, ReceiverReport, RtcpPacket, Sdes, SdesChunk, SenderInfo, SenderReport } from './rtcp.js';
export { estimateMos, mosFromR } from './mos.js';
export type { MosCodec, MosInput } from './mos.js';
export { JitterBuffer } from './jitter-buffer.js';
export type { JitterBufferOptions, JitterBufferStats, PopResult } from './jitter-buffer.js';
export { DTMF_END_TIMEOUT_MS, DtmfReceiver, DtmfSender, dtmfEventCode } from './dtmf.js';
export type { DtmfEvent, DtmfPacket } from './dtmf.js';
