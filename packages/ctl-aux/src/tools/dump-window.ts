/**
 * DumpWindow: memory the device can write a dump into, made through a ctl
 * context: a page-rounded buffer registered as a umem, a PD, and an mkey
 * over the whole umem with local write access (what CORE_DUMP TO_MEM and
 * RESOURCE_DUMP through an mkey need).
 *
 * `withDumpWindow` creates one, runs the caller's work and always releases
 * it (mkey, PD, umem, in that order), whether the work succeeded or not;
 * `openDumpWindow` creates one the caller keeps until its `close()`. A
 * release step that fails because the context is gone (ENODEV) is fine:
 * closing the context released everything. Any other release failure is
 * reported only when the work itself succeeded, so the first error wins.
 *
 * Owns: the three objects and the buffer while the window is open.
 */

import { buildInbox, printable } from '@auxctl/core';
import {
  AllocPdIn,
  AllocPdOut,
  AuxError,
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
} from '@auxctl/prm';
import type { CtlChannel } from '../ctl-context.js';
import { UMEM_MAX_BYTES } from '../umem-registry.js';
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

/** OpenDumpWindow: a window held open until `close()` (see openDumpWindow). */
export interface OpenDumpWindow extends DumpWindow {
  /** The PD the mkey belongs to. */
  readonly pd: number;
  /**
   * close: destroy the mkey, dealloc the PD, unregister the umem (in that
   * order); all are tried; the first error other than ENODEV is thrown.
   * Idempotent.
   */
  close(): Promise<void>;
}

/**
 * openDumpWindow: open a window of at least `bytes` and keep it open until
 * its `close()` (a caller that serves the window across many requests);
 * on failure everything made so far is released and the error thrown.
 * Closing the context releases an open window too.
 */
export async function openDumpWindow(ch: CtlChannel, bytes: number): Promise<OpenDumpWindow> {
  if (!Number.isSafeInteger(bytes) || bytes < 1 || bytes > UMEM_MAX_BYTES) {
    throw new AuxError(
      'EINVAL',
      `a dump window is 1..${UMEM_MAX_BYTES} bytes, not ${printable(bytes)}`,
    );
  }
  const buffer = Buffer.alloc(roundToPages(bytes));
  const undo: Array<() => Promise<unknown>> = [];
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
    let closing: Promise<void> | undefined;
    return {
      buffer,
      mkey: mkeyFromIndex(index, 0),
      umemId,
      pd,
      close: () => {
        closing ??= release(undo);
        return closing;
      },
    };
  } catch (err) {
    await release(undo).catch(() => {});
    throw err;
  }
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
  const w = await openDumpWindow(ch, bytes);
  let result: T;
  try {
    result = await work(w);
  } catch (err) {
    await w.close().catch(() => {});
    throw err;
  }
  await w.close();
  return result;
}

/** release: undo steps newest first; all are tried; the first error other than ENODEV is thrown. */
async function release(undo: Array<() => Promise<unknown>>): Promise<void> {
  let first: unknown;
  for (const step of [...undo].reverse()) {
    try {
      await step();
    } catch (err) {
      if (!isAuxError(err, 'ENODEV')) first ??= err;
    }
  }
  if (first !== undefined) throw first;
}
