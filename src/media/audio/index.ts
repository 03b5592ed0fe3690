export { FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE, silentFrame } from './frame.js';
export {
  alawToLinear,
  decodeG711,
  encodeG711,
  linearToAlaw,
  linearToUlaw,
  ulawToLinear,
  type G711Law,
} from './g711.js';
export { dominantFrequency, goertzelPower, meanSquare } from './goertzel.js';
export { PromptSource } from './prompt-source.js';
export { MAX_RATE, resample } from './resample.js';
export {
  parseRegion,
  tonePlan,
  ToneSource,
  type Region,
  type ToneKind,
  type TonePlan,
  type ToneSegment,
} from './tones.js';
export { encodeWav16, loadPrompt, parseWav, type WavData } from './wav.js';
