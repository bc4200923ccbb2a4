/**
 * Dump store: captured dumps kept for resumable, chunked download.
 */
export {
  clampChunkSize,
  DEFAULT_CHUNK_SIZE,
  type DumpReader,
  MAX_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
} from './dump-chunks.js';
export {
  DUMP_ID_PATTERN,
  DUMP_KINDS,
  type DumpChunk,
  type DumpEntry,
  type DumpKind,
  type DumpPut,
  newDumpId,
} from './dump-entry.js';
export {
  DumpStore,
  type DumpStoreOptions,
  type DumpStoreStats,
} from './dump-store.js';
