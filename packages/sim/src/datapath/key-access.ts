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
 * A WQE's data segments are checked one after the other and the first
 * fault stops the walk (`sgeViews` for a send WQE's, `recvWqeViews` for a
 * receive WQE's, which ends early at an INVALID_LKEY segment).
 *
 * Owns: the checks, the views they yield, and moving bytes across views
 * (gather / scatterFrom). Never: what is moved where (the caller decides).
 */
import {
  CqeSyndrome,
  type DmaSpace,
  INVALID_LKEY,
  MkcAccessMode,
  WQE_SEG_BYTES,
  WqeDataSeg,
} from '@auxctl/prm';
import { type MkeyData, physicalViews, umemViews } from '../memory-translation.js';
import type { ObjectTable } from '../object-table.js';
import type { DirtyLog } from './dirty-log.js';

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
  written?: DirtyLog,
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
    // The device writes what a write right grants: logged (dirty-log.ts).
    const log = right === 'lw' || right === 'rw' ? written : undefined;
    return k.mode === MkcAccessMode.PA
      ? physicalViews(dma, addr, len, log)
      : umemViews(dma, k.umem!.data, k.umemOffset + Number(offset), len, log);
  } catch {
    return fault(`memory of key 0x${key.toString(16)} is no longer mapped`);
  }
}

/** isKeyFault: narrows a keyViews, sgeViews or recvWqeViews result. */
export function isKeyFault<T extends object>(v: T | KeyFault): v is KeyFault {
  return !Array.isArray(v) && 'syndrome' in v;
}

/** KeyHost: the memory and keys of the function whose queue walks its segments. */
export interface KeyHost {
  readonly dma: DmaSpace;
  readonly objects: ObjectTable;
  /** Where the function's device writes are logged. */
  readonly dirty?: DirtyLog;
}

/** SgeViews: the memory a list of data segments names, and its length in bytes. */
export interface SgeViews {
  readonly views: Buffer[];
  readonly len: number;
}

/** `byte_count` of a data segment (bit 31 is the inline flag). */
const BYTE_COUNT_MASK = 0x7fff_ffff;

/**
 * sgeViews: the data segments `from` .. `to` - 1 of a send WQE in `ring`
 * (segment k at byte `at(k)`), checked for `right` through their lkeys for
 * a queue of PD `pd`; the first KeyFault stops the walk.
 */
export function sgeViews(
  host: KeyHost,
  ring: Buffer,
  at: (k: number) => number,
  from: number,
  to: number,
  right: KeyRight,
  pd: number,
): SgeViews | KeyFault {
  const out = { views: [] as Buffer[], len: 0 };
  for (let k = from; k < to; k++) {
    const fault = addSge(host, ring, at(k), right, pd, out);
    if (fault) return fault;
  }
  return out;
}

/**
 * recvWqeViews: the data segments of the receive WQE of `stride` bytes at
 * byte `base` of `ring`, up to an INVALID_LKEY segment, checked for `lw`
 * for a queue of PD `pd`. `skipEmpty`: a zero-length segment is passed
 * over before its key is looked at (Ethernet RQs); otherwise its key is
 * checked like any other (RC).
 */
export function recvWqeViews(
  host: KeyHost,
  ring: Buffer,
  base: number,
  stride: number,
  pd: number,
  skipEmpty: boolean,
): SgeViews | KeyFault {
  const out = { views: [] as Buffer[], len: 0 };
  for (let at = base; at < base + stride; at += WQE_SEG_BYTES) {
    if (WqeDataSeg.get(ring, 'lkey', at) === INVALID_LKEY) break;
    if (skipEmpty && (WqeDataSeg.get(ring, 'byte_count', at) & BYTE_COUNT_MASK) === 0) continue;
    const fault = addSge(host, ring, at, 'lw', pd, out);
    if (fault) return fault;
  }
  return out;
}

/** addSge: check the data segment at byte `at` of `ring` and add its views to `out`. */
function addSge(
  host: KeyHost,
  ring: Buffer,
  at: number,
  right: KeyRight,
  pd: number,
  out: { views: Buffer[]; len: number },
): KeyFault | undefined {
  const len = WqeDataSeg.get(ring, 'byte_count', at) & BYTE_COUNT_MASK;
  const lkey = WqeDataSeg.get(ring, 'lkey', at);
  const v = keyViews(
    host.dma,
    host.objects,
    lkey,
    WqeDataSeg.get64(ring, 'addr', at),
    len,
    right,
    pd,
    host.dirty,
  );
  if (isKeyFault(v)) return v;
  out.views.push(...v);
  out.len += len;
  return undefined;
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
