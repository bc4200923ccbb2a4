/**
 * User memory: CREATE_UMEM (0xa08), QUERY_UMEM (0xa09), DESTROY_UMEM (0xa0a).
 *
 * A umem registers host pages with the device: `num_of_mtt` MTT entries,
 * each the bus address of one page of `4 KiB << log_page_size` bytes, the
 * registered bytes starting `page_offset` bytes into the first page. Create
 * and destroy follow `mlx5_ifc.h`; QUERY_UMEM has no upstream declaration and
 * returns the umem context followed by as many MTT entries as the outbox
 * holds.
 *
 * Owns: layouts only.
 */
import { defineLayout } from '../layout/layout.js';

/** Mtt: `mtt_bits`, one page of a translation table (page address in the ptag, access bits). */
export const Mtt = defineLayout('mtt', {
  ptag_63_32: 32,
  ptag_31_8: 24,
  reserved_at_38: 6,
  wr_en: 1,
  rd_en: 1,
});

/** MTT_BYTES: size of one MTT entry. */
export const MTT_BYTES = Mtt.bytes;

/** Umem: the fixed part of `umem_bits`; `mtt[]` follows it. */
export const Umem = defineLayout('umem', {
  reserved_at_0: 0x80,
  ats: 1,
  reserved_at_81: 26,
  log_page_size: 5,
  page_offset: 32,
  num_of_mtt: 64,
});

/** CreateUmemIn: `create_umem_in` (fixed part; the umem's MTT entries follow). */
export const CreateUmemIn = defineLayout('create_umem_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 64,
  umem: { bytes: Umem.bytes },
});

/** CreateUmemOut: `create_umem_out`. */
export const CreateUmemOut = defineLayout('create_umem_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 8,
  umem_id: 24,
  reserved_at_60: 32,
});

/** DestroyUmemIn / QueryUmemIn: `destroy_umem_in` (the query has the same shape). */
export const DestroyUmemIn = defineLayout('destroy_umem_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 8,
  umem_id: 24,
  reserved_at_60: 32,
});
export const QueryUmemIn = defineLayout('query_umem_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 8,
  umem_id: 24,
  reserved_at_60: 32,
});

/** QueryUmemOut: header, the umem context, then MTT entries. */
export const QueryUmemOut = defineLayout('query_umem_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
  umem: { bytes: Umem.bytes },
});

/** mttAddress: the page address an MTT entry at `base` of `buf` names (access bits masked off). */
export function mttAddress(buf: Buffer, base: number): bigint {
  const hi = BigInt(Mtt.get(buf, 'ptag_63_32', base));
  const lo = BigInt(Mtt.get(buf, 'ptag_31_8', base));
  return (hi << 32n) | (lo << 8n);
}

/** writeMtt: encode one MTT entry for page `addr` (256-byte aligned) at `base` of `buf`. */
export function writeMtt(
  buf: Buffer,
  base: number,
  addr: bigint,
  access: { read?: boolean; write?: boolean } = { read: true, write: true },
): void {
  Mtt.write(
    buf,
    {
      ptag_63_32: Number((addr >> 32n) & 0xffff_ffffn),
      ptag_31_8: Number((addr >> 8n) & 0xff_ffffn),
      wr_en: access.write ? 1 : 0,
      rd_en: access.read ? 1 : 0,
    },
    base,
  );
}
