/**
 * DumpPartFile: the on-disk state of an unfinished dump download:
 * `<file>.part` (the bytes received so far, gap-free from offset 0) and
 * `<file>.part.json` (the sidecar: which stored dump those bytes belong to).
 *
 * Owns the sidecar's format, its atomic replacement, and re-reading the
 * part file's bytes into a hash when a download resumes. It must never
 * touch the final file name and never load a whole part file into memory.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { AuxctlError } from './auxctl-error.js';

/** DUMP_PART_VERSION: the sidecar format version. */
export const DUMP_PART_VERSION = 1;

/** DumpPartState: what the sidecar records. */
export interface DumpPartState {
  version: typeof DUMP_PART_VERSION;
  /** kind: which call produced the dump (a resume must use the same one). */
  kind: 'coredump' | 'resourceDump' | 'healthDump';
  dumpId: string;
  device: string;
  /** size: the whole dump's size, from the header. */
  size: number;
}

/** DumpPartPaths: the two files next to the final one. */
export interface DumpPartPaths {
  part: string;
  sidecar: string;
}

/** dumpPartPaths: `<file>.part` and `<file>.part.json`. */
export function dumpPartPaths(file: string): DumpPartPaths {
  return { part: `${file}.part`, sidecar: `${file}.part.json` };
}

/** parseDumpPartState: validate a parsed sidecar; EINVAL naming the file otherwise. */
export function parseDumpPartState(value: unknown, origin: string): DumpPartState {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const ok =
    v.version === DUMP_PART_VERSION &&
    (v.kind === 'coredump' || v.kind === 'resourceDump' || v.kind === 'healthDump') &&
    typeof v.dumpId === 'string' &&
    v.dumpId.length > 0 &&
    typeof v.device === 'string' &&
    Number.isSafeInteger(v.size) &&
    (v.size as number) >= 0;
  if (!ok) {
    throw new AuxctlError(
      'EINVAL',
      `${origin} is not a dump download record; delete it and download afresh`,
    );
  }
  return v as unknown as DumpPartState;
}

/** readDumpPartState: the sidecar, or ENOENT saying there is nothing to resume. */
export async function readDumpPartState(paths: DumpPartPaths): Promise<DumpPartState> {
  let text: string;
  try {
    text = await readFile(paths.sidecar, 'utf8');
  } catch (e) {
    throw new AuxctlError(
      'ENOENT',
      `nothing to resume: ${paths.sidecar} cannot be read; download without resume`,
      { cause: e },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return parseDumpPartState(parsed, paths.sidecar);
}

/** writeDumpPartState: replace the sidecar atomically (write a temporary file, rename). */
export async function writeDumpPartState(
  paths: DumpPartPaths,
  state: DumpPartState,
): Promise<void> {
  const tmp = `${paths.sidecar}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  await rename(tmp, paths.sidecar);
}

/** removeDumpPartState: delete the sidecar (absent is fine). */
export async function removeDumpPartState(paths: DumpPartPaths): Promise<void> {
  await rm(paths.sidecar, { force: true });
}

/** partSize: bytes in the part file; ENOENT (nothing to resume) when it is missing. */
export async function partSize(paths: DumpPartPaths): Promise<number> {
  try {
    return (await stat(paths.part)).size;
  } catch (e) {
    throw new AuxctlError(
      'ENOENT',
      `nothing to resume: ${paths.part} is missing; download without resume`,
      {
        cause: e,
      },
    );
  }
}

/** hashPart: a SHA-256 fed with the part file's first `length` bytes, read as a stream. */
export async function hashPart(paths: DumpPartPaths, length: number): Promise<Hash> {
  const hash = createHash('sha256');
  if (length === 0) return hash;
  for await (const piece of createReadStream(paths.part, { start: 0, end: length - 1 })) {
    hash.update(piece as Buffer);
  }
  return hash;
}
