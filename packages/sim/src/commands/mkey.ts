/**
 * Memory keys: CREATE_MKEY (0x200), QUERY_MKEY (0x201), DESTROY_MKEY (0x202).
 *
 * Two kinds of key are modelled:
 * - umem-backed (how DEVX users register memory): `mkey_umem_valid` = 1,
 *   access mode MTT, `mkey_umem_id` / `mkey_umem_offset` name the memory and
 *   `mkc.len` bytes from that offset must lie inside the umem;
 * - physical (access mode PA, kernel only): the key covers bus addresses
 *   `start_addr` .. + `len` (`length64` = all of them).
 * Other access modes and inline translation lists are BAD_PARAM / BAD_FIELD.
 * The key references its PD and umem, which the same uid must own (uid 0 may
 * use any); they cannot be freed while the key lives. The key value is
 * `mkey_index << 8 | mkey_7_0`.
 *
 * Owns: the handlers only.
 */

import {
  CmdOut,
  CmdStatus,
  CreateMkeyIn,
  CreateMkeyOut,
  DestroyMkeyIn,
  Mkc,
  MkcAccessMode,
  Op,
  QueryMkeyIn,
  QueryMkeyOut,
  Syndrome,
} from '@auxctl/prm';
import { FwError } from '../fw-error.js';
import type { MkeyData, UmemData } from '../memory-translation.js';
import type { FwObjectRef } from '../object-table.js';
import { type CommandCall, type CommandSpec, type FwContext, INITIALIZED } from './command.js';

const badField = (msg: string) => new FwError(CmdStatus.BAD_PARAM, Syndrome.BAD_FIELD, msg);

function createMkey(fw: FwContext, { inbox, outbox, uid }: CommandCall): void {
  const at = CreateMkeyIn.byteOffset('memory_key_mkey_entry');
  const mkc = Mkc.decode(inbox, at);
  const mode = (mkc.access_mode_4_2 << 2) | mkc.access_mode_1_0;
  const umemValid = CreateMkeyIn.get(inbox, 'mkey_umem_valid') === 1;
  const pd = fw.objects.lookup('PD', mkc.pd, uid);
  const refs: FwObjectRef[] = [{ type: 'PD', id: pd.id }];
  let key: MkeyData;
  if (mode === MkcAccessMode.MTT && umemValid) {
    const umem = fw.objects.lookup<UmemData>('UMEM', CreateMkeyIn.get(inbox, 'mkey_umem_id'), uid);
    const offset = CreateMkeyIn.get64(inbox, 'mkey_umem_offset');
    if (mkc.length64 || offset + mkc.len > BigInt(umem.data.size)) {
      throw new FwError(
        CmdStatus.BAD_PARAM,
        Syndrome.MEM_OUT_OF_RANGE,
        `mkey bytes ${offset}+${mkc.len} outside the ${umem.data.size}-byte umem`,
      );
    }
    refs.push({ type: 'UMEM', id: umem.id });
    key = {
      mode,
      startAddr: mkc.start_addr,
      len: Number(mkc.len),
      umem,
      umemOffset: Number(offset),
      localWrite: mkc.lw === 1,
    };
  } else if (mode === MkcAccessMode.PA && !umemValid) {
    if (uid !== 0) {
      throw new FwError(
        CmdStatus.BAD_PARAM,
        Syndrome.UID_NOT_ALLOWED,
        'physical-address mkeys are for uid 0 only',
      );
    }
    const all = mkc.length64 === 1 || mkc.len > BigInt(Number.MAX_SAFE_INTEGER);
    const len = all ? Number.MAX_SAFE_INTEGER : Number(mkc.len);
    key = { mode, startAddr: mkc.start_addr, len, umemOffset: 0, localWrite: mkc.lw === 1 };
  } else {
    throw badField(
      `access mode ${mode} with mkey_umem_valid ${Number(umemValid)} is not modelled; use MTT + umem or PA`,
    );
  }
  const context: Record<string, number | bigint> = {
    access_mode_1_0: mkc.access_mode_1_0,
    access_mode_4_2: mkc.access_mode_4_2,
    pd: pd.id,
    start_addr: mkc.start_addr,
    len: mkc.len,
    length64: mkc.length64,
    mkey_7_0: mkc.mkey_7_0,
    lw: mkc.lw,
    lr: mkc.lr,
    rw: mkc.rw,
    rr: mkc.rr,
    a: mkc.a,
    mkey_umem_valid: Number(umemValid),
    mkey_umem_id: key.umem?.id ?? 0,
    mkey_umem_offset: BigInt(key.umemOffset),
  };
  const obj = fw.objects.create('MKEY', uid, context, refs, key);
  CreateMkeyOut.set(outbox, 'mkey_index', obj.id);
}

function queryMkey(fw: FwContext, { inbox, outbox, uid }: CommandCall): void {
  const key = fw.objects.lookup<MkeyData>('MKEY', QueryMkeyIn.get(inbox, 'mkey_index'), uid);
  const c = key.context;
  Mkc.write(
    outbox,
    {
      access_mode_1_0: Number(c.access_mode_1_0),
      access_mode_4_2: Number(c.access_mode_4_2),
      lw: Number(c.lw),
      lr: Number(c.lr),
      rw: Number(c.rw),
      rr: Number(c.rr),
      a: Number(c.a),
      qpn: 0xff_ffff,
      mkey_7_0: Number(c.mkey_7_0),
      length64: Number(c.length64),
      pd: Number(c.pd),
      start_addr: BigInt(c.start_addr!),
      len: BigInt(c.len!),
    },
    QueryMkeyOut.byteOffset('memory_key_mkey_entry'),
  );
}

/** mkeyCommands: see the module header. */
export const mkeyCommands: readonly CommandSpec[] = [
  {
    opcode: Op.CREATE_MKEY,
    in: CreateMkeyIn,
    out: CreateMkeyOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: createMkey,
  },
  {
    opcode: Op.QUERY_MKEY,
    in: QueryMkeyIn,
    out: QueryMkeyOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    toolsQuery: true,
    run: queryMkey,
  },
  {
    opcode: Op.DESTROY_MKEY,
    in: DestroyMkeyIn,
    out: CmdOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { inbox, uid }) => {
      fw.objects.destroy('MKEY', DestroyMkeyIn.get(inbox, 'mkey_index'), uid);
    },
  },
];
