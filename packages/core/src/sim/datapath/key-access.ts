/**
 * Key access: how a data segment or a remote address reaches memory
 * through an mkey, with the checks hardware makes before it moves a byte.
 *
 * A data segment names (lkey, addr, byte_count); a remote-address segment
 * (rkey, raddr). `addr` is a virtual address in the key's space: byte
 * `addr - start_addr` of the key (a PA key with start_addr 0 and length64
 * makes addresses bus addresses, the kernel's "physical" key). A key must
 * exist with the same variant byte, belong to the PD of the queue that
 * uses it, cover the whole range and grant the access:
 *
 * | use                       | right needed | failure syndrome    |
 * |---------------------------|--------------|---------------------|
 * | gather for send / write   | lr           | LOCAL_PROT_ERR      |
 * | scatter (receive, read)   | lw           | LOCAL_PROT_ERR      |
 * | remote write              | rw           | REMOTE_ACCESS_ERR   |
 * | remote read               | rr           | REMOTE_ACCESS_ERR   |
 * Memory no longer mapped for DMA fails the same way.
 *
 * Owns: the checks. Never: copies (the caller moves bytes with Buffer.copy).
 */
import type { DmaSpace } from '../../dma.js';
import { MkcAccessMode } from '../../ifc/mkey.js';
import { CqeSyndrome } from '../../ifc/wqe.js';
import { type MkeyData, physicalViews, umemViews } from '../memory-translation.js';
import type { ObjectTable } from '../object-table.js';

/** KeyRight: the access a use needs. */
export type KeyRight = 'lr' | 'lw' | 'rw' | 'rr';

/** KeyFault: why access was refused, as the CQE syndrome to report. */
export interface KeyFault {
  readonly syndrome: number;
  readonly reason: string;
}

/**
 * keyViews: views of `len` bytes at `addr` through `key` for `right`, or a
 * KeyFault. `pd` is the PD of the queue that uses the key.
 */
export function keyViews(
  dma: DmaSpace,
  objects: ObjectTable,
  key: number,
  addr: bigint,
  len: number,
  right: KeyRight,
  pd: number,
): Buffer[] | KeyFault {
  const remote = right === 'rw' || right === 'rr';
  const syndrome = remote ? CqeSyndrome.REMOTE_ACCESS_ERR : CqeSyndrome.LOCAL_PROT_ERR;
  const fault = (reason: string): KeyFault => ({ syndrome, reason });
  const obj = objects.get<MkeyData>('MKEY', key >>> 8);
  if (!obj || Number(obj.context.mkey_7_0) !== (key & 0xff)) {
    return fault(`key 0x${key.toString(16)} does not exist`);
  }
  const c = obj.context;
  if (Number(c.pd) !== pd) return fault(`key 0x${key.toString(16)} is in PD ${c.pd}, not ${pd}`);
  if (Number(c[right]) !== 1) return fault(`key 0x${key.toString(16)} lacks ${right}`);
  if (len === 0) return [];
  const k = obj.data;
  const offset = addr - k.startAddr;
  if (offset < 0n || offset + BigInt(len) > BigInt(k.len)) {
    return fault(`0x${addr.toString(16)}+${len} is outside key 0x${key.toString(16)}`);
  }
  try {
    return k.mode === MkcAccessMode.PA
      ? physicalViews(dma, addr, len)
      : umemViews(dma, k.umem!.data, k.umemOffset + Number(offset), len);
  } catch {
    return fault(`memory of key 0x${key.toString(16)} is no longer mapped`);
  }
}

/** isKeyFault: narrows a keyViews result. */
export function isKeyFault(v: Buffer[] | KeyFault): v is KeyFault {
  return !Array.isArray(v);
}

/** gather: concatenate `views` (their bytes) into `out` from `at`; returns the new position. */
export function gather(views: readonly Buffer[], out: Buffer, at: number): number {
  let pos = at;
  for (const v of views) pos += v.copy(out, pos);
  return pos;
}

/** scatterFrom: copy bytes of `src` from `at` across `views`; returns the new position. */
export function scatterFrom(views: readonly Buffer[], src: Buffer, at: number): number {
  let pos = at;
  for (const v of views) pos += src.copy(v, 0, pos, pos + v.length);
  return pos;
}
