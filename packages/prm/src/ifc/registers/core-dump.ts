/**
 * CORE_DUMP (0x402e): the firmware core dump ("crdump") register and the
 * format of the dump it delivers.
 *
 * mlx5_ifc.h declares `core_dump_reg` with `core_dump_type`, `vhca_id` and
 * `qpn` in its first four dwords and leaves the rest reserved; the public
 * mlx5ctl tool additionally uses `more_dump`, `size`, `address`, `mkey` and
 * `cookie` for CR_DUMP_TO_MEM. Their exact bit positions are not public, so
 * the simulator places them in the reserved part, PRM style, and adds an
 * inline mode. Every field below is part of the contract with the ctl
 * helpers; the protocols are described in `sim/registers/core-dump-register.ts`.
 *
 * Register (64 bytes + optional inline tail):
 * | field          | bits  | in                                     | out                                   |
 * |----------------|-------|----------------------------------------|---------------------------------------|
 * | more_dump      | 0x000 | ignored                                | 1 = bytes remain after this reply     |
 * | core_dump_type | 0x018 | {@link CoreDumpType}                   | echoed                                |
 * | vhca_id        | 0x050 | must be 0 (this function)              | echoed                                |
 * | qpn            | 0x068 | ignored (QP dumps are not modelled)     | echoed                                |
 * | size           | 0x080 | TO_MEM: bytes available at `address`;  | bytes delivered by this call          |
 * |                |       | INLINE: max piece bytes (0 = no limit) |                                       |
 * | dump_size      | 0x0a0 | ignored                                | total bytes of the capture            |
 * | address        | 0x0c0 | TO_MEM: byte offset into the mkey      | echoed                                |
 * | mkey           | 0x100 | TO_MEM: the memory key to write        | echoed                                |
 * | dump_offset    | 0x120 | ignored                                | offset in the dump of this call's data|
 * | cookie         | 0x140 | 0 = new capture, else continuation     | continuation for the next call, 0 at end |
 * | inline_data    | 0x200 | -                                      | INLINE: the piece (`size` bytes)      |
 */
import { defineLayout } from '../../layout/layout.js';

/** CoreDumpReg: the fixed 64 bytes of the CORE_DUMP register; inline data follows. */
export const CoreDumpReg = defineLayout('core_dump_reg', {
  more_dump: 1,
  reserved_at_1: 0x17,
  core_dump_type: 8,
  reserved_at_20: 0x30,
  vhca_id: 16,
  reserved_at_60: 8,
  qpn: 24,
  size: 32,
  dump_size: 32,
  address: 64,
  mkey: 32,
  dump_offset: 32,
  cookie: 64,
  reserved_at_180: 0x80,
});

/** CORE_DUMP_INLINE_OFFSET: byte offset of `inline_data` in the register. */
export const CORE_DUMP_INLINE_OFFSET = CoreDumpReg.bytes;

/** CoreDumpType: `core_dump_type` values. */
export const CoreDumpType = {
  /** Kernel fw-tracer trigger (write): drops the caller's capture; no data. */
  GENERAL: 0x0,
  /** Per-QP dump: not modelled (REG_BAD_FIELD). */
  QP: 0x1,
  /** Whole dump (or as much as fits) written through an mkey in one command. */
  CR_DUMP_TO_MEM: 0x2,
  /** Dump returned in pieces inside the register (simulator extension). */
  CR_DUMP_INLINE: 0x3,
} as const;

/** CRDUMP_DEFAULT_BYTES / CRDUMP_MAX_BYTES: default and largest dump size. */
export const CRDUMP_DEFAULT_BYTES = 831_304;
export const CRDUMP_MAX_BYTES = 64 * 1024 * 1024;

/** CRDUMP_BLOCK_BYTES: the dump is generated in blocks of this size. */
export const CRDUMP_BLOCK_BYTES = 4096;

/** CRDUMP_MAGIC: the first 8 bytes of every dump. */
export const CRDUMP_MAGIC = Buffer.from('AUXCRDMP', 'latin1');

/** CRDUMP_FORMAT_VERSION: `format_version` of the header below. */
export const CRDUMP_FORMAT_VERSION = 1;

/**
 * CrdumpHeader: bytes 0..255 of every dump. Strings are ASCII, NUL padded
 * (truncated when longer than the field). `timestamp` is milliseconds of
 * the firmware clock when the crash's capture was first taken.
 */
export const CrdumpHeader = defineLayout('crdump_header', {
  magic: { bytes: 8 },
  format_version: 16,
  header_size: 16,
  vendor_id: 16,
  device_id: 16,
  crash_count: 32,
  total_size: 32,
  block_size: 32,
  seed: 32,
  timestamp: 64,
  fw_version_raw: 32,
  reserved_at_160: 32,
  fw_version: { bytes: 16 },
  psid: { bytes: 16 },
  serial: { bytes: 32 },
  bdf: { bytes: 16 },
  reserved_at_400: 0x400,
});

/** CRDUMP_BLOCK_MAGIC: `magic` of the tag that opens every block after the first ('CRBK'). */
export const CRDUMP_BLOCK_MAGIC = 0x4352_424b;

/** CrdumpBlockTag: the 8 bytes that open every block except block 0 (which opens with the header). */
export const CrdumpBlockTag = defineLayout('crdump_block_tag', {
  magic: 32,
  block_index: 32,
});
