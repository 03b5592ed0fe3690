import { MediaError } from '../errors.js';
import { SAMPLE_RATE } from './frame.js';
import { alawToLinear, ulawToLinear } from './g711.js';
import { MAX_RATE, resample } from './resample.js';

/**
 * RIFF/WAVE reading and writing. Formats: PCM 8 (unsigned), 16, 24, 32 bit; IEEE float 32/64;
 * A-law and µ-law (Microsoft RIFF spec 1991, format tags 1, 3, 6, 7) and WAVE_FORMAT_EXTENSIBLE
 * whose sub-format is one of those. RF64 (EBU Tech 3306) is read through its ds64 data size.
 */
export interface WavData {
  sampleRate: number;
  channels: number;
  frames: number;
  /** One array per channel, full scale ±1. */
  channelData: Float32Array[];
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;
const MAX_CHANNELS = 8;
/** Below this a file cannot hold speech or music; it also bounds the ×8 growth of upsampling. */
const MIN_PROMPT_RATE = 1000;
/** Bytes 2..15 of every KSDATAFORMAT_SUBTYPE GUID that maps a plain format tag. */
const SUBTYPE_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
const UNKNOWN_SIZE = 0xffffffff;

function bad(message: string): never {
  throw new MediaError('MEDIA_BAD_AUDIO', message);
}

const fourcc = (b: Uint8Array, at: number): string =>
  String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);

interface Fmt {
  format: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bits: number;
}

function parseFmt(view: DataView, buf: Uint8Array, at: number, size: number): Fmt {
  let format = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bits = view.getUint16(at + 14, true);
  if (format === FORMAT_EXTENSIBLE) {
    if (size < 40) bad('truncated fmt chunk (WAVE_FORMAT_EXTENSIBLE needs 40 bytes)');
    format = view.getUint16(at + 24, true);
    for (let i = 0; i < SUBTYPE_TAIL.length; i++) {
      if (buf[at + 26 + i] !== SUBTYPE_TAIL[i]) bad('unsupported WAVE_FORMAT_EXTENSIBLE sub-format');
    }
  }
  return { format, channels, sampleRate, blockAlign, bits };
}

/** True when bytes from `at` to the end are a well-formed run of chunks (ids of printable ASCII). */
function onlyChunksFollow(view: DataView, buf: Uint8Array, at: number): boolean {
  if (at >= buf.length) return false;
  while (at + 8 <= buf.length) {
    for (let i = 0; i < 4; i++) {
      const c = buf[at + i]!;
      if (c < 0x20 || c > 0x7e) return false;
    }
    const size = view.getUint32(at + 4, true);
    at += 8 + size + (size & 1);
  }
  return at === buf.length || at === buf.length + 1;
}

/** Bytes per sample, from blockAlign when it is consistent (24-in-32 containers), else from bits. */
function containerBytes(fmt: Fmt): number {
  const fromBits = Math.ceil(fmt.bits / 8);
  const fromAlign = fmt.blockAlign / fmt.channels;
  return Number.isInteger(fromAlign) && fromAlign >= fromBits && fromAlign <= 8 ? fromAlign : fromBits;
}

function checkFormat(fmt: Fmt, bytes: number): void {
  const { format, bits } = fmt;
  if (format === FORMAT_PCM && bits >= 1 && bits <= 32 && bytes <= 4) return;
  if (format === FORMAT_FLOAT && (bits === 32 || bits === 64) && bytes === bits / 8) return;
  if ((format === FORMAT_ALAW || format === FORMAT_MULAW) && bits === 8 && bytes === 1) return;
  const name =
    format === FORMAT_PCM || format === FORMAT_FLOAT
      ? `${bits}-bit ${format === FORMAT_PCM ? 'PCM' : 'float'}`
      : `format tag 0x${format.toString(16).padStart(4, '0')}`;
  bad(`unsupported WAV encoding: ${name}`);
}

/** Reads a WAV file. Throws MEDIA_BAD_AUDIO on anything it cannot decode. */
export function parseWav(buf: Uint8Array): WavData {
  if (buf.length < 12) bad('too short to be a WAV file');
  const riff = fourcc(buf, 0);
  if ((riff !== 'RIFF' && riff !== 'RF64') || fourcc(buf, 8) !== 'WAVE') bad('not a RIFF/WAVE file');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);

  let fmt: Fmt | undefined;
  let dataAt = -1;
  let dataLen = 0;
  let ds64DataLen = -1;
  let at = 12;
  while (at + 8 <= buf.length) {
    const id = fourcc(buf, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    const avail = buf.length - body;
    if (id === 'fmt ') {
      if (size < 16 || avail < 16) bad('truncated fmt chunk');
      if (size > avail && fmt === undefined) bad('truncated fmt chunk');
      fmt ??= parseFmt(view, buf, body, size);
    } else if (id === 'ds64' && riff === 'RF64' && size >= 16 && avail >= 16) {
      const len = view.getUint32(body + 8, true) + view.getUint32(body + 12, true) * 2 ** 32;
      ds64DataLen = len;
    } else if (id === 'data' && dataAt < 0) {
      dataAt = body;
      // A recorder that has not closed its file leaves 0 or -1 here, or a size it never wrote.
      const open =
        size === UNKNOWN_SIZE
          ? !(ds64DataLen >= 0 && ds64DataLen <= avail)
          : size > avail || (size === 0 && !onlyChunksFollow(view, buf, body));
      if (open) {
        dataLen = avail;
        break;
      }
      dataLen = size === UNKNOWN_SIZE ? ds64DataLen : size;
      at = body + dataLen + (dataLen % 2);
      continue;
    }
    if (size > avail) break;
    at = body + size + (size & 1);
  }

  if (fmt === undefined) bad('no fmt chunk');
  if (dataAt < 0) bad('no data chunk');
  const { channels, sampleRate } = fmt;
  if (channels === 0 || channels > MAX_CHANNELS) bad(`unsupported channel count ${channels}`);
  if (sampleRate === 0 || sampleRate > MAX_RATE) bad(`unsupported sample rate ${sampleRate}`);
  const bytes = containerBytes(fmt);
  checkFormat(fmt, bytes);

  const frameBytes = bytes * channels;
  const frames = Math.floor(dataLen / frameBytes); // whole sample frames only
  const channelData = Array.from({ length: channels }, () => new Float32Array(frames));
  decode(view, dataAt, fmt.format, bytes, frames, channelData);
  return { sampleRate, channels, frames, channelData };
}

function decode(
  view: DataView,
  at: number,
  format: number,
  bytes: number,
  frames: number,
  channelData: Float32Array[],
): void {
  const channels = channelData.length;
  for (let c = 0; c < channels; c++) {
    const dst = channelData[c]!;
    let p = at + c * bytes;
    const stride = channels * bytes;
    if (format === FORMAT_FLOAT) {
      if (bytes === 4) for (let f = 0; f < frames; f++, p += stride) dst[f] = view.getFloat32(p, true);
      else for (let f = 0; f < frames; f++, p += stride) dst[f] = view.getFloat64(p, true);
    } else if (format === FORMAT_ALAW || format === FORMAT_MULAW) {
      const expand = format === FORMAT_ALAW ? alawToLinear : ulawToLinear;
      for (let f = 0; f < frames; f++, p += stride) dst[f] = expand(view.getUint8(p)) / 32768;
    } else if (bytes === 1) {
      for (let f = 0; f < frames; f++, p += stride) dst[f] = (view.getUint8(p) - 128) / 128;
    } else if (bytes === 2) {
      for (let f = 0; f < frames; f++, p += stride) dst[f] = view.getInt16(p, true) / 32768;
    } else if (bytes === 3) {
      for (let f = 0; f < frames; f++, p += stride) {
        const v = view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getInt8(p + 2) << 16);
        dst[f] = v / 8388608;
      }
    } else {
      // Narrower samples are left-justified in their container, so the container's scale applies.
      for (let f = 0; f < frames; f++, p += stride) dst[f] = view.getInt32(p, true) / 2147483648;
    }
  }
  // Non-finite floats would poison the resampler; treat them as silence.
  if (format === FORMAT_FLOAT) {
    for (const dst of channelData) {
      for (let f = 0; f < frames; f++) if (!Number.isFinite(dst[f]!)) dst[f] = 0;
    }
  }
}

/**
 * A WAV file as an engine prompt: channels averaged to mono, resampled to 8 kHz, converted to
 * 16-bit with clipping (float files may exceed full scale).
 */
export function loadPrompt(buf: Uint8Array): Int16Array {
  const wav = parseWav(buf);
  if (wav.frames === 0) bad('the WAV file holds no audio');
  if (wav.sampleRate < MIN_PROMPT_RATE) bad(`sample rate ${wav.sampleRate} is too low for a prompt`);
  const mono = new Float32Array(wav.frames);
  const gain = 1 / wav.channels;
  for (const ch of wav.channelData) for (let f = 0; f < wav.frames; f++) mono[f]! += ch[f]! * gain;
  const pcm = resample(mono, wav.sampleRate, SAMPLE_RATE);
  const out = new Int16Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) {
    const v = Math.round(pcm[i]! * 32768);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

/** Interleaved 16-bit PCM WAV (canonical 44-byte header). */
export function encodeWav16(samples: Int16Array, sampleRate: number, channels: number): Buffer {
  if (!Number.isInteger(channels) || channels < 1 || channels > MAX_CHANNELS) {
    bad(`unsupported channel count ${channels}`);
  }
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > MAX_RATE) {
    bad(`unsupported sample rate ${sampleRate}`);
  }
  if (samples.length % channels !== 0) bad('sample count is not a multiple of the channel count');
  const dataLen = samples.length * 2;
  const out = Buffer.alloc(44 + dataLen);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + dataLen, 4);
  out.write('WAVE', 8, 'latin1');
  out.write('fmt ', 12, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(FORMAT_PCM, 20);
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * channels * 2, 28);
  out.writeUInt16LE(channels * 2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(dataLen, 40);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, 44 + i * 2);
  return out;
}
