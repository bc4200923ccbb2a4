/**
 * DumpDownload: save a Coredump, ResourceDump or HealthDump stream to a file.
 *
 * Bytes go to `<file>.part`, never to `<file>`: the final name appears only
 * by rename after the SHA-256 of every byte matched the trailer. The dump id
 * goes to `<file>.part.json` as soon as the header arrives, so a transfer
 * that breaks (network, server restart, Ctrl-C) leaves a part file and its
 * sidecar, and `resume: true` continues from the part file's size with that
 * id; the whole file (old bytes re-read from disk plus new ones) is hashed.
 *
 * Hash mismatch: the part file is KEPT for inspection and its sidecar is
 * removed, so a later `resume` refuses (the bytes are known bad) and a fresh
 * download overwrites the part file.
 *
 * Owns the framing checks (header first, gap-free chunks, trailer last) and
 * backpressure towards the file: the next frame is read only after the file
 * stream has room (`drain`), so HTTP/2 flow control slows the server to the
 * disk. It must never hold more than a chunk in memory.
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type {
  CoredumpRequest,
  CoredumpResponse,
  CtlServiceClient,
  DumpHeader,
  DumpResume,
  HealthDumpRequest,
  HealthDumpResponse,
  HealthReporterName,
  ResourceDumpRequest,
  ResourceDumpResponse,
} from '@auxctl/proto/ctl';
import type { CallOptions } from '@grpc/grpc-js';
import { AuxctlError, toAuxctlError } from './auxctl-error.js';
import {
  type DumpPartPaths,
  dumpPartPaths,
  hashPart,
  partSize,
  readDumpPartState,
  removeDumpPartState,
  writeDumpPartState,
} from './dump-part-file.js';
import type { TransportFacts } from './transport-failure.js';

/** DumpSource: which dump to pull; `resume` is filled in by the download. */
export type DumpSource =
  | { kind: 'coredump'; request: Partial<Omit<CoredumpRequest, 'resume'>> & { device: string } }
  | {
      kind: 'resourceDump';
      request: Partial<Omit<ResourceDumpRequest, 'resume'>> & { device: string };
    }
  | {
      kind: 'healthDump';
      request: Partial<Omit<HealthDumpRequest, 'resume'>> & {
        device: string;
        reporter: HealthReporterName;
      };
    };

/** DumpProgress: bytes of the whole dump held on disk, and its size. */
export interface DumpProgress {
  done: number;
  total: number;
}

/** DownloadOptions: where to write and how. */
export interface DownloadOptions {
  file: string;
  /** resume: continue `<file>.part` with the dump id in `<file>.part.json`. */
  resume?: boolean;
  onProgress?: (p: DumpProgress) => void;
  callOptions?: Partial<CallOptions>;
  /** transport: how the client connects (explains a connection failure). */
  transport?: TransportFacts;
}

/** DownloadResult: the verified file. */
export interface DownloadResult {
  file: string;
  header: DumpHeader;
  /** sha256: hex digest of the whole file (equal to the trailer's). */
  sha256: string;
  /** resumedFrom: bytes that were already on disk when this call started. */
  resumedFrom: number;
}

type Frame = CoredumpResponse | ResourceDumpResponse | HealthDumpResponse;

function openStream(
  ctl: CtlServiceClient,
  source: DumpSource,
  resume: DumpResume | undefined,
  o: DownloadOptions,
) {
  const base = { mode: 0, chunkSize: 0, resume };
  const options = o.callOptions ?? {};
  if (source.kind === 'coredump')
    return ctl.coredump({ ...base, ...source.request, resume }, options);
  if (source.kind === 'healthDump')
    return ctl.healthDump({ chunkSize: 0, ...source.request, resume }, options);
  const defaults = { index1: 0, index2: 0, numOfObj1: 0, numOfObj2: 0 };
  return ctl.resourceDump({ ...base, ...defaults, ...source.request, resume }, options);
}

/** FileSink: a write stream whose errors surface on the next write or at close. */
class FileSink {
  readonly #ws: WriteStream;
  #error: Error | undefined;

  constructor(path: string, append: boolean) {
    this.#ws = createWriteStream(path, { flags: append ? 'a' : 'w', mode: 0o600 });
    this.#ws.on('error', (e) => {
      this.#error ??= e;
    });
  }

  async write(data: Buffer): Promise<void> {
    if (this.#error) throw this.#error;
    if (this.#ws.write(data)) return;
    await new Promise<void>((resolve, reject) => {
      const done = (e?: Error): void => {
        this.#ws.off('drain', done);
        this.#ws.off('error', done);
        if (e) reject(e);
        else resolve();
      };
      this.#ws.on('drain', done);
      this.#ws.on('error', done);
    });
  }

  /** close: flush and close; rejects with the first write error. */
  async close(): Promise<void> {
    this.#ws.end();
    await finished(this.#ws).catch((e: unknown) => {
      this.#error ??= e as Error;
    });
    if (this.#error) throw this.#error;
  }
}

const protocol = (what: string): AuxctlError =>
  new AuxctlError('EPROTO', `${what}; the server broke the dump framing, download again`);

/**
 * downloadDump: pull a dump into `options.file` (see the module comment).
 * Throws AuxctlError: the call's gRPC status (the part file and sidecar stay
 * for `resume`), EPROTO for bad framing, EBADMSG for a SHA-256 mismatch,
 * ENOENT when `resume` finds nothing to resume.
 */
export async function downloadDump(
  ctl: CtlServiceClient,
  source: DumpSource,
  options: DownloadOptions,
): Promise<DownloadResult> {
  const paths = dumpPartPaths(options.file);
  let resume: DumpResume | undefined;
  let hash: Hash;
  if (options.resume === true) {
    const state = await readDumpPartState(paths);
    if (state.kind !== source.kind || state.device !== source.request.device) {
      throw new AuxctlError(
        'EINVAL',
        `${paths.sidecar} is a ${state.kind} of ${state.device}; ask for the same dump or download afresh`,
      );
    }
    const offset = await partSize(paths);
    if (offset > state.size) {
      throw new AuxctlError(
        'EINVAL',
        `${paths.part} holds more bytes than the dump's ${state.size}; delete it and download afresh`,
      );
    }
    resume = { dumpId: state.dumpId, offset };
    hash = await hashPart(paths, offset);
  } else {
    hash = createHash('sha256');
  }
  const resumedFrom = resume?.offset ?? 0;
  const sink = new FileSink(paths.part, resume !== undefined);
  const call = openStream(ctl, source, resume, options);
  // Errors reach us through the iterator; this listener keeps a late status
  // (CANCELLED after we stop reading) from becoming an uncaught 'error' event.
  call.on('error', () => {});
  try {
    const header = await receive(call, source, paths, sink, hash, resumedFrom, options);
    await sink.close();
    await rename(paths.part, options.file);
    await removeDumpPartState(paths);
    return { file: options.file, header: header.header, sha256: header.sha256, resumedFrom };
  } catch (e) {
    call.cancel();
    await sink.close().catch(() => {});
    throw e instanceof AuxctlError
      ? e
      : toAuxctlError(e, `${source.kind} of ${source.request.device}`, options.transport);
  }
}

async function receive(
  call: AsyncIterable<Frame>,
  source: DumpSource,
  paths: DumpPartPaths,
  sink: FileSink,
  hash: Hash,
  start: number,
  options: DownloadOptions,
): Promise<{ header: DumpHeader; sha256: string }> {
  let header: DumpHeader | undefined;
  let verified: { header: DumpHeader; sha256: string } | undefined;
  let next = start;
  for await (const f of call) {
    const frame = f.frame;
    if (frame === undefined) throw protocol('an empty dump frame');
    if (verified !== undefined) throw protocol(`a ${frame.$case} after the trailer`);
    if (frame.$case === 'header') {
      if (header !== undefined) throw protocol('a second header');
      header = frame.header;
      if (header.offset !== start)
        throw protocol(`the header's offset ${header.offset} is not the requested ${start}`);
      if (header.size < start)
        throw protocol(`the dump's size ${header.size} is below the resume offset ${start}`);
      await writeDumpPartState(paths, {
        version: 1,
        kind: source.kind,
        dumpId: header.dumpId,
        device: source.request.device,
        size: header.size,
      });
      options.onProgress?.({ done: next, total: header.size });
      continue;
    }
    if (header === undefined) throw protocol(`a ${frame.$case} before the header`);
    if (frame.$case === 'chunk') {
      const { offset, data } = frame.chunk;
      if (offset !== next) throw protocol(`a chunk at ${offset} where ${next} was expected`);
      if (next + data.length > header.size)
        throw protocol(`a chunk past the dump's size ${header.size}`);
      hash.update(data);
      await sink.write(data);
      next += data.length;
      options.onProgress?.({ done: next, total: header.size });
      continue;
    }
    if (next !== header.size) throw protocol(`the trailer after ${next} of ${header.size} bytes`);
    const digest = hash.digest();
    if (!digest.equals(frame.trailer.sha256)) {
      await removeDumpPartState(paths);
      throw new AuxctlError(
        'EBADMSG',
        `SHA-256 mismatch: the file hashes to ${digest.toString('hex')}, the server says ${frame.trailer.sha256.toString('hex')}; ${paths.part} is kept for inspection, download again without resume`,
      );
    }
    verified = { header, sha256: digest.toString('hex') };
  }
  if (verified !== undefined) return verified;
  throw new AuxctlError(
    'ECONNRESET',
    `the dump stream ended after ${next} of ${header?.size ?? '?'} bytes without a trailer; retry with resume`,
  );
}
