/**
 * DiagCounterList: the diagnostic counters a device offers, as the
 * `diagcnt` command reads them: `num_of_diagnostic_counters` from the
 * general capability (16 bits at 0x280 of cmd_hca_cap, a PRM field the
 * upstream header leaves reserved) and the `diagnostic_counter[]` list of
 * the debug capability (cap_type 0xd), which follows its 0x200-bit head;
 * each entry is `diagnostic_cntr_layout`: sync at bit 0, counter_id 16
 * bits at 0x10. It must never read past the capability union.
 */
import { HCA_CAP_UNION_BYTES } from './hca-cap-fields.js';
import { type PrmField, readField } from './prm-fields.js';

const f = (name: string, bitOffset: number, bits: number): PrmField => ({ name, bitOffset, bits });

/** NUM_OF_DIAGNOSTIC_COUNTERS: the general-capability field with the list's length. */
export const NUM_OF_DIAGNOSTIC_COUNTERS = f('num_of_diagnostic_counters', 0x280, 16);

/** DEBUG_CAP_HEAD_BYTES: the debug capability's fixed head (0x200 bits); the list follows. */
export const DEBUG_CAP_HEAD_BYTES = 0x200 / 8;

/** DiagnosticCntr: `diagnostic_cntr_layout` (one 4-byte entry). */
export const DiagnosticCntr = {
  sync: f('sync', 0x0, 1),
  counter_id: f('counter_id', 0x10, 16),
} as const;
const ENTRY_BYTES = 4;

/** MAX_DIAG_COUNTERS: entries that fit in the capability union after the head. */
export const MAX_DIAG_COUNTERS = (HCA_CAP_UNION_BYTES - DEBUG_CAP_HEAD_BYTES) / ENTRY_BYTES;

/** DiagCounter: one offered counter. */
export interface DiagCounter {
  counterId: number;
  /** sync: the counter can be sampled synchronously with the others. */
  sync: boolean;
}

/** diagCounterCount: `num_of_diagnostic_counters` from the general capability bytes. */
export function diagCounterCount(generalCap: Buffer): number {
  return readField(generalCap, NUM_OF_DIAGNOSTIC_COUNTERS);
}

/**
 * decodeDiagCounters: the first `count` entries of the debug capability's
 * list; RangeError when `count` does not fit in `debugCap`.
 */
export function decodeDiagCounters(debugCap: Buffer, count: number): DiagCounter[] {
  if (count > MAX_DIAG_COUNTERS || DEBUG_CAP_HEAD_BYTES + count * ENTRY_BYTES > debugCap.length) {
    throw new RangeError(`${count} diagnostic counters do not fit in the debug capability`);
  }
  const out: DiagCounter[] = [];
  for (let i = 0; i < count; i++) {
    const entry = debugCap.subarray(DEBUG_CAP_HEAD_BYTES + i * ENTRY_BYTES);
    out.push({
      counterId: readField(entry, DiagnosticCntr.counter_id),
      sync: readField(entry, DiagnosticCntr.sync) === 1,
    });
  }
  return out;
}
