/**
 * Memory command builders: protection domains, user memory and memory keys
 * for the data path (ALLOC_PD / DEALLOC_PD, CREATE_UMEM / DESTROY_UMEM,
 * CREATE_MKEY / DESTROY_MKEY), and DESTROY_UCTX, which ends a user context
 * and frees whatever the firmware still holds for its uid.
 *
 * Two keys cover what the drivers need: `createPaMkey` is the kernel's
 * key over all bus addresses (PA mode, length64: data segments then carry
 * bus addresses, as the netdev's rings do); `createUmemMkey` is a memory
 * region: a umem (pinned pages of one DMA mapping) seen through a key
 * whose addresses start at `iova`, with local / remote rights.
 *
 * Owns: nothing; stateless.
 */
import {
  AllocPdIn,
  AllocPdOut,
  AuxError,
  CmdOut,
  CreateMkeyIn,
  CreateMkeyOut,
  CreateUmemIn,
  CreateUmemOut,
  DeallocPdIn,
  DestroyMkeyIn,
  DestroyUctxIn,
  DestroyUmemIn,
  type DmaSpace,
  Mkc,
  MkcAccessMode,
  MTT_BYTES,
  mkeyFromIndex,
  Op,
  PAGE_SIZE,
  Umem,
  writeMtt,
} from '@auxctl/prm';
import { buildInbox, type CommandExecutor } from './firmware-commands.js';

/**
 * nextVariant: the key's variant byte (`mkey_7_0`), rolling 1..255 as
 * mlx5_core's `mkey_key` does; never 0, so no key equals INVALID_LKEY
 * (0x100, index 1 variant 0) and a stale key of a reused index misses.
 */
let variant = 0;
function nextVariant(): number {
  variant = (variant % 255) + 1;
  return variant;
}

/** allocPd: ALLOC_PD; the pdn. */
export async function allocPd(cmd: CommandExecutor, uid = 0): Promise<number> {
  const out = await cmd.cmdExec(buildInbox(AllocPdIn, Op.ALLOC_PD, { uid }), AllocPdOut.bytes);
  return AllocPdOut.get(out, 'pd');
}

/** deallocPd: DEALLOC_PD. */
export async function deallocPd(cmd: CommandExecutor, pd: number, uid = 0): Promise<void> {
  await cmd.cmdExec(buildInbox(DeallocPdIn, Op.DEALLOC_PD, { pd, uid }), CmdOut.bytes);
}

/** destroyUctx: DESTROY_UCTX of user context `uid`. */
export async function destroyUctx(cmd: CommandExecutor, uid: number): Promise<void> {
  await cmd.cmdExec(buildInbox(DestroyUctxIn, Op.DESTROY_UCTX, { uid }), CmdOut.bytes);
}

/** KeyRights: what a key lets the device do (local read is always granted). */
export interface KeyRights {
  readonly localWrite?: boolean;
  readonly remoteRead?: boolean;
  readonly remoteWrite?: boolean;
}

/** createPaMkey: the kernel's physical-address key over all memory in PD `pd` (lr + lw); the key. */
export async function createPaMkey(cmd: CommandExecutor, pd: number): Promise<number> {
  const key = nextVariant();
  const inbox = buildInbox(CreateMkeyIn, Op.CREATE_MKEY);
  Mkc.write(
    inbox,
    {
      access_mode_1_0: MkcAccessMode.PA,
      lr: 1,
      lw: 1,
      pd,
      length64: 1,
      qpn: 0xff_ffff,
      mkey_7_0: key,
    },
    CreateMkeyIn.byteOffset('memory_key_mkey_entry'),
  );
  const out = await cmd.cmdExec(inbox, CreateMkeyOut.bytes);
  return mkeyFromIndex(CreateMkeyOut.get(out, 'mkey_index'), key);
}

/** createUmem: CREATE_UMEM over the whole DMA mapping at `addr` (`size` bytes); the umem id. */
export async function createUmem(
  cmd: CommandExecutor,
  dma: DmaSpace,
  p: { addr: bigint; size: number; uid?: number },
): Promise<number> {
  const pages = dma.pageAddresses(p.addr);
  if (pages.length === 0 || pages.length * PAGE_SIZE < p.size) {
    throw new AuxError('EINVAL', 'map the buffer with dma.map() and pass its address and length');
  }
  const out = await cmd.cmdExec(createUmemInbox(pages, p.uid), CreateUmemOut.bytes);
  return CreateUmemOut.get(out, 'umem_id');
}

/** createUmemInbox: CREATE_UMEM of `uid` for whole 4 KiB pages at `pages` (bus addresses). */
export function createUmemInbox(pages: readonly bigint[], uid = 0): Buffer {
  const inbox = buildInbox(CreateUmemIn, Op.CREATE_UMEM, { uid }, pages.length * MTT_BYTES);
  Umem.write(
    inbox,
    { log_page_size: 0, page_offset: 0, num_of_mtt: BigInt(pages.length) },
    CreateUmemIn.byteOffset('umem'),
  );
  pages.forEach((a, i) => {
    writeMtt(inbox, CreateUmemIn.bytes + i * MTT_BYTES, a);
  });
  return inbox;
}

/** destroyUmem: DESTROY_UMEM. */
export async function destroyUmem(cmd: CommandExecutor, umemId: number, uid = 0): Promise<void> {
  await cmd.cmdExec(
    buildInbox(DestroyUmemIn, Op.DESTROY_UMEM, { umem_id: umemId, uid }),
    CmdOut.bytes,
  );
}

/** createUmemMkey: a memory region: `len` bytes of umem `umem` from `offset`, addressed from `iova`; the key. */
export async function createUmemMkey(
  cmd: CommandExecutor,
  p: {
    pd: number;
    umem: number;
    offset?: number;
    len: number;
    iova: bigint;
    rights?: KeyRights;
    uid?: number;
  },
): Promise<number> {
  const inbox = buildInbox(CreateMkeyIn, Op.CREATE_MKEY, {
    uid: p.uid ?? 0,
    mkey_umem_valid: 1,
    mkey_umem_id: p.umem,
    mkey_umem_offset: BigInt(p.offset ?? 0),
  });
  const r = p.rights ?? {};
  const key = nextVariant();
  Mkc.write(
    inbox,
    {
      access_mode_1_0: MkcAccessMode.MTT,
      lr: 1,
      lw: r.localWrite ? 1 : 0,
      rr: r.remoteRead ? 1 : 0,
      rw: r.remoteWrite ? 1 : 0,
      pd: p.pd,
      start_addr: p.iova,
      len: BigInt(p.len),
      qpn: 0xff_ffff,
      mkey_7_0: key,
    },
    CreateMkeyIn.byteOffset('memory_key_mkey_entry'),
  );
  const out = await cmd.cmdExec(inbox, CreateMkeyOut.bytes);
  return mkeyFromIndex(CreateMkeyOut.get(out, 'mkey_index'), key);
}

/** destroyMkey: DESTROY_MKEY of key `mkey`. */
export async function destroyMkey(cmd: CommandExecutor, mkey: number, uid = 0): Promise<void> {
  await cmd.cmdExec(
    buildInbox(DestroyMkeyIn, Op.DESTROY_MKEY, { mkey_index: mkey >>> 8, uid }),
    CmdOut.bytes,
  );
}
