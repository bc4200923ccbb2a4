/**
 * Memory translation: how the simulated device reaches host memory through
 * umems and mkeys.
 *
 * A umem is a list of page bus addresses (its MTT); byte `b` of the umem is
 * byte `(page_offset + b) % page` of page `floor((page_offset + b) / page)`.
 * An mkey is a window onto memory: umem-backed (`mkey_umem_valid`, MTT mode)
 * its byte `o` is umem byte `mkey_umem_offset + o`; physical (PA mode, kernel
 * only) its byte `o` is bus address `start_addr + o`. Every page is resolved
 * through the device's DmaSpace at the moment of access, so memory unmapped
 * after registration is reported (MEM_NOT_MAPPED), never written.
 *
 * A write resolves every page it touches before copying anything: a failed
 * write changes no memory.
 *
 * Owns: address arithmetic and the write path. Never: object lifetimes.
 */
import { CmdStatus, type DmaSpace, MkcAccessMode, mkeyIndex, Syndrome } from '@auxctl/prm';
import type { DirtyLog } from './datapath/dirty-log.js';
import { FwError } from './fw-error.js';
import type { FwObject, ObjectTable } from './object-table.js';

/** UmemData: what firmware keeps of a umem beyond its PRM context. */
export interface UmemData {
  readonly pageBytes: number;
  readonly pageOffset: number;
  /** Registered bytes: pages * pageBytes - pageOffset. */
  readonly size: number;
  readonly pages: readonly bigint[];
}

/** MkeyData: the translation of an mkey. */
export interface MkeyData {
  readonly mode: number;
  readonly startAddr: bigint;
  readonly len: number;
  readonly umem?: FwObject<UmemData>;
  readonly umemOffset: number;
  readonly localWrite: boolean;
}

const notMapped = (addr: bigint, len: number) =>
  new FwError(
    CmdStatus.BAD_PARAM,
    Syndrome.MEM_NOT_MAPPED,
    `bus address 0x${addr.toString(16)} (+${len}) is not mapped for DMA`,
  );

const outOfRange = (msg: string) =>
  new FwError(CmdStatus.BAD_PARAM, Syndrome.MEM_OUT_OF_RANGE, msg);

/**
 * lookupMkey: the key `mkey` (`index << 8 | variant`) names for `uid`:
 * BAD_RES / OBJ_NOT_FOUND for no such key or a wrong variant,
 * OBJ_OTHER_UID for another uid's.
 */
export function lookupMkey(objects: ObjectTable, mkey: number, uid: number): FwObject<MkeyData> {
  const key = objects.lookup<MkeyData>('MKEY', mkeyIndex(mkey), uid);
  if (Number(key.context.mkey_7_0) !== (mkey & 0xff)) {
    throw new FwError(
      CmdStatus.BAD_RES,
      Syndrome.OBJ_NOT_FOUND,
      `mkey 0x${mkey.toString(16)}: wrong variant`,
    );
  }
  return key;
}

/** checkUmemPages: every page of a new umem must be mapped for its whole page size. */
export function checkUmemPages(dma: DmaSpace, umem: UmemData): void {
  for (const p of umem.pages) {
    if (!dma.resolve(p, umem.pageBytes)) throw notMapped(p, umem.pageBytes);
  }
}

/** umemViews: views of umem bytes [offset, offset + len), page by page. */
export function umemViews(
  dma: DmaSpace,
  umem: UmemData,
  offset: number,
  len: number,
  written?: DirtyLog,
): Buffer[] {
  if (offset < 0 || len < 0 || offset + len > umem.size) {
    throw outOfRange(`bytes ${offset}+${len} outside the ${umem.size}-byte umem`);
  }
  const views: Buffer[] = [];
  let at = umem.pageOffset + offset;
  let left = len;
  while (left > 0) {
    const page = Math.floor(at / umem.pageBytes);
    const within = at % umem.pageBytes;
    const n = Math.min(left, umem.pageBytes - within);
    const addr = umem.pages[page]! + BigInt(within);
    const v = dma.resolve(addr, n);
    if (!v) throw notMapped(addr, n);
    views.push(v);
    written?.note(addr, n);
    at += n;
    left -= n;
  }
  return views;
}

/** physicalViews: views of bus addresses [addr, addr + len), 4 KiB page by page. */
export function physicalViews(
  dma: DmaSpace,
  addr: bigint,
  len: number,
  written?: DirtyLog,
): Buffer[] {
  const views: Buffer[] = [];
  let at = addr;
  let left = len;
  while (left > 0) {
    const n = Math.min(left, 4096 - Number(at % 4096n));
    const v = dma.resolve(at, n);
    if (!v) throw notMapped(at, n);
    views.push(v);
    written?.note(at, n);
    at += BigInt(n);
    left -= n;
  }
  return views;
}

/**
 * mkeyViews: views of key bytes [offset, offset + len) the device will
 * write; range and access checked; the write is logged in `written`.
 */
export function mkeyViews(
  dma: DmaSpace,
  key: MkeyData,
  offset: number,
  len: number,
  written?: DirtyLog,
): Buffer[] {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + len > key.len) {
    throw outOfRange(`bytes ${offset}+${len} outside the ${key.len}-byte mkey`);
  }
  if (!key.localWrite) {
    throw new FwError(
      CmdStatus.BAD_PARAM,
      Syndrome.MEM_ACCESS_DENIED,
      'the mkey has no local write access (lw); the device cannot write through it',
    );
  }
  if (key.mode === MkcAccessMode.PA) {
    return physicalViews(dma, key.startAddr + BigInt(offset), len, written);
  }
  return umemViews(dma, key.umem!.data, key.umemOffset + offset, len, written);
}

/** scatter: copy `data` across `views` in order (their lengths sum to data.length). */
export function scatter(views: readonly Buffer[], data: Buffer): void {
  let at = 0;
  for (const v of views) {
    data.copy(v, 0, at, at + v.length);
    at += v.length;
  }
}
