/**
 * The health buffer of the initialization segment (Linux `struct health_buffer`).
 *
 * Firmware keeps it current and the driver polls it together with the
 * health counter; both stay readable after firmware stops answering
 * commands, which is how a fatal error is noticed at all.
 */
import { AuxError } from '../errors.js';
import { defineLayout } from '../layout/layout.js';

/** HealthBuffer: 64 bytes, big-endian. `synd` != 0 means firmware asserted. */
export const HealthBuffer = defineLayout('health_buffer', {
  assert_var: { array: 32, count: 6 },
  reserved_at_c0: 64,
  assert_exit_ptr: 32,
  assert_callra: 32,
  reserved_at_140: 32,
  /** Seconds since firmware start when the last event was recorded. */
  time: 32,
  /** Raw firmware version: major << 24 | minor << 16 | subminor (low 16 bits). */
  fw_ver: 32,
  hw_id: 32,
  rfr: 1,
  reserved_at_1c1: 3,
  severity: 4,
  reserved_at_1c8: 24,
  irisc_index: 8,
  synd: 8,
  ext_synd: 16,
});

/** HealthSyndrome: `synd` values of the health buffer (PRM / mlx5 health.c). */
export const HealthSyndrome = {
  FW_INTERNAL_ERR: 0x1,
  DEAD_IRISC: 0x7,
  HW_FATAL_ERR: 0x8,
  FW_CRC_ERR: 0x9,
  ICM_FETCH_PCI_ERR: 0xa,
  ICM_PAGE_ERR: 0xb,
  ASYNCHRONOUS_EQ_BUF_OVERRUN: 0xc,
  EQ_IN_ERR: 0xd,
  EQ_INV: 0xe,
  FFSER_ERR: 0xf,
  HIGH_TEMP: 0x10,
  ICM_PCI_POISONED_ERR: 0x12,
} as const;

const syndromeText: Record<number, string> = {
  1: 'firmware internal error',
  7: 'dead IRISC',
  8: 'hardware fatal error',
  9: 'firmware CRC error',
  10: 'ICM fetch PCI error',
  11: 'HW fatal error',
  12: 'async EQ buffer overrun',
  13: 'EQ error',
  14: 'invalid EQ referenced',
  15: 'FFSER error',
  16: 'high temperature',
  18: 'ICM PCI poisoned error',
};

/** healthSyndromeText: a human description of a health syndrome. */
export function healthSyndromeText(synd: number): string {
  return syndromeText[synd] ?? `unrecognized error 0x${synd.toString(16)}`;
}

/** checkHealthSyndrome: EINVAL unless `synd` is 1..255 and `extSynd` 0..0xffff. */
export function checkHealthSyndrome(synd: number, extSynd: number): void {
  if (!Number.isInteger(synd) || synd < 1 || synd > 0xff) {
    throw new AuxError('EINVAL', 'a health syndrome is 1..255 (see ifc/health.ts HealthSyndrome)');
  }
  if (!Number.isInteger(extSynd) || extSynd < 0 || extSynd > 0xffff) {
    throw new AuxError('EINVAL', 'an extended health syndrome is 0..0xffff');
  }
}
