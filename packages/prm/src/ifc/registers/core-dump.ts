/**
 * CORE_DUMP (0x402e): the firmware core dump ("crdump") register and the
 * format of the dump it delivers.
 *
 * mlx5_ifc.h declares `core_dump_reg` with `core_dump_type`, `vhca_id` and
 * `qpn` in its first four dwords and leaves the rest reserved; the public
 * mlx5ctl tool's copy of mlx5_ifc.h adds `more_dump` (bit 0), `mkey` (dword
 * 4), `size` (dword 5), `address` (dwords 6-7) and `cookie` (dwords 8-9)
 * for CR_DUMP_TO_MEM (`refs/fwctl-linux.md` §7.2), and so does this layout.
 * The simulator adds `dump_size` and `dump_offset` in the reserved dwords
 * 10-11 and an inline mode. Every field below is part of the contract with
 * the ctl helpers; the protocols are described in
 * `sim/registers/core-dump-register.ts`.
 *
 * Register (64 bytes + optional inline tail):
 * | field          | bits  | in                                     | out                                   |
 * |----------------|-------|----------------------------------------|---------------------------------------|
 * | more_dump      | 0x000 | ignored                                | 1 = bytes remain after this reply     |
 * | core_dump_type | 0x018 | {@link CoreDumpType}                   | echoed                                |
 * | vhca_id        | 0x050 | must be 0 (this function)              | echoed                                |
 * | qpn            | 0x068 | ignored (QP dumps are not modelled)     | echoed                                |
 * | mkey           | 0x080 | TO_MEM: the memory key to write        | echoed                                |
 * | size           | 0x0a0 | TO_MEM: bytes available at `address`;  | bytes delivered by this call (whole   |
 * |                |       | INLINE: max piece bytes (0 = no limit) | pairs, see below)                     |
 * | address        | 0x0c0 | TO_MEM: byte offset into the mkey      | echoed                                |
 * | cookie         | 0x100 | 0 = new capture, else the address to   | the address after the last pair       |
 * |                |       | continue from                          | delivered (also at the end)           |
 * | dump_size      | 0x140 | ignored                                | total bytes of the capture            |
 * | dump_offset    | 0x160 | ignored                                | offset in the dump of this call's data|
 * | inline_data    | 0x200 | -                                      | INLINE: the piece (`size` bytes)      |
 *
 * DUMP CONTENT (CR_DUMP_TO_MEM, as the one public sample shows it; the
 * format is inferred from that sample, see `refs/fwctl-linux.md` §7.2): a
 * run of {@link CrdumpPair}s, big-endian (u32 address, u32 value), in
 * ascending address order with gaps where the device has no registers.
 * The reply's `cookie` is the address after the last pair dumped (last
 * address + 4), so a continuation names where to resume; the sample ends
 * with the pair at 0x500c00 and cookie 0x500c04, `more_dump` 0. Its size,
 * 831,304 bytes, is 103,913 pairs.
 *
 * The simulator's values: the first 64 pairs (addresses 0x0..0xfc) carry
 * {@link CrdumpHeader} as their values, so a dump is recognisable and says
 * which device and crash it is; the rest are its own. `crdump-stream.ts`
 * reads a dump.
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
  mkey: 32,
  size: 32,
  address: 64,
  cookie: 64,
  dump_size: 32,
  dump_offset: 32,
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

/** CRDUMP_PAIR_BYTES: one (address, value) pair of the dump. */
export const CRDUMP_PAIR_BYTES = 8;

/** CrdumpPair: one pair of the dump content: a register address and its value. */
export const CrdumpPair = defineLayout('crdump_pair', {
  address: 32,
  value: 32,
});

/**
 * CRDUMP_WINDOW_BYTES: the simulator lays its address space out in windows
 * of this size, each dumped from its start for a device-specific number of
 * dwords (none for some): the gaps between runs of addresses.
 */
export const CRDUMP_WINDOW_BYTES = 256;

/** CRDUMP_MAGIC: the first 8 bytes of the header (the values at addresses 0x0 and 0x4). */
export const CRDUMP_MAGIC = Buffer.from('AUXCRDMP', 'latin1');

/** CRDUMP_FORMAT_VERSION: `format_version` of the header below (2: address/value pairs). */
export const CRDUMP_FORMAT_VERSION = 2;

/**
 * CrdumpHeader: the values of the dump's first 64 pairs (addresses 0x0 to
 * 0xfc), concatenated. Strings are ASCII, NUL padded (truncated when longer
 * than the field). `timestamp` is milliseconds of the firmware clock when
 * the crash's capture was first taken.
 */
export const CrdumpHeader = defineLayout('crdump_header', {
  magic: { bytes: 8 },
  format_version: 16,
  header_size: 16,
  vendor_id: 16,
  device_id: 16,
  crash_count: 32,
  total_size: 32,
  window_bytes: 32,
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
