import {
  Avail,
  CqeOpcode,
  GeneralObjType,
  VIRTIO_NET_HDR_BYTES,
  VirtqError,
  VirtqState,
  VRING_AVAIL_F_NO_INTERRUPT,
  VringDescF,
  writeDesc,
} from '@auxctl/prm';
import type { SimFunction } from '@auxctl/sim';
import { afterEach, describe, expect, it } from 'vitest';
import type { CoreDevice } from '../device/core-device.js';
import type { CoreHandle } from '../device/core-handle.js';
import { modifyNicVportContext } from '../device/port-commands.js';
import { type SfRig, sfRig } from '../device/test-support/sf-rig.js';
import { modifyVirtq, queryVirtq, queryVirtqCounters } from '../device/virtq-commands.js';
import { channel, flush, frame } from './test-support/data-path-rig.js';
import { GUEST_IOVA, txChain, virtqRig } from './test-support/virtq-rig.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const PF_MAC = Buffer.from('020000000001', 'hex');
const SF_MAC = Buffer.from('020000000058', 'hex');

const handle = (core: CoreDevice, name: string): CoreHandle =>
  core.auxDevices().find((d) => d.devName.includes(`.${name}.`))!.shared;

/** A PF with an Ethernet channel and one SF whose vnet handle drives virtqueues. */
async function setup() {
  const rig: SfRig = await sfRig({ standIn: false });
  cleanups.push(() => rig.close());
  const pf = rig.core.portFunctions;
  const port = await pf.add({ pfnum: 0, sfnum: 88 });
  await pf.set(port, { hwAddr: SF_MAC });
  const sf = (await pf.activate(port)).nestedCore!;
  const hPf = handle(rig.core, 'eth');
  const hVnet = handle(sf, 'vnet');
  await modifyNicVportContext(hPf, { mac: PF_MAC });
  const cPf = await channel(hPf);
  cleanups.push(async () => {
    await cPf.close();
    await pf.delete(port);
  });
  await hVnet.openDataPath();
  cPf.fill(8);
  const sfSim = sf.backend as SimFunction;
  return { rig, sf, sfSim, hPf, hVnet, cPf, port };
}

describe('virtqueues on an SF', () => {
  it('are offered on the SF only, never on the PF', async () => {
    const { rig, sf } = await setup();
    expect(rig.core.auxDevices().map((d) => d.devName)).not.toContain(
      expect.stringContaining('.vnet.'),
    );
    expect(sf.auxDevices().some((d) => d.devName === `mlx5_core.vnet.${sf.id}`)).toBe(true);
    expect(rig.core.virtioCaps?.max_num_virtio_queues).toBe(256);
  });

  it('carry frames both ways through the embedded switch, with counters and notifications', async () => {
    const { hVnet, cPf } = await setup();
    const v = await virtqRig(hVnet);
    cleanups.push(() => v.close());
    const rx = await v.queue(0);
    const tx = await v.queue(1);

    const out = frame(PF_MAC, 200, 0x5a);
    txChain(tx, 0, out);
    tx.kick();
    await flush();
    expect(cPf.rxCqes).toHaveLength(1);
    expect(cPf.rxCqes[0]).toMatchObject({ opcode: CqeOpcode.RESP_SEND, byteCnt: 200 });
    expect(cPf.rxBuf.subarray(0, 200).equals(out)).toBe(true);
    expect(tx.usedElems()).toEqual([{ id: 0, len: 0 }]);

    for (let i = 0; i < 4; i++) rx.postBuffer(i, 2048);
    rx.kick();
    const back = frame(SF_MAC, 300, 0x33);
    cPf.send(back);
    await flush();
    const total = VIRTIO_NET_HDR_BYTES + 300;
    expect(rx.usedElems()).toEqual([{ id: 0, len: total }]);
    expect(rx.slot(0).subarray(VIRTIO_NET_HDR_BYTES, total).equals(back)).toBe(true);
    expect(rx.slot(0).readUInt16LE(10)).toBe(1); // num_buffers
    expect(v.notified.length).toBe(2); // one per queue that used descriptors

    expect(await queryVirtq(hVnet, rx.objId)).toMatchObject({
      state: VirtqState.RDY,
      availIndex: 1,
      usedIndex: 1,
    });
    expect(await queryVirtqCounters(hVnet, tx.counters)).toMatchObject({
      received_desc: 1n,
      completed_desc: 1n,
      bad_desc_errors: 0,
    });
  });

  it('suspends, reports the ring positions, and resumes where it stopped', async () => {
    const { hVnet, cPf } = await setup();
    const v = await virtqRig(hVnet);
    cleanups.push(() => v.close());
    const tx = await v.queue(1);
    await modifyVirtq(hVnet, tx.objId, { state: VirtqState.SUSPEND });
    txChain(tx, 0, frame(PF_MAC, 100));
    tx.kick();
    await flush();
    expect(cPf.rxCqes).toHaveLength(0);
    expect(await queryVirtq(hVnet, tx.objId)).toMatchObject({ availIndex: 0, usedIndex: 0 });
    await modifyVirtq(hVnet, tx.objId, { state: VirtqState.RDY });
    await flush();
    expect(cPf.rxCqes).toHaveLength(1);
    expect(await queryVirtq(hVnet, tx.objId)).toMatchObject({ availIndex: 1, usedIndex: 1 });
  });

  it('move a queue with a malformed ring to ERR (never throwing) while the others keep working', async () => {
    const { hVnet, cPf } = await setup();
    const v = await virtqRig(hVnet);
    cleanups.push(() => v.close());
    const good = await v.queue(1);
    const changed: number[] = [];
    const broken = [];
    const cases: Array<[string, number, (q: Awaited<ReturnType<typeof v.queue>>) => void]> = [
      [
        'descriptor loop',
        VirtqError.CHAIN_TOO_LONG,
        (q) => {
          writeDesc(q.desc, 0, { addr: q.slotIova(0), len: 8, flags: VringDescF.NEXT, next: 1 });
          writeDesc(q.desc, 1, { addr: q.slotIova(1), len: 8, flags: VringDescF.NEXT, next: 0 });
          q.post(0);
        },
      ],
      [
        'address outside the key',
        VirtqError.BAD_ADDRESS,
        (q) => {
          writeDesc(q.desc, 0, { addr: GUEST_IOVA - 4096n, len: 64, flags: 0, next: 0 });
          q.post(0);
        },
      ],
      [
        'available idx jumping past the queue size',
        VirtqError.BAD_INDEX,
        (q) => {
          q.avail.writeUInt16LE(q.size + 5, 2);
        },
      ],
      ['head index >= queue size', VirtqError.BAD_INDEX, (q) => q.post(q.size + 3)],
      [
        'device-writable buffer on TX',
        VirtqError.BAD_WRITE_FLAG,
        (q) => {
          writeDesc(q.desc, 0, { addr: q.slotIova(0), len: 64, flags: VringDescF.WRITE, next: 0 });
          q.post(0);
        },
      ],
    ];
    let index = 3;
    for (const [, , spoil] of cases) {
      const q = await v.queue(index, { noEvents: true });
      index += 2;
      hVnet.onObjectChange(GeneralObjType.VIRTIO_NET_Q, q.objId, (_t, id) => changed.push(id));
      spoil(q);
      expect(() => q.kick()).not.toThrow();
      broken.push(q);
    }
    txChain(good, 0, frame(PF_MAC, 120));
    good.kick();
    await flush();
    for (const [i, [what, error]] of cases.entries()) {
      const info = await queryVirtq(hVnet, broken[i]!.objId);
      expect([what, info.state, info.errorType]).toEqual([what, VirtqState.ERR, error]);
    }
    expect(changed.sort()).toEqual(broken.map((q) => q.objId).sort());
    expect(cPf.rxCqes).toHaveLength(1);
    const c = await queryVirtqCounters(hVnet, broken[0]!.counters);
    expect(c.exceed_max_chain).toBe(1);
    // A queue in ERR goes nowhere but DESTROY.
    await expect(
      modifyVirtq(hVnet, broken[0]!.objId, { state: VirtqState.RDY }),
    ).rejects.toMatchObject({
      code: 'EINVAL',
    });
  });

  it('returns an RX buffer too small for header and frame empty, honours NO_INTERRUPT, and fails a read-only RX chain', async () => {
    const { hVnet, cPf } = await setup();
    const v = await virtqRig(hVnet);
    cleanups.push(() => v.close());
    const rx = await v.queue(0);
    Avail.setFlags(rx.avail, VRING_AVAIL_F_NO_INTERRUPT);
    rx.postBuffer(0, VIRTIO_NET_HDR_BYTES + 10);
    rx.kick();
    cPf.send(frame(SF_MAC, 64));
    await flush();
    expect(rx.usedElems()).toEqual([{ id: 0, len: 0 }]);
    expect(v.notified).toEqual([]);
    expect(await queryVirtqCounters(hVnet, rx.counters)).toMatchObject({ invalid_buffer: 1 });

    writeDesc(rx.desc, 1, { addr: rx.slotIova(1), len: 2048, flags: 0, next: 0 });
    rx.post(1);
    cPf.send(frame(SF_MAC, 64));
    await flush();
    expect(await queryVirtq(hVnet, rx.objId)).toMatchObject({
      state: VirtqState.ERR,
      errorType: VirtqError.BAD_WRITE_FLAG,
      usedIndex: 1,
    });
    expect(await queryVirtqCounters(hVnet, rx.counters)).toMatchObject({ bad_desc_errors: 1 });
  });
});
