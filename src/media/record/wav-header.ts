/**
 * The canonical 44-byte header of a 16-bit PCM WAV file: RIFF chunk, a 16-byte `fmt ` chunk and
 * the `data` chunk header, in that order and nothing else. Recordings use only this layout, so both
 * size fields always sit at fixed offsets and can be rewritten in place.
 */
export const HEADER_BYTES = 44;
export const RIFF_SIZE_OFFSET = 4;
export const DATA_SIZE_OFFSET = 40;
const BITS_PER_SAMPLE = 16;
const FORMAT_PCM = 1;

export interface WavFormat {
  sampleRate: number;
  channels: 1 | 2;
}

/** Bytes of one sample frame (one sample of every channel). */
export const blockAlign = (f: WavFormat): number => f.channels * (BITS_PER_SAMPLE / 8);

/**
 * Largest data size whose RIFF size (`36 + data`) still fits in the 32-bit field, rounded down to
 * whole sample frames.
 */
export const maxDataBytes = (f: WavFormat): number => {
  const align = blockAlign(f);
  return Math.floor((0xffff_ffff - (HEADER_BYTES - 8)) / align) * align;
};

export function wavHeader(f: WavFormat, dataBytes: number): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  const align = blockAlign(f);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(HEADER_BYTES - 8 + dataBytes, RIFF_SIZE_OFFSET);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(FORMAT_PCM, 20);
  h.writeUInt16LE(f.channels, 22);
  h.writeUInt32LE(f.sampleRate, 24);
  h.writeUInt32LE(f.sampleRate * align, 28);
  h.writeUInt16LE(align, 32);
  h.writeUInt16LE(BITS_PER_SAMPLE, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, DATA_SIZE_OFFSET);
  return h;
}

export interface ParsedHeader {
  format: WavFormat;
  riffSize: number;
  dataBytes: number;
}

/**
 * Parses a header written by `wavHeader` for the given sample rate. Anything else (other layout,
 * codec, depth, rate, inconsistent rates) is `null`: repair must not rewrite a file it did not make.
 */
export function parseHeader(h: Uint8Array, sampleRate: number): ParsedHeader | null {
  if (h.length < HEADER_BYTES) return null;
  const b = Buffer.from(h.buffer, h.byteOffset, h.byteLength);
  const tag = (at: number) => b.toString('ascii', at, at + 4);
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE' || tag(12) !== 'fmt ' || tag(36) !== 'data') return null;
  const channels = b.readUInt16LE(22);
  if (channels !== 1 && channels !== 2) return null;
  const format: WavFormat = { sampleRate, channels };
  if (
    b.readUInt32LE(16) !== 16 ||
    b.readUInt16LE(20) !== FORMAT_PCM ||
    b.readUInt32LE(24) !== sampleRate ||
    b.readUInt32LE(28) !== sampleRate * blockAlign(format) ||
    b.readUInt16LE(32) !== blockAlign(format) ||
    b.readUInt16LE(34) !== BITS_PER_SAMPLE
  ) {
    return null;
  }
  return { format, riffSize: b.readUInt32LE(RIFF_SIZE_OFFSET), dataBytes: b.readUInt32LE(DATA_SIZE_OFFSET) };
}
