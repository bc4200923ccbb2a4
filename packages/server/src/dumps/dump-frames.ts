/**
 * Dump frames: the wire form of a stored dump stream (DumpHeader, DumpChunk,
 * DumpTrailer) and the DumpMode <-> capture mode mapping.
 *
 * Owns the translation from store entries to frames. Never: reads dump
 * bytes other than the chunk it is given, or decides what to capture.
 */

import { printable } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import { type DumpHeader, DumpMode, type DumpTrailer } from '@auxctl/proto';
import type { DumpChunk, DumpEntry } from '../dump-store/index.js';

/** ContextMode: how a dump is taken through a ctl context. */
export type ContextMode = 'umem' | 'inline';

/** CaptureMode: how a dump was taken: through a ctl context, or by the device's host. */
export type CaptureMode = ContextMode | 'host';

/** DumpFrame: one frame of a Coredump or ResourceDump stream (both have this shape). */
export type DumpFrame =
  | { $case: 'header'; header: DumpHeader }
  | { $case: 'chunk'; chunk: { offset: number; data: Buffer } }
  | { $case: 'trailer'; trailer: DumpTrailer };

/**
 * captureModeOf: the wire mode as a capture mode; undefined for
 * UNSPECIFIED (the device's own default); EINVAL for unknown values.
 */
export function captureModeOf(mode: DumpMode): CaptureMode | undefined {
  switch (mode) {
    case DumpMode.DUMP_MODE_UNSPECIFIED:
      return undefined;
    case DumpMode.DUMP_MODE_UMEM:
      return 'umem';
    case DumpMode.DUMP_MODE_INLINE:
      return 'inline';
    case DumpMode.DUMP_MODE_HOST:
      return 'host';
    default:
      throw new AuxError(
        'EINVAL',
        `dump mode ${printable(mode)} is unknown; use DUMP_MODE_UMEM, DUMP_MODE_INLINE, DUMP_MODE_HOST or leave it unset`,
      );
  }
}

const WIRE_MODES: Readonly<Record<CaptureMode, DumpMode>> = {
  umem: DumpMode.DUMP_MODE_UMEM,
  inline: DumpMode.DUMP_MODE_INLINE,
  host: DumpMode.DUMP_MODE_HOST,
};

/** wireModeOf: the DumpMode a header reports for `mode`. */
export function wireModeOf(mode: CaptureMode): DumpMode {
  return WIRE_MODES[mode];
}

/** headerFrame: the header of a stream of `entry` from `offset` in chunks of `chunkSize`. */
export function headerFrame(
  entry: DumpEntry,
  mode: CaptureMode,
  offset: number,
  chunkSize: number,
): DumpFrame {
  return {
    $case: 'header',
    header: {
      dumpId: entry.id,
      size: entry.size,
      device: entry.device,
      fwVersion: entry.fwVersion,
      createdAt: new Date(entry.createdAt),
      chunkSize,
      offset,
      mode: wireModeOf(mode),
    },
  };
}

/** ChunkFrame: the data frame of a dump stream. */
export type ChunkFrame = Extract<DumpFrame, { $case: 'chunk' }>;

/** chunkFrame: one data frame (the data stays a view into the store). */
export function chunkFrame(chunk: DumpChunk): ChunkFrame {
  return { $case: 'chunk', chunk: { offset: chunk.offset, data: chunk.data } };
}

/** trailerFrame: the SHA-256 of the whole dump, as bytes. */
export function trailerFrame(entry: DumpEntry): DumpFrame {
  return { $case: 'trailer', trailer: { sha256: Buffer.from(entry.sha256, 'hex') } };
}
