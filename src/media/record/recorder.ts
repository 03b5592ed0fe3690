import path from 'node:path';
import { FRAME_MS, FRAME_SAMPLES as FRAME, SAMPLE_RATE } from '../audio/frame.js';
import { MediaError } from '../errors.js';
import { isCode, nodeFs, sha256File, syncDir, writeAll, writeSidecar, type RecorderFile, type RecorderFs } from './fs.js';
import { HEADER_BYTES, maxDataBytes, wavHeader, type WavFormat } from './wav-header.js';

/** A module constant, not the re-exported binding: read in per-sample loops (a getter under tsx). */
const FRAME_SAMPLES = FRAME;

export interface WavRecorderOptions {
  sampleRate?: 8000;
  /** 2: left = customer, right = Hotline side. 1: both sides mixed into one channel. */
  channels?: 2 | 1;
  /** Audio buffered before it is appended and the header rewritten; a multiple of 20 ms. */
  flushMs?: number;
  /** fdatasync after this much audio (0: only on close). Each sync holds a libuv pool thread. */
  syncEveryMs?: number;
  /** Audio allowed to wait in memory for a slow disk; beyond it, audio is recorded as silence. */
  maxBufferedMs?: number;
  /** Cap on the data chunk; defaults to the 32-bit RIFF limit. Injectable for tests. */
  maxDataBytes?: number;
  /** File operations; injectable for tests. */
  fs?: RecorderFs;
  /** Told once when the recorder fails, so the owner need not poll `error`. */
  onError?: (err: MediaError) => void;
}

export interface RecordingResult {
  path: string;
  /** Size of the final file, header included. */
  bytes: number;
  durationMs: number;
  sha256: string;
  /** The size limit was reached; audio after it was not recorded. */
  truncated: boolean;
  /** Audio replaced by silence because the disk fell too far behind. */
  silencedMs: number;
}

type Segment = { kind: 'pcm'; bytes: Uint8Array } | { kind: 'gap'; bytes: number };

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const ioFailed = (file: string, what: string, e: unknown): MediaError =>
  new MediaError('MEDIA_IO_FAILED', `recording ${file}: ${what}: ${e instanceof Error ? e.message : String(e)}`);

/**
 * Records a call as a 16-bit PCM WAV file that stays playable whatever happens to the process.
 * `write()` only copies a frame into memory; a single background writer per file appends each
 * full chunk and then rewrites the header sizes, so the header always describes data that exists.
 */
export class WavRecorder {
  private readonly format: WavFormat;
  private readonly frameBytes: number;
  private readonly chunkSamples: number;
  private readonly limit: number;
  private readonly maxBuffered: number;
  private readonly syncBytes: number;
  private readonly onError: ((err: MediaError) => void) | undefined;

  private chunk: Int16Array | null = null;
  private fill = 0; // samples used in `chunk`
  private chunkHasAudio = false;
  private queue: Segment[] = [];
  private queuedBytes = 0; // PCM held in `queue`, including the one being written
  private zeros: Uint8Array | null = null;
  private pumping: Promise<void> | null = null;

  private frames = 0;
  private acceptedBytes = 0;
  private dataOnDisk = 0; // data bytes in the file
  private dataInHeader = 0; // data bytes the file's header covers
  private syncedAt = 0;
  private silencedBytes = 0;
  private isTruncated = false;
  private isPaused = false;
  private closing: Promise<RecordingResult> | null = null;
  private failure: MediaError | null = null;
  private fileClosed: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly file: RecorderFile,
    private readonly fs: RecorderFs,
    format: WavFormat,
    opts: WavRecorderOptions,
  ) {
    this.format = format;
    this.frameBytes = FRAME_SAMPLES * format.channels * 2;
    const byteRate = format.sampleRate * format.channels * 2;
    const flushMs = opts.flushMs ?? 1000;
    this.chunkSamples = (flushMs / FRAME_MS) * FRAME_SAMPLES * format.channels;
    const cap = Math.min(opts.maxDataBytes ?? Infinity, maxDataBytes(format));
    this.limit = Math.floor(cap / this.frameBytes) * this.frameBytes;
    this.maxBuffered = Math.max(((opts.maxBufferedMs ?? 10_000) * byteRate) / 1000, this.chunkSamples * 2);
    this.syncBytes = ((opts.syncEveryMs ?? 10_000) * byteRate) / 1000;
    this.onError = opts.onError;
  }

  /** Creates `file` (it must not exist) with an empty, valid WAV header made durable. */
  static async open(file: string, opts: WavRecorderOptions = {}): Promise<WavRecorder> {
    const sampleRate = opts.sampleRate ?? SAMPLE_RATE;
    const channels = opts.channels ?? 2;
    const flushMs = opts.flushMs ?? 1000;
    if (sampleRate !== SAMPLE_RATE) throw new MediaError('MEDIA_BAD_REQUEST', `recording sample rate must be ${SAMPLE_RATE}`);
    if (channels !== 1 && channels !== 2) throw new MediaError('MEDIA_BAD_REQUEST', 'recording channels must be 1 or 2');
    if (!Number.isInteger(flushMs / FRAME_MS) || flushMs <= 0) {
      throw new MediaError('MEDIA_BAD_REQUEST', `recording flushMs must be a positive multiple of ${FRAME_MS}`);
    }
    const fs = opts.fs ?? nodeFs;
    const format: WavFormat = { sampleRate, channels };
    let handle: RecorderFile;
    try {
      handle = await fs.open(file, 'wx'); // never clobber an existing recording
    } catch (e) {
      if (isCode(e, 'EEXIST')) throw new MediaError('MEDIA_BAD_REQUEST', `recording ${file} already exists`);
      throw ioFailed(file, 'cannot create', e);
    }
    try {
      await writeAll(handle, wavHeader(format, 0), 0);
      await handle.datasync();
      await syncDir(fs, path.dirname(file));
    } catch (e) {
      await handle.close().catch(() => undefined);
      throw ioFailed(file, 'cannot write header', e);
    }
    return new WavRecorder(file, handle, fs, format, opts);
  }

  /** Audio accepted so far, buffered or on disk. */
  get durationMs(): number {
    return this.frames * FRAME_MS;
  }

  /** Bytes of the file its on-disk header covers (header included). */
  get bytesWritten(): number {
    return HEADER_BYTES + this.dataInHeader;
  }

  get truncated(): boolean {
    return this.isTruncated;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  /** Set once writing failed; the file keeps the audio written before. */
  get error(): MediaError | null {
    return this.failure;
  }

  /**
   * Appends one 20 ms frame per side (`null` = silence). Never waits for the disk. After a failure
   * frames are dropped silently, so a media tick never throws because of a disk.
   */
  write(left: Int16Array | null, right: Int16Array | null): void {
    if (this.closing) throw new MediaError('MEDIA_BAD_REQUEST', `recording ${this.path} is closed`);
    if ((left && left.length !== FRAME_SAMPLES) || (right && right.length !== FRAME_SAMPLES)) {
      throw new MediaError('MEDIA_BAD_REQUEST', `a recorded frame must have ${FRAME_SAMPLES} samples`);
    }
    if (this.failure) return;
    if (this.acceptedBytes + this.frameBytes > this.limit) {
      this.isTruncated = true;
      return;
    }
    this.acceptedBytes += this.frameBytes;
    this.frames += 1;
    const c = (this.chunk ??= new Int16Array(this.chunkSamples));
    if (!this.isPaused && (left || right)) {
      this.chunkHasAudio = true;
      if (this.format.channels === 2) {
        if (left) for (let i = 0; i < FRAME_SAMPLES; i++) c[this.fill + 2 * i] = left[i]!;
        if (right) for (let i = 0; i < FRAME_SAMPLES; i++) c[this.fill + 2 * i + 1] = right[i]!;
      } else {
        for (let i = 0; i < FRAME_SAMPLES; i++) {
          const s = (left ? left[i]! : 0) + (right ? right[i]! : 0);
          c[this.fill + i] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
        }
      }
    }
    this.fill += FRAME_SAMPLES * this.format.channels;
    if (this.fill === c.length) this.seal();
  }

  /** From now on frames are recorded as silence, so the timeline keeps its length. */
  pause(): void {
    this.isPaused = true;
  }

  resume(): void {
    this.isPaused = false;
  }

  /** Writes what is buffered, even less than `flushMs`, and waits until the header covers it. */
  async flush(): Promise<void> {
    if (!this.closing) this.seal();
    await this.kick();
    if (this.failure) throw this.failure;
  }

  /** Finishes the file and its `.sha256` sidecar. Repeated calls return the same promise. */
  close(): Promise<RecordingResult> {
    return (this.closing ??= this.finish());
  }

  private async finish(): Promise<RecordingResult> {
    this.seal();
    await this.kick();
    this.chunk = null;
    if (this.failure) {
      await this.fileClosed;
      throw this.failure;
    }
    let sha256: string;
    try {
      await writeAll(this.file, wavHeader(this.format, this.dataOnDisk), 0);
      this.dataInHeader = this.dataOnDisk;
      await this.file.datasync();
      await this.file.close();
      sha256 = await sha256File(this.path);
      await this.writeSidecar(sha256);
    } catch (e) {
      this.fail(ioFailed(this.path, 'cannot finish', e));
      await this.fileClosed;
      throw this.failure ?? e;
    }
    const byteRate = this.format.sampleRate * this.format.channels * 2;
    return {
      path: this.path,
      bytes: HEADER_BYTES + this.dataOnDisk,
      durationMs: this.frames * FRAME_MS,
      sha256,
      truncated: this.isTruncated,
      silencedMs: Math.round((this.silencedBytes / byteRate) * 1000),
    };
  }

  private writeSidecar(hex: string): Promise<void> {
    return writeSidecar(this.fs, this.path, hex);
  }

  /** Hands the current chunk to the writer. An all-silent chunk costs no memory while queued. */
  private seal(): void {
    const c = this.chunk;
    if (!c || this.fill === 0) return;
    const bytes = this.fill * 2;
    const overBudget = this.chunkHasAudio && this.queuedBytes + bytes > this.maxBuffered;
    if (!this.chunkHasAudio || overBudget) {
      if (overBudget) this.silencedBytes += bytes;
      const last = this.queue[this.queue.length - 1];
      if (last?.kind === 'gap') last.bytes += bytes;
      else this.queue.push({ kind: 'gap', bytes });
      c.fill(0, 0, this.fill); // keep the buffer for the next chunk
    } else {
      const view = new Uint8Array(c.buffer, c.byteOffset, bytes);
      if (!LITTLE_ENDIAN) Buffer.from(view.buffer, view.byteOffset, view.byteLength).swap16();
      this.queue.push({ kind: 'pcm', bytes: view });
      this.queuedBytes += bytes;
      this.chunk = null;
    }
    this.fill = 0;
    this.chunkHasAudio = false;
    void this.kick();
  }

  /** Starts the writer unless it runs; resolves when the queue is written (never rejects). */
  private kick(): Promise<void> {
    if (this.pumping) return this.pumping;
    if (this.failure || this.queue.length === 0) return Promise.resolve();
    this.pumping = this.pump();
    return this.pumping;
  }

  /** The only writer of the file: one write in flight, data first, then the header that covers it. */
  private async pump(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.failure) {
        const seg = this.queue[0]!;
        const at = HEADER_BYTES + this.dataOnDisk;
        let n: number;
        if (seg.kind === 'pcm') {
          n = seg.bytes.byteLength;
          await writeAll(this.file, seg.bytes, at);
          this.queue.shift();
          this.queuedBytes -= n;
        } else {
          const zeros = (this.zeros ??= new Uint8Array(this.chunkSamples * 2));
          n = Math.min(seg.bytes, zeros.byteLength);
          await writeAll(this.file, zeros.subarray(0, n), at);
          seg.bytes -= n; // a gap may have grown meanwhile; it is only removed once empty
          if (seg.bytes === 0) this.queue.shift();
        }
        this.dataOnDisk += n;
        await writeAll(this.file, wavHeader(this.format, this.dataOnDisk), 0);
        this.dataInHeader = this.dataOnDisk;
        if (this.syncBytes > 0 && this.dataOnDisk - this.syncedAt >= this.syncBytes) {
          await this.file.datasync();
          this.syncedAt = this.dataOnDisk;
        }
      }
    } catch (e) {
      this.fail(ioFailed(this.path, 'write failed', e));
    }
    this.pumping = null; // synchronously after the last check, so no sealed chunk is left behind
  }

  private fail(err: MediaError): void {
    if (this.failure) return;
    this.failure = err;
    this.queue = [];
    this.queuedBytes = 0;
    this.chunk = null;
    this.fileClosed = this.file.close().catch(() => undefined);
    try {
      this.onError?.(err);
    } catch {
      // the owner's callback must not break the writer
    }
  }
}
