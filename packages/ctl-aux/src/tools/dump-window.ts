/**
 * DumpWindow: memory the device can write a dump into, made through a ctl
 * context: a page-rounded buffer registered as a umem, a PD, and an mkey
 * over the whole umem with local write access (what CORE_DUMP TO_MEM and
 * RESOURCE_DUMP through an mkey need).
 *
 * `withDumpWindow` creates one, runs the caller's work and always releases
 * it (mkey, PD, umem, in that order), whether the work succeeded or not. A
 * release step that fails because the context is gone (ENODEV) is fine:
 * closing the context released everything. Any other release failure is
 * reported only when the work itself succeeded, so the first error wins.
 *
 * Owns: the three objects and the buffer while the window is open.
 */
import {
  AllocPdIn,
  AllocPdOut,
  buildInbox,
  CmdOut,
  CreateMkeyIn,
  CreateMkeyOut,
  DeallocPdIn,
  DestroyMkeyIn,
  isAuxError,
  Mkc,
  MkcAccessMode,
  mkeyFromIndex,
  Op,
  PAGE_SIZE,
} from '@auxctl/core';
import type { CtlChannel } from '../ctl-context.js';
import { fwCall } from './fw-call.js';

/** DumpWindow: an open window (valid inside `withDumpWindow`'s callback). */
export interface DumpWindow {
  /** The memory the device writes (page-rounded length). */
  readonly buffer: Buffer;
  /** The key value (`mkey_index << 8 | variant`) dump registers take. */
  readonly mkey: number;
  readonly umemId: number;
}

/** roundToPages: `bytes` rounded up to whole 4 KiB pages (at least one). */
export function roundToPages(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / PAGE_SIZE)) * PAGE_SIZE;
}

/**
 * withDumpWindow: open a window of at least `bytes`, run `work` with it,
 * release it; `work`'s result. See the module header for errors.
 */
export async function withDumpWindow<T>(
  ch: CtlChannel,
  bytes: number,
  work: (w: DumpWindow) => Promise<T>,
): Promise<T> {
  const buffer = Buffer.alloc(roundToPages(bytes));
  const undo: Array<() => Promise<unknown>> = [];
  let result: T;
  try {
    const umemId = await ch.umemReg(buffer);
    undo.push(() => ch.umemUnreg(umemId));
    const pdOut = await fwCall(ch, buildInbox(AllocPdIn, Op.ALLOC_PD), AllocPdOut.bytes);
    const pd = AllocPdOut.get(pdOut, 'pd');
    undo.push(() => fwCall(ch, buildInbox(DeallocPdIn, Op.DEALLOC_PD, { pd }), CmdOut.bytes));
    const mkIn = buildInbox(CreateMkeyIn, Op.CREATE_MKEY, {
      mkey_umem_valid: 1,
      mkey_umem_id: umemId,
      mkey_umem_offset: 0n,
    });
    Mkc.write(
      mkIn,
      {
        access_mode_1_0: MkcAccessMode.MTT,
        lw: 1,
        lr: 1,
        pd,
        start_addr: 0n,
        len: BigInt(buffer.length),
      },
      CreateMkeyIn.byteOffset('memory_key_mkey_entry'),
    );
    const mkOut = await fwCall(ch, mkIn, CreateMkeyOut.bytes);
    const index = CreateMkeyOut.get(mkOut, 'mkey_index');
    undo.push(() =>
      fwCall(ch, buildInbox(DestroyMkeyIn, Op.DESTROY_MKEY, { mkey_index: index }), CmdOut.bytes),
    );
    result = await work({ buffer, mkey: mkeyFromIndex(index, 0), umemId });
  } catch (err) {
    await release(undo).catch(() => {});
    throw err;
  }
  await release(undo);
  return result;
}

/** release: undo steps newest first; all are tried; the first error other than ENODEV is thrown. */
async function release(undo: Array<() => Promise<unknown>>): Promise<void> {
  let first: unknown;
  for (const step of undo.reverse()) {
    try {
      await step();
    } catch (err) {
      if (!isAuxError(err, 'ENODEV')) first ??= err;
    }
  }
  if (first !== undefined) throw first;
}
