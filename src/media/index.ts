/** The media engine: RTP/RTCP relays running in worker threads. */
export { MediaEngine, type MediaEngineEvent, type MediaEngineOptions, type Relay } from './engine.js';
export { MediaError, isMediaError, type MediaErrorCode } from './errors.js';
export type { Endpoint, FlowStats, PeerSpec, RelayStats, Side, SideStats } from './protocol.js';
