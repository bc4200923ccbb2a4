import {
  AuxiliaryBus,
  buildInbox,
  CoreDevice,
  type CoreHandle,
  allocPd as coreAllocPd,
  createSfDriver,
  createUmem,
  createUmemMkey,
  createVirtq,
  createVirtqCounters,
  deallocPd,
  destroyMkey,
  destroyUmem,
  destroyVirtq,
  destroyVirtqCounters,
  IdAllocator,
  isSfPort,
  modifyVirtq,
  virtqUmemSizes,
} from '@auxctl/core';
import { captureLog } from '@auxctl/core/testing';
import {
  CmdHcaCap,
  CmdStatus,
  DeallocPdIn,
  EswSfEntry,
  EswSfState,
  eswFunctionsOutBytes,
  HcaVportContext,
  macToEui64,
  Op,
  OtherHcaCap,
  QueryEswFunctionsIn,
  QueryEswFunctionsOut,
  QueryHcaCapIn,
  QueryHcaCapOut,
  QueryHcaVportContextIn,
  QueryHcaVportContextOut,
  QueryOtherHcaCapIn,
  QueryOtherHcaCapOut,
  RSC_DUMP_ALL,
  SegmentType,
  Syndrome,
  VirtqState,
} from '@auxctl/prm';
import { createSimDevice } from '@auxctl/sim';
import { afterEach, describe, expect, it } from 'vitest';
import { createCtlDriver } from './ctl-driver.js';
import { CtlRegistry } from './ctl-registry.js';
import { allocPd, createMkey, send } from './test-support/commands.js';
import { ADMIN, ROOT } from './test-support/rig.js';
import { resourceDumpObjects } from './tools/resource-dump.js';

const SF_MAC = Buffer.from('02000000005a', 'hex');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A PF with two SFs, the SF driver and the ordinary ctl driver on one bus. */
async function sfCtlRig() {
  const bus = new AuxiliaryBus();
  const ids = new IdAllocator();
  const registry = new CtlRegistry();
  const audit = captureLog('info');
  await bus.registerDriver(createCtlDriver({ registry, audit: audit.log }));
  await bus.registerDriver(createSfDriver({ ids, health: { poll: false } }));
  const sim = createSimDevice({ crdumpSize: 8192 });
  const core = await CoreDevice.probe({
    backend: sim,
    bus,
    ids,
    sfIds: new IdAllocator(),
    health: { poll: false },
  });
  cleanups.push(async () => {
    await core.close();
    expect(sim.dma.mappings).toBe(0);
    sim.close();
  });
  const pf = core.portFunctions;
  const a = await pf.add({ pfnum: 0, sfnum: 10 });
  await pf.set(a, { hwAddr: SF_MAC, maxUctx: 2 });
  const b = await pf.add({ pfnum: 0, sfnum: 11 });
  await pf.activate(a);
  await pf.activate(b);
  return { bus, registry, sim, core, a, b, audit: audit.lines };
}

describe('ctl on sub-functions', () => {
  it('binds the SF ctl aux devices with the ordinary ctl driver', async () => {
    const { registry, a, b } = await sfCtlRig();
    expect(registry.names()).toEqual([
      'mlx5ctl-mlx5_core.ctl.0',
      'mlx5ctl-mlx5_core.ctl.1',
      'mlx5ctl-mlx5_core.ctl.2',
    ]);
    const ctx = await registry.open('mlx5ctl-mlx5_core.ctl.1', ROOT);
    expect(ctx.uid).toBeGreaterThan(0);
    // The SF's own general caps name its own function.
    const q = await send(
      ctx,
      buildInbox(QueryHcaCapIn, Op.QUERY_HCA_CAP, { op_mod: 1 }),
      QueryHcaCapOut.bytes,
    );
    expect(q.status).toBe(CmdStatus.OK);
    expect(CmdHcaCap.get(QueryHcaCapOut.view(q.out, 'capability'), 'vhca_id')).toBe(a.functionId);
    expect(a.functionId).not.toBe(b.functionId);
  });

  it("names an SF's device in audit lines by the SF's own device name, a PF's by its PCI address", async () => {
    const { registry, core, audit } = await sfCtlRig();
    const sf = await registry.open('mlx5ctl-mlx5_core.ctl.1', ADMIN);
    const pf = await registry.open('mlx5ctl-mlx5_core.ctl.0', ADMIN);
    const sfName = core.portFunctions.list().find((p) => isSfPort(p) && p.sfnum === 10)
      ?.nestedCore?.name;
    expect(sfName).toMatch(/^mlx5_core\.sf\.\d+$/);
    expect(sf.coreDevice).toBe(sfName);
    expect(pf.coreDevice).toBe(core.name);
    const opens = audit.filter((l) => l.event === 'ctl.open').map((l) => l.device);
    expect(opens).toEqual([sfName, core.name]);
    expect(JSON.stringify(audit)).not.toContain('mlx5ctl-');
  });

  it("an SF context cannot see or touch the PF's or another SF's objects", async () => {
    const { registry, sim, a, b } = await sfCtlRig();
    const pfCtx = await registry.open('mlx5ctl-mlx5_core.ctl.0', ADMIN);
    const sfA = await registry.open('mlx5ctl-mlx5_core.ctl.1', ADMIN);
    const sfB = await registry.open('mlx5ctl-mlx5_core.ctl.2', ADMIN);
    // uids are per function: the same number may live in each, never shared.
    expect(sfA.uid).toBe(pfCtx.uid);
    const pfUmem = await pfCtx.umemReg(Buffer.alloc(8192));
    const pfPd = await allocPd(pfCtx);
    await createMkey(pfCtx, pfPd, pfUmem, 4096);
    await createMkey(pfCtx, pfPd, pfUmem, 8192);
    const bPd = await allocPd(sfB);
    const notFound = { status: CmdStatus.BAD_RES, syndrome: Syndrome.OBJ_NOT_FOUND };
    expect(await send(sfA, buildInbox(DeallocPdIn, Op.DEALLOC_PD, { pd: pfPd }))).toMatchObject(
      notFound,
    );
    expect(bPd).toBe(pfPd);
    expect(sim.engine.objectCounts()).toMatchObject({ PD: 1, MKEY: 2 });
    const sfFw = (fid: number) => sim.engine.subFunctions.get(fid)!.firmware!;
    expect(sfFw(b.functionId).objectCounts()).toMatchObject({ PD: 1 });
    // A's resource dump shows A's objects only.
    const umemA = await sfA.umemReg(Buffer.alloc(4096));
    const pdA = await allocPd(sfA);
    const keyA = await createMkey(sfA, pdA, umemA, 4096);
    const dumpA = await resourceDumpObjects(sfA, {
      segmentType: SegmentType.MKEY_CONTEXT,
      numOfObj1: RSC_DUMP_ALL,
    });
    expect(dumpA.objects.map((o) => [o.uid, o.id])).toEqual([[sfA.uid, keyA]]);
    const dumpPf = await resourceDumpObjects(pfCtx, {
      segmentType: SegmentType.MKEY_CONTEXT,
      numOfObj1: RSC_DUMP_ALL,
    });
    expect(dumpPf.objects).toHaveLength(2);
    await sfA.close();
    expect(sfFw(a.functionId).objectCounts()).toEqual({});
  });

  it('sees SF capabilities from the PF through the commands that name other functions', async () => {
    const { registry, core, a, b } = await sfCtlRig();
    const pfCtx = await registry.open('mlx5ctl-mlx5_core.ctl.0', ROOT);
    const other = await send(
      pfCtx,
      buildInbox(QueryOtherHcaCapIn, Op.QUERY_OTHER_HCA_CAP, { function_id: a.functionId }),
      QueryOtherHcaCapOut.bytes,
    );
    expect(other.status).toBe(CmdStatus.OK);
    const cap = OtherHcaCap.decode(QueryOtherHcaCapOut.view(other.out, 'other_capability'));
    expect(cap).toMatchObject({
      roce: 1,
      vhca_id: a.functionId,
      log_max_qp: core.maxCaps.log_max_qp - 1,
      max_uctx: 2,
    });
    // QUERY_HCA_CAP with other_function names the SF too (a resource manager's
    // view of the functions it hosts, as mlx5_vport_get_other_func_cap reads it).
    const viaHcaCap = await send(
      pfCtx,
      buildInbox(QueryHcaCapIn, Op.QUERY_HCA_CAP, {
        op_mod: 1,
        other_function: 1,
        function_id: a.functionId,
      }),
      QueryHcaCapOut.bytes,
    );
    expect(viaHcaCap.status).toBe(CmdStatus.OK);
    const sfCap = QueryHcaCapOut.view(viaHcaCap.out, 'capability');
    expect(CmdHcaCap.get(sfCap, 'vhca_id')).toBe(a.functionId);
    expect(CmdHcaCap.get(sfCap, 'log_max_qp')).toBe(core.maxCaps.log_max_qp - 1);

    const esw = await send(
      pfCtx,
      buildInbox(QueryEswFunctionsIn, Op.QUERY_ESW_FUNCTIONS),
      eswFunctionsOutBytes(core.portFunctions.maxFunctions),
    );
    expect(esw.status).toBe(CmdStatus.OK);
    expect(esw.out.readBigUInt64BE(QueryEswFunctionsOut.bytes)).toBe(0b11n);
    const entries =
      QueryEswFunctionsOut.bytes + 8 * Math.ceil(core.portFunctions.maxFunctions / 64);
    expect(EswSfEntry.decode(esw.out.subarray(entries))).toEqual({
      state: EswSfState.ENABLED,
      function_id: a.functionId,
      sfnum: 10,
    });

    const vport = await send(
      pfCtx,
      buildInbox(QueryHcaVportContextIn, Op.QUERY_HCA_VPORT_CONTEXT, {
        other_vport: 1,
        vport_number: a.functionId,
      }),
      QueryHcaVportContextOut.bytes,
    );
    expect(vport.status).toBe(CmdStatus.OK);
    const vctx = QueryHcaVportContextOut.view(vport.out, 'hca_vport_context');
    expect(HcaVportContext.get64(vctx, 'port_guid')).toBe(macToEui64(SF_MAC));

    // From an SF, no other function exists.
    const sfCtx = await registry.open('mlx5ctl-mlx5_core.ctl.1', ROOT);
    for (const fid of [0, a.functionId, b.functionId]) {
      const r = await send(
        sfCtx,
        buildInbox(QueryOtherHcaCapIn, Op.QUERY_OTHER_HCA_CAP, { function_id: fid }),
        QueryOtherHcaCapOut.bytes,
      );
      expect(r).toMatchObject({ status: CmdStatus.BAD_PARAM, syndrome: Syndrome.FUNCTION_UNKNOWN });
    }
    const r = await send(
      sfCtx,
      buildInbox(QueryHcaVportContextIn, Op.QUERY_HCA_VPORT_CONTEXT, {
        other_vport: 1,
        vport_number: b.functionId,
      }),
      QueryHcaVportContextOut.bytes,
    );
    expect(r).toMatchObject({ status: CmdStatus.BAD_PARAM, syndrome: Syndrome.VPORT_OTHER });
  });

  it("an SF's maxUctx bounds the contexts its ctl can open", async () => {
    const { registry } = await sfCtlRig();
    const name = 'mlx5ctl-mlx5_core.ctl.1';
    const c1 = await registry.open(name, ADMIN);
    const c2 = await registry.open(name, ADMIN);
    await expect(registry.open(name, ADMIN)).rejects.toMatchObject({ code: 'ENOMEM' });
    await c1.close();
    const c3 = await registry.open(name, ADMIN);
    expect(c3.uid).not.toBe(c2.uid);
  });

  it("an SF's resource dump lists the virtqueues its vnet user made, and nothing once they are gone", async () => {
    const { registry, core, sim, a } = await sfCtlRig();
    const sf = core.portFunctions.list().find((p) => isSfPort(p) && p.sfnum === 10)!.nestedCore!;
    const h: CoreHandle = sf.auxDevices().find((d) => d.devName.includes('.vnet.'))!.shared;
    const made = await virtqueues(h, [0, 2]);
    const ctx = await registry.open('mlx5ctl-mlx5_core.ctl.1', ADMIN);
    const dump = await resourceDumpObjects(ctx, {
      segmentType: SegmentType.VIRTIO_NET_Q,
      numOfObj1: RSC_DUMP_ALL,
    });
    expect(dump.errors).toEqual([]);
    expect(dump.objects.map((o) => [o.uid, o.id])).toEqual(made.ids.map((id) => [0, id]));
    expect(dump.objects.map((o) => o.context.get('queue_index'))).toEqual([0n, 2n]);
    expect(dump.objects.map((o) => o.context.get('state'))).toEqual([
      BigInt(VirtqState.RDY),
      BigInt(VirtqState.INIT),
    ]);
    await made.destroy();
    const after = await resourceDumpObjects(ctx, {
      segmentType: SegmentType.VIRTIO_NET_Q,
      numOfObj1: RSC_DUMP_ALL,
    });
    expect(after.objects).toEqual([]);
    await ctx.close();
    const fw = sim.engine.subFunctions.get(a.functionId)!.firmware!;
    expect(fw.objectCounts().VIRTIO_NET_Q ?? 0).toBe(0);
  });
});

/** virtqueues: RX queues of 16 entries at `indexes` on uid 0 (the first made RDY), and their teardown. */
async function virtqueues(h: CoreHandle, indexes: readonly number[]) {
  const cap = h.virtioCaps!;
  const mapped: bigint[] = [];
  const umems: number[] = [];
  const umem = async (bytes: number) => {
    const addr = h.dma.map(Buffer.alloc(Math.ceil(bytes / 4096) * 4096));
    mapped.push(addr);
    const id = await createUmem(h, h.dma, { addr, size: bytes });
    umems.push(id);
    return { id, size: bytes };
  };
  const pd = await coreAllocPd(h);
  const ring = await umem(4096);
  const mkey = await createUmemMkey(h, { pd, umem: ring.id, len: 4096, iova: 0n });
  const ids: number[] = [];
  const counters: number[] = [];
  for (const queueIndex of indexes) {
    const [s1, s2, s3] = virtqUmemSizes(cap, 16);
    const set = await createVirtqCounters(h);
    counters.push(set);
    ids.push(
      await createVirtq(h, {
        queueIndex,
        queueSize: 16,
        descAddr: 0n,
        availAddr: 0x100n,
        usedAddr: 0x200n,
        mkey,
        pd,
        umems: [await umem(s1), await umem(s2), await umem(s3)],
        counterSetId: set,
      }),
    );
  }
  await modifyVirtq(h, ids[0]!, { state: VirtqState.RDY });
  return {
    ids,
    async destroy() {
      for (const id of ids) await destroyVirtq(h, id);
      for (const id of counters) await destroyVirtqCounters(h, id);
      await destroyMkey(h, mkey);
      for (const id of umems.reverse()) await destroyUmem(h, id);
      await deallocPd(h, pd);
      for (const addr of mapped) h.dma.unmap(addr);
    },
  };
}
