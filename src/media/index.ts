/** The media engine: RTP legs, bridges, conferences, players and recorders in worker threads. */
export { MediaEngine, type Conference, type ConferenceMember, type MediaEngineEvent, type MediaEngineOptions, type NoticeListener, type Relay } from './engine.js';
export { MediaError, isMediaError, type MediaErrorCode } from './errors.js';
export type {
  Endpoint,
  FlowStats,
  LegQuality,
  MediaNotice,
  MemberMode,
  PayloadSpec,
  PeerSpec,
  PlaySpec,
  RecordingResult,
  Region,
  RelayStats,
  Side,
  SideStats,
  ToneKind,
} from './protocol.js';
export { repairRecordings, sealRecording, verifyRecording } from './record/index.js';
