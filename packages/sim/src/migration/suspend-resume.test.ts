import { CmdStatus, Syndrome } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { HELD_FRAMES_MAX } from '../datapath/quiesce.js';
import { ethFrame } from '../testing/eth-frame.js';
import { EthQueues } from '../testing/eth-queues.js';
import { FirmwareHarness } from '../testing/firmware-harness.js';
import { MigrationRig } from '../testing/migration-rig.js';

/** settle: let the device's batched doorbell passes run (a bounded number of turns). */
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
}

const PF_MAC = Buffer.from('020000000a00', 'hex');
const VF_MAC = Buffer.from('020000000001', 'hex');

function pair() {
  const rig = new MigrationRig();
  const vf = rig.enableVf(1, { mac: VF_MAC.toString('hex') });
  rig.pf.fw.datapath.vport.mac = Buffer.from(PF_MAC);
  return { rig, vf, vq: new EthQueues(vf), pq: new EthQueues(rig.pf) };
}

describe('SUSPEND_VHCA / RESUME_VHCA', () => {
  it('INITIATOR stops the VF sending; its doorbells run on resume, each frame once', async () => {
    const { rig, vq, pq } = pair();
    vq.post(ethFrame(PF_MAC, VF_MAC, 60, 1));
    await settle();
    expect([vq.completions(), pq.completions()]).toEqual([1, 1]);
    rig.pf.ok(rig.suspend(1, 0), 'suspend initiator');
    for (const fill of [2, 3, 4]) vq.post(ethFrame(PF_MAC, VF_MAC, 60, fill));
    await settle();
    expect([vq.completions(), pq.completions()]).toEqual([1, 1]);
    // Still a responder: a frame for it is received.
    pq.post(ethFrame(VF_MAC, PF_MAC, 60, 9));
    await settle();
    expect(vq.completions()).toBe(2);
    rig.pf.ok(rig.resume(1, 1), 'resume initiator');
    await settle();
    expect([vq.completions(), pq.completions()]).toEqual([5, 5]);
    expect([0, 1, 2, 3, 4].map((i) => pq.received(i, 60)[20])).toEqual([1, 2, 3, 4, 0]);
    expect(vq.received(0, 60)[20]).toBe(9);
  });

  it('RESPONDER quiesces the VF fully; held frames arrive on resume in order, none twice', async () => {
    const { rig, vq, pq } = pair();
    rig.stop(1);
    for (const fill of [5, 6, 7]) pq.post(ethFrame(VF_MAC, PF_MAC, 64, fill));
    vq.post(ethFrame(PF_MAC, VF_MAC, 60, 8));
    await settle();
    expect(vq.completions()).toBe(0);
    expect(pq.completions()).toBe(3);
    expect(rig.pf.fw.virtualFunctions.get(1)!.firmware.datapath.quiesce.heldFrames).toHaveLength(3);
    rig.pf.ok(rig.resume(1, 0), 'resume responder');
    await settle();
    // Received, not yet sending.
    expect(vq.completions()).toBe(3);
    expect([0, 1, 2].map((i) => vq.received(i, 64)[20])).toEqual([5, 6, 7]);
    rig.pf.ok(rig.resume(1, 1), 'resume initiator');
    await settle();
    expect(vq.completions()).toBe(4);
    expect(pq.completions()).toBe(4);
  });

  it('holds at most HELD_FRAMES_MAX frames and counts the rest as dropped', () => {
    const { rig } = pair();
    rig.stop(1);
    const dp = rig.pf.fw.virtualFunctions.get(1)!.firmware.datapath;
    for (let i = 0; i < HELD_FRAMES_MAX + 3; i++)
      dp.eth.receive(1, ethFrame(VF_MAC, PF_MAC, 60), true);
    expect([dp.quiesce.heldFrames.length, dp.quiesce.heldDrops]).toEqual([HELD_FRAMES_MAX, 3]);
  });

  it('refuses the wrong order, an unknown or non-migratable VF, and a function that is no manager', () => {
    const rig = new MigrationRig();
    rig.enableVf(1);
    rig.enableVf(2, { migratable: false });
    const fails = (r: { status: number; syndrome: number }) => [r.status, r.syndrome];
    expect(fails(rig.suspend(1, 1))).toEqual([CmdStatus.BAD_RES_STATE, Syndrome.MIG_BAD_STATE]);
    expect(fails(rig.resume(1, 1))).toEqual([CmdStatus.BAD_RES_STATE, Syndrome.MIG_BAD_STATE]);
    rig.stop(1);
    expect(fails(rig.suspend(1, 0))).toEqual([CmdStatus.BAD_RES_STATE, Syndrome.MIG_BAD_STATE]);
    expect(fails(rig.resume(1, 1))).toEqual([CmdStatus.BAD_RES_STATE, Syndrome.MIG_BAD_STATE]);
    rig.start(1);
    expect(fails(rig.suspend(2, 0))).toEqual([CmdStatus.BAD_PARAM, Syndrome.MIG_NOT_MIGRATABLE]);
    expect(fails(rig.suspend(3, 0))).toEqual([CmdStatus.BAD_PARAM, Syndrome.MIG_VHCA_UNKNOWN]);
    expect(fails(rig.save(2))).toEqual([CmdStatus.BAD_PARAM, Syndrome.MIG_NOT_MIGRATABLE]);
    // A non-zero uid may not send them.
    const uid = rig.pf.uctx(0);
    expect(fails(rig.suspend(1, 0, uid))).toEqual([CmdStatus.BAD_PARAM, Syndrome.UID_NOT_ALLOWED]);
    // A PF without VFs manages nothing; nor does a VF.
    const lone = new MigrationRig({ maxVfs: 0 });
    expect(fails(lone.suspend(1, 0))).toEqual([CmdStatus.BAD_PARAM, Syndrome.MIG_NOT_MANAGER]);
    const vfHarness = new FirmwareHarness({}, rig.pf.fw.virtualFunctions.get(1)!.firmware);
    const fromVf = vfHarness.header(0x115, 16);
    fromVf.writeUInt16BE(1, 10);
    expect(fails(vfHarness.run(fromVf))[1]).toBe(Syndrome.MIG_NOT_MANAGER);
  });
});
