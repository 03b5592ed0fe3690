import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { SAMPLE_RATE } from '../audio/frame.js';
import { MediaError } from '../errors.js';
import { isCode, nodeFs, sha256File, sidecarPath, writeSidecar } from './fs.js';
import { DATA_SIZE_OFFSET, HEADER_BYTES, RIFF_SIZE_OFFSET, blockAlign, maxDataBytes, parseHeader } from './wav-header.js';

export interface RepairReport {
  /** Unclosed recordings whose length or header was fixed. */
  repaired: string[];
  /** Unclosed recordings whose header already matched the file. */
  ok: string[];
  /** Files that are not recordings of ours (too short, foreign header): renamed to `<path>.broken`. */
  removed: string[];
}

const ioFailed = (what: string, e: unknown): MediaError =>
  new MediaError('MEDIA_IO_FAILED', `${what}: ${e instanceof Error ? e.message : String(e)}`);

/**
 * Start-up pass over a recordings directory, before any recorder opens a file in it. A `.wav`
 * without a `.sha256` sidecar was never closed: it is cut to whole sample frames and its sizes are
 * made to cover the whole file. Closed recordings (with a sidecar) are not touched or listed.
 */
export async function repairRecordings(dir: string): Promise<RepairReport> {
  const report: RepairReport = { repaired: [], ok: [], removed: [] };
  let names: string[];
  try {
    names = (await fsp.readdir(dir)).sort();
  } catch (e) {
    if (isCode(e, 'ENOENT')) return report;
    throw ioFailed(`cannot list recordings in ${dir}`, e);
  }
  const present = new Set(names);
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      if (name.endsWith('.sha256.tmp')) {
        await fsp.rm(file, { force: true }); // a sidecar that a crash left unfinished
        continue;
      }
      if (!name.toLowerCase().endsWith('.wav') || present.has(`${name}.sha256`)) continue;
      const stat = await fsp.lstat(file);
      if (!stat.isFile()) continue;
      const outcome = await repairOne(file, stat.size);
      if (outcome === 'broken') {
        await fsp.rename(file, await freeName(`${file}.broken`));
        report.removed.push(file);
      } else {
        report[outcome].push(file);
      }
    } catch (e) {
      if (isCode(e, 'ENOENT')) continue; // gone meanwhile
      throw ioFailed(`cannot repair recording ${file}`, e);
    }
  }
  return report;
}

async function repairOne(file: string, size: number): Promise<'repaired' | 'ok' | 'broken'> {
  if (size < HEADER_BYTES) return 'broken';
  const fh = await fsp.open(file, 'r+');
  try {
    const head = Buffer.alloc(HEADER_BYTES);
    await fh.read(head, 0, HEADER_BYTES, 0);
    const parsed = parseHeader(head, SAMPLE_RATE);
    if (!parsed) return 'broken';
    const align = blockAlign(parsed.format);
    const data = Math.min(Math.floor((size - HEADER_BYTES) / align) * align, maxDataBytes(parsed.format));
    const riff = HEADER_BYTES - 8 + data;
    if (size === HEADER_BYTES + data && parsed.dataBytes === data && parsed.riffSize === riff) return 'ok';
    if (size !== HEADER_BYTES + data) await fh.truncate(HEADER_BYTES + data);
    const field = Buffer.alloc(4);
    field.writeUInt32LE(riff);
    await fh.write(field, 0, 4, RIFF_SIZE_OFFSET);
    field.writeUInt32LE(data);
    await fh.write(field, 0, 4, DATA_SIZE_OFFSET);
    await fh.datasync();
    return 'repaired';
  } finally {
    await fh.close();
  }
}

/** `base`, or `base.1`, `base.2`... whichever does not exist yet, so nothing set aside is overwritten. */
async function freeName(base: string): Promise<string> {
  for (let i = 0; ; i++) {
    const candidate = i === 0 ? base : `${base}.${i}`;
    try {
      await fsp.lstat(candidate);
    } catch (e) {
      if (isCode(e, 'ENOENT')) return candidate;
      throw e;
    }
  }
}

/**
 * True when the recording's `.sha256` sidecar names this file and matches its content. A missing
 * file or sidecar, or a malformed sidecar, is `false`.
 */
export async function verifyRecording(file: string): Promise<boolean> {
  let line: string;
  try {
    line = await fsp.readFile(sidecarPath(file), 'utf8');
  } catch (e) {
    if (isCode(e, 'ENOENT')) return false;
    throw ioFailed(`cannot read the checksum of ${file}`, e);
  }
  const m = /^([0-9a-f]{64}) [ *](.+)\n?$/.exec(line);
  if (!m || m[2] !== path.basename(file)) return false;
  try {
    return (await sha256File(file)) === m[1];
  } catch (e) {
    if (isCode(e, 'ENOENT')) return false;
    throw ioFailed(`cannot read recording ${file}`, e);
  }
}

/**
 * A recording left open by a crash, once repaired, is final (its call is gone): checksum it and
 * write its sidecar, so it is verifiable and not checked again at the next start.
 */
export async function sealRecording(file: string): Promise<string> {
  const hex = await sha256File(file);
  await writeSidecar(nodeFs, file, hex);
  return hex;
}
