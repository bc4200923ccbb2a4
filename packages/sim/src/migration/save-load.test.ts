import { CmdStatus, Syndrome } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import type { Firmware } from '../firmware.js';
import { ethFrame } from '../testing/eth-frame.js';
import { EthQueues } from '../testing/eth-queues.js';
import { MigrationRig } from '../testing/migration-rig.js';
import { IMAGE_DIGEST_BYTES, IMAGE_HEADER_BYTES } from './state-image.js';

async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
}

const PF_MAC = Buffer.from('020000000a00', 'hex');
const VF_MAC = Buffer.from('020000000001', 'hex');

/** objectsOf: every object of a function in creation order (the table's private sequence aside). */
const objectsOf = (fw: Firmware) =>
  [...fw.objects()].map((o) => {
    const { seq: _seq, ...rest } = o as typeof o & { seq?: number };
    return rest;
  });

/** A source: a VF with Ethernet queues that has exchanged traffic with its PF, and a ctl uid. */
async function source() {
  const rig = new MigrationRig();
  const vf = rig.enableVf(1, { mac: VF_MAC.toString('hex') });
  rig.pf.fw.datapath.vport.mac = Buffer.from(PF_MAC);
  const vq = new EthQueues(vf);
  const pq = new EthQueues(rig.pf);
  const uid = vf.uctx(0);
  vf.pd(uid);
  vq.post(ethFrame(PF_MAC, VF_MAC, 60, 1));
  pq.post(ethFrame(VF_MAC, PF_MAC, 60, 2));
  await settle();
  return { rig, vf, vq, pq, uid };
}

/** A destination: a fresh PF whose VF 1 is migratable, suspended, with nothing of its own. */
function destination() {
  const rig = new MigrationRig();
  const vf = rig.enableVf(1, { mac: '02000000bb01', boot: false });
  rig.stop(1);
  return { rig, vf };
}

describe('SAVE_VHCA_STATE / LOAD_VHCA_STATE', () => {
  it('moves a VF: B saves the same image A did, objects and traffic carry on', async () => {
    const a = await source();
    a.rig.stop(1);
    const q = a.rig.query(1);
    expect(q.status).toBe(CmdStatus.OK);
    const saved = a.rig.save(1);
    expect(saved.status).toBe(CmdStatus.OK);
    expect(saved.image.length).toBe(q.required);
    expect(q.remaining).toBe(BigInt(q.required));
    const tooSmall = a.rig.save(1, { size: saved.image.length - 1 });
    expect([tooSmall.status, tooSmall.syndrome]).toEqual([
      CmdStatus.BAD_PARAM,
      Syndrome.MIG_BUF_TOO_SMALL,
    ]);

    const b = destination();
    const bq = new EthQueues(b.vf, a.vq);
    b.rig.pf.fw.datapath.vport.mac = Buffer.from(PF_MAC);
    b.rig.pf.ok(b.rig.load(1, saved.image), 'LOAD_VHCA_STATE');
    const again = b.rig.save(1);
    expect(again.status).toBe(CmdStatus.OK);
    // Only the stream id (bytes 32..39) and the digest may differ: a new save stream.
    const body = (img: Buffer) => img.subarray(IMAGE_HEADER_BYTES, img.length - IMAGE_DIGEST_BYTES);
    expect(body(again.image).equals(body(saved.image))).toBe(true);
    expect(again.image.subarray(0, 32).equals(saved.image.subarray(0, 32))).toBe(true);
    expect(again.image.subarray(40, 64).equals(saved.image.subarray(40, 64))).toBe(true);
    const vfA = a.rig.pf.fw.virtualFunctions.get(1)!.firmware;
    const vfB = b.rig.pf.fw.virtualFunctions.get(1)!.firmware;
    expect(objectsOf(vfB)).toEqual(objectsOf(vfA));
    expect(vfB.state).toBe('initialized');
    expect(vfB.datapath.vport.mac.equals(VF_MAC)).toBe(true);

    // The source VF goes; the moved one runs on B: its queues continue where A's stopped.
    a.rig.pf.fw.virtualFunctions.disable(1);
    b.rig.start(1);
    const pqB = new EthQueues(b.rig.pf);
    bq.post(ethFrame(PF_MAC, VF_MAC, 60, 3));
    pqB.post(ethFrame(VF_MAC, PF_MAC, 60, 4));
    await settle();
    expect(bq.completions()).toBe(4);
    expect(pqB.received(0, 60)[20]).toBe(3);
    expect([bq.received(0, 60)[20], bq.received(1, 60)[20]]).toEqual([2, 4]);
  });

  it('refuses LOAD into a running VF, one with objects, and an image of other capabilities', async () => {
    const a = await source();
    a.rig.stop(1);
    const image = a.rig.save(1).image;
    const fails = (r: { status: number; syndrome: number }) => [r.status, r.syndrome];
    const running = new MigrationRig();
    running.enableVf(1, { boot: false });
    expect(fails(running.load(1, image))).toEqual([
      CmdStatus.BAD_RES_STATE,
      Syndrome.MIG_BAD_STATE,
    ]);
    const busy = new MigrationRig();
    busy.enableVf(1).pd();
    busy.stop(1);
    expect(fails(busy.load(1, image))).toEqual([
      CmdStatus.BAD_RES_STATE,
      Syndrome.MIG_DEST_NOT_EMPTY,
    ]);
    const other = new MigrationRig();
    other.pf.fw.virtualFunctions.enable(1, {
      hwAddr: Buffer.alloc(6),
      roce: false,
      migratable: true,
    });
    other.stop(1);
    expect(fails(other.load(1, image))).toEqual([CmdStatus.BAD_PARAM, Syndrome.MIG_IMAGE_CAPS]);
    // A full SAVE of a running VF needs set_track.
    const c = await source();
    expect(fails(c.rig.save(1))).toEqual([CmdStatus.BAD_RES_STATE, Syndrome.MIG_BAD_STATE]);
    expect(fails(c.rig.save(1, { incremental: true }))).toEqual([
      CmdStatus.BAD_RES_STATE,
      Syndrome.MIG_BAD_STATE,
    ]);
  });

  it('pre-copy: a tracked full image then incremental ones load in order; out of order is refused', async () => {
    const a = await source();
    const first = a.rig.save(1, { track: true });
    expect(first.status).toBe(CmdStatus.OK);
    expect(first.next).toBeGreaterThan(0);
    const vfA = a.rig.pf.fw.virtualFunctions.get(1)!.firmware;
    a.vf.pd(a.uid);
    a.vq.post(ethFrame(PF_MAC, VF_MAC, 60, 5));
    await settle();
    expect(a.rig.query(1, true).required).toBeLessThan(first.image.length + 200);
    const second = a.rig.save(1, { incremental: true });
    a.rig.stop(1);
    a.vf.pd(0);
    const third = a.rig.save(1, { incremental: true });
    expect([second.status, third.status]).toEqual([CmdStatus.OK, CmdStatus.OK]);

    const b = destination();
    const bq = new EthQueues(b.vf, a.vq);
    const fails = (r: { status: number; syndrome: number }) => [r.status, r.syndrome];
    expect(fails(b.rig.load(1, second.image))).toEqual([
      CmdStatus.BAD_PARAM,
      Syndrome.MIG_IMAGE_SEQUENCE,
    ]);
    b.rig.pf.ok(b.rig.load(1, first.image), 'load full');
    expect(fails(b.rig.load(1, third.image))).toEqual([
      CmdStatus.BAD_PARAM,
      Syndrome.MIG_IMAGE_SEQUENCE,
    ]);
    b.rig.pf.ok(b.rig.load(1, second.image), 'load second');
    b.rig.pf.ok(b.rig.load(1, third.image), 'load third');
    expect(fails(b.rig.load(1, second.image))).toEqual([
      CmdStatus.BAD_PARAM,
      Syndrome.MIG_IMAGE_SEQUENCE,
    ]);
    const vfB = b.rig.pf.fw.virtualFunctions.get(1)!.firmware;
    expect(objectsOf(vfB)).toEqual(objectsOf(vfA));
    bq.close();
  });

  it('leaves no object, uid or mapping behind once the VFs are gone', async () => {
    const a = await source();
    const before = a.rig.pf.dma.mappings;
    a.rig.stop(1);
    const image = a.rig.save(1).image;
    const b = destination();
    const bq = new EthQueues(b.vf, a.vq);
    b.rig.pf.ok(b.rig.load(1, image), 'load');
    for (const rig of [a.rig, b.rig]) rig.pf.fw.virtualFunctions.disable(1);
    a.vq.close();
    bq.close();
    // Each VF's queues were in its own DMA domain; each PF keeps only its own mappings.
    expect(a.vf.dma.mappings).toBe(0);
    expect(b.vf.dma.mappings).toBe(0);
    expect(a.rig.pf.dma.mappings).toBe(before);
    // What is left on each PF is its own: the rig buffer (and A's PF queues).
    expect(b.rig.pf.dma.mappings).toBe(1);
    expect(b.rig.pf.fw.virtualFunctions.list()).toEqual([]);
    expect(b.rig.pf.fw.objectCounts().UCTX ?? 0).toBe(0);
    expect(a.rig.pf.fw.objectCounts().UCTX ?? 0).toBe(0);
  });
});
