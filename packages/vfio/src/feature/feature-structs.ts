/**
 * The argument structs of the device features (uapi vfio.h), little-endian
 * as on the host, and their encoders for callers:
 *
 *   MIGRATION            { u64 flags }                                   8
 *   MIG_DEVICE_STATE     { u32 device_state; s32 data_fd }               8
 *   MIG_DATA_SIZE        { u64 stop_copy_length }                        8
 *   DMA_LOGGING_START    { u64 page_size; u32 num_ranges; u32 rsvd;
 *                          u64 ranges }  + ranges[] { u64 iova; u64 length }  24 (+16 each)
 *   DMA_LOGGING_REPORT   { u64 iova; u64 length; u64 page_size; u64 bitmap } 32
 *
 * The two user pointers of the uAPI are modelled in the same data buffer
 * or beside it: `ranges` is the byte offset of the range array inside the
 * START data (EFAULT when the array does not fit there); the REPORT
 * bitmap comes back as a buffer of its own, and `data_fd` as the file
 * itself, with an fd number in the struct.
 *
 * Owns: byte layouts. Never: validation of values (the features').
 */
/** STRUCT_BYTES: each struct's size (the feature's minimum argsz). */
export const STRUCT_BYTES = {
  migration: 8,
  migState: 8,
  dataSize: 8,
  loggingControl: 24,
  loggingRange: 16,
  loggingReport: 32,
} as const;

/** IovaRange: one range of `vfio_device_feature_dma_logging_range`. */
export interface IovaRange {
  readonly iova: bigint;
  readonly length: bigint;
}

/** u64: `v` as 8 little-endian bytes. */
function u64(v: bigint | number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return b;
}

/** migrationData: the MIGRATION struct for `flags`. */
export function migrationData(flags: number): Buffer {
  return u64(flags);
}

/** migStateData: the MIG_DEVICE_STATE struct (`dataFd` -1 unless a file came back). */
export function migStateData(state: number, dataFd = -1): Buffer {
  const b = Buffer.alloc(STRUCT_BYTES.migState);
  b.writeUInt32LE(state >>> 0, 0);
  b.writeInt32LE(dataFd, 4);
  return b;
}

/** readMigState: `{ state, dataFd }` from a MIG_DEVICE_STATE struct. */
export function readMigState(b: Buffer): { state: number; dataFd: number } {
  return { state: b.readUInt32LE(0), dataFd: b.readInt32LE(4) };
}

/** dataSizeData: the MIG_DATA_SIZE struct. */
export function dataSizeData(stopCopyLength: bigint): Buffer {
  return u64(stopCopyLength);
}

/** readU64: the first u64 of a MIGRATION or MIG_DATA_SIZE struct. */
export function readU64(b: Buffer): bigint {
  return b.readBigUInt64LE(0);
}

/** loggingControlData: a DMA_LOGGING_START struct with the ranges right after it. */
export function loggingControlData(pageSize: bigint, ranges: readonly IovaRange[]): Buffer {
  const head = Buffer.alloc(STRUCT_BYTES.loggingControl);
  head.writeBigUInt64LE(pageSize, 0);
  head.writeUInt32LE(ranges.length, 8);
  head.writeBigUInt64LE(BigInt(STRUCT_BYTES.loggingControl), 16);
  return Buffer.concat([head, ...ranges.flatMap((r) => [u64(r.iova), u64(r.length)])]);
}

/** loggingReportData: a DMA_LOGGING_REPORT struct (the bitmap comes back beside it). */
export function loggingReportData(iova: bigint, length: bigint, pageSize: bigint): Buffer {
  return Buffer.concat([u64(iova), u64(length), u64(pageSize), u64(0)]);
}

/** readLoggingReport: the REPORT struct's iova, length and page size. */
export function readLoggingReport(b: Buffer): { iova: bigint; length: bigint; pageSize: bigint } {
  return {
    iova: b.readBigUInt64LE(0),
    length: b.readBigUInt64LE(8),
    pageSize: b.readBigUInt64LE(16),
  };
}
