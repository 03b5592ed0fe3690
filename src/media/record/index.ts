export { WavRecorder, type RecordingResult, type WavRecorderOptions } from './recorder.js';
export { repairRecordings, sealRecording, verifyRecording, type RepairReport } from './repair.js';
export type { RecorderFile, RecorderFs } from './fs.js';
