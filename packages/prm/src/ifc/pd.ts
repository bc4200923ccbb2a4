/**
 * Protection domains: ALLOC_PD (0x800) and DEALLOC_PD (0x801), with
 * `mlx5_ifc.h` names and offsets.
 *
 * Owns: layouts only.
 */
import { defineLayout } from '../layout/layout.js';

/** AllocPdIn: `alloc_pd_in`. */
export const AllocPdIn = defineLayout('alloc_pd_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 64,
});

/** AllocPdOut: `alloc_pd_out`. */
export const AllocPdOut = defineLayout('alloc_pd_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 8,
  pd: 24,
  reserved_at_60: 32,
});

/** DeallocPdIn: `dealloc_pd_in`. */
export const DeallocPdIn = defineLayout('dealloc_pd_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 8,
  pd: 24,
  reserved_at_60: 32,
});
