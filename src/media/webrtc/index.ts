/** WebRTC (browser) media legs: werift inside the media worker, bridged at RTP level. */
export { WebRtcLeg } from './leg.js';
export type { CandidateInfo, IceServer, RtpIn, RtpOut, SelectedPair, WebRtcLegEvent, WebRtcLegOptions, WebRtcLegState, WebRtcLegStats } from './leg.js';
export type { NegotiatedPayloadTypes } from './sdp.js';
