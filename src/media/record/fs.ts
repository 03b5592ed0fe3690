import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';

/** The part of `FileHandle` the recorder uses; tests inject failing or stalling versions. */
export interface RecorderFile {
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  datasync(): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface RecorderFs {
  open(path: string, flags: string): Promise<RecorderFile>;
  rename(from: string, to: string): Promise<void>;
}

export const nodeFs: RecorderFs = {
  open: (p, flags) => fsp.open(p, flags),
  rename: (from, to) => fsp.rename(from, to),
};

/** Writes all of `buf` at `position`; a regular file may accept less than asked in one call. */
export async function writeAll(file: RecorderFile, buf: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < buf.byteLength) {
    const { bytesWritten } = await file.write(buf, done, buf.byteLength - done, position + done);
    if (bytesWritten <= 0) throw new Error('write accepted no bytes');
    done += bytesWritten;
  }
}

/**
 * Makes a created or renamed entry of `dir` durable. Some platforms and file systems cannot open or
 * fsync a directory; the file's own fsync is then all there is.
 */
export async function syncDir(fs: RecorderFs, dir: string): Promise<void> {
  let handle: RecorderFile;
  try {
    handle = await fs.open(dir, 'r');
  } catch (e) {
    if (isCode(e, 'EISDIR', 'EPERM', 'EACCES')) return;
    throw e;
  }
  try {
    await handle.sync();
  } catch (e) {
    if (!isCode(e, 'EINVAL', 'EBADF', 'EPERM')) throw e;
  } finally {
    await handle.close();
  }
}

/** SHA-256 of a file, streamed so a long recording is never held in memory. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `sha256sum` format: hex, two spaces (text mode), the base name, newline. */
export const sidecarPath = (wav: string): string => `${wav}.sha256`;
export const sidecarLine = (hex: string, wav: string): string => `${hex}  ${path.basename(wav)}\n`;

export const isCode = (e: unknown, ...codes: string[]): boolean =>
  typeof e === 'object' && e !== null && codes.includes((e as { code?: unknown }).code as string);

/** Written aside and renamed, so a sidecar, once there, is whole: it marks a closed recording. */
export async function writeSidecar(fs: RecorderFs, wav: string, hex: string): Promise<void> {
  const final = sidecarPath(wav);
  const tmp = `${final}.tmp`;
  const h = await fs.open(tmp, 'w');
  try {
    await writeAll(h, Buffer.from(sidecarLine(hex, wav)), 0);
    await h.datasync();
  } finally {
    await h.close();
  }
  await fs.rename(tmp, final);
  await syncDir(fs, path.dirname(wav));
}
