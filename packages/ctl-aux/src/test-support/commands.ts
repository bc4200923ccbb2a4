/**
 * Raw commands tests send through `rpc()`: ALLOC_PD, CREATE_MKEY over a
 * umem, CORE_DUMP through an mkey, and the outbox decoding they need.
 */

import { buildInbox } from '@auxctl/core';
import {
  AccessRegisterIn,
  AccessRegOpMod,
  AllocPdIn,
  AllocPdOut,
  CmdHdrOut,
  CoreDumpReg,
  CoreDumpType,
  CreateMkeyIn,
  CreateMkeyOut,
  FwctlScope,
  Mkc,
  MkcAccessMode,
  mkeyFromIndex,
  Op,
  REGISTER_DATA_OFFSET,
  RegisterId,
} from '@auxctl/prm';
import type { CtlContext } from '../ctl-context.js';

/** Answer: the status and syndrome of an outbox. */
export interface Answer {
  readonly status: number;
  readonly syndrome: number;
  readonly out: Buffer;
}

/** send: an RPC at DEBUG_READ_ONLY, decoded. */
export async function send(ctx: CtlContext, inbox: Buffer, outLen = 16): Promise<Answer> {
  const out = await ctx.rpc({ scope: FwctlScope.DEBUG_READ_ONLY, inbox, outLen });
  return { status: CmdHdrOut.get(out, 'status'), syndrome: CmdHdrOut.get(out, 'syndrome'), out };
}

/** allocPd: ALLOC_PD; the pd number (throws when firmware refuses). */
export async function allocPd(ctx: CtlContext): Promise<number> {
  const a = await send(ctx, buildInbox(AllocPdIn, Op.ALLOC_PD), AllocPdOut.bytes);
  if (a.status !== 0) throw new Error(`ALLOC_PD status ${a.status}`);
  return AllocPdOut.get(a.out, 'pd');
}

/** mkeyInbox: CREATE_MKEY over `len` bytes of umem `umem` in PD `pd`, local write allowed. */
export function mkeyInbox(pd: number, umem: number, len: number): Buffer {
  const inbox = buildInbox(CreateMkeyIn, Op.CREATE_MKEY, {
    mkey_umem_valid: 1,
    mkey_umem_id: umem,
    mkey_umem_offset: 0n,
  });
  Mkc.write(
    inbox,
    { access_mode_1_0: MkcAccessMode.MTT, lw: 1, lr: 1, pd, len: BigInt(len) },
    CreateMkeyIn.byteOffset('memory_key_mkey_entry'),
  );
  return inbox;
}

/** createMkey: CREATE_MKEY; the mkey index (throws when firmware refuses). */
export async function createMkey(
  ctx: CtlContext,
  pd: number,
  umem: number,
  len: number,
): Promise<number> {
  const a = await send(ctx, mkeyInbox(pd, umem, len), CreateMkeyOut.bytes);
  if (a.status !== 0) throw new Error(`CREATE_MKEY status ${a.status} syndrome ${a.syndrome}`);
  return CreateMkeyOut.get(a.out, 'mkey_index');
}

/** crdumpToMem: one CORE_DUMP CR_DUMP_TO_MEM read through mkey index `index`. */
export function crdumpToMem(ctx: CtlContext, index: number, size: number): Promise<Answer> {
  const inbox = buildInbox(
    AccessRegisterIn,
    Op.ACCESS_REG,
    { op_mod: AccessRegOpMod.READ, register_id: RegisterId.CORE_DUMP },
    CoreDumpReg.bytes,
  );
  CoreDumpReg.write(
    inbox,
    { core_dump_type: CoreDumpType.CR_DUMP_TO_MEM, mkey: mkeyFromIndex(index), size },
    REGISTER_DATA_OFFSET,
  );
  return send(ctx, inbox, REGISTER_DATA_OFFSET + CoreDumpReg.bytes);
}
