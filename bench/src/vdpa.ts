/**
 * vdpa suite: frames per second between a sub-function and its PF's
 * netdev through the embedded switch, once over a virtio-net interface on
 * the SF's vdpa device (mlx5_vdpa: the data queues are the SF's firmware
 * virtqueues, split rings in host memory) and once over net-aux's netdev
 * on another SF of the same PF (SQ/RQ/CQ rings) — the baseline, measured
 * in the same run, interleaved round by round.
 *
 * One batch, on either side: 256 frames from the SF to the PF's netdev and
 * 256 from the PF's netdev to the SF, then wait until all 512 arrived
 * (nothing may be lost: a frame missing for 5 s fails the run). Both SFs
 * have 256-entry TX rings and at least 256 RX buffers, the PF a 256-entry
 * TX and a 512-entry RX ring. Frames of 64 and 1500 bytes.
 *
 * `virtio_vs_netdev_frames_ratio_<size>` is the virtio rate over the
 * netdev rate, the median of 8 rounds (spread next to it); goal >= 0.8.
 */
import { AuxiliaryBus, CoreDevice, createSfDriver, IdAllocator } from '@auxctl/core';
import { createNetDriver, type NetDevice, NetRegistry } from '@auxctl/net-aux';
import { createSimDevice, SimWire } from '@auxctl/sim';
import { ethFrame } from '@auxctl/sim/testing';
import { createVirtioNetDriver, VdpaBus, VirtioNetRegistry } from '@auxctl/vdpa';
import { createMlx5VdpaDriver } from '@auxctl/vdpa-aux';
import { compareRates, printTable, type Row, ratioSpread, round, writeResults } from './harness.js';

const BURST = 256;
const ROUNDS = 8;
const STALL_MS = 5_000;

/** An SF-side endpoint: how it sends, and how many frames it received. */
interface Side {
  readonly mac: Buffer;
  send(frame: Buffer): boolean;
  received(): number;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/** runVdpa: measure and write bench/results/vdpa.json. */
export async function runVdpa(ms: number): Promise<Record<string, number | string>> {
  const aux = new AuxiliaryBus();
  const vdpa = new VdpaBus();
  const nets = new VirtioNetRegistry();
  await vdpa.registerDriver(createVirtioNetDriver({ registry: nets, queueSize: BURST }));
  const registry = new NetRegistry();
  await aux.registerDriver(createNetDriver({ registry, logSqSize: 8, logRqSize: 9 }));
  const ids = new IdAllocator();
  await aux.registerDriver(createSfDriver({ ids, health: { poll: false } }));
  await aux.registerDriver(createMlx5VdpaDriver({ bus: vdpa }));
  const sim = createSimDevice();
  const wire = new SimWire({ device: sim }, { device: sim });
  const pf = await CoreDevice.probe({ backend: sim, bus: aux, ids, health: { poll: false } });
  const out: Record<string, number | string> = {};
  const rows: Row[] = [];
  try {
    const pfNet = registry.require(`eth${pf.id}`);
    await pfNet.open();
    const sfCore = async (sfnum: number) => {
      const port = await pf.portFunctions.add({ pfnum: 0, sfnum });
      await pf.portFunctions.set(port.index, { hwAddr: `02:00:00:00:0${sfnum}:00` });
      const core = (await pf.portFunctions.activate(port.index)).nestedCore;
      if (!core) throw new Error(`SF ${sfnum} did not come up`);
      return core;
    };
    const virtioCore = await sfCore(1);
    await vdpa.mgmt.devAdd({ name: 'vdpa0', mgmtdev: `auxiliary/${virtioCore.name}` });
    const netCore = await sfCore(2);
    const virtio = nets.require('vdpa0');
    const sfNet: NetDevice = registry.require(`eth${netCore.id}`);
    await sfNet.open();
    for (let i = 0; i < 16 && !(pfNet.linkUp && sfNet.linkUp); i++) await tick();

    const atPf = new Map<string, number>();
    pfNet.onFrame((f) => {
      const src = f.subarray(6, 12).toString('hex');
      atPf.set(src, (atPf.get(src) ?? 0) + 1);
    });
    let virtioRx = 0;
    virtio.onFrame(() => virtioRx++);
    let netRx = 0;
    sfNet.onFrame(() => netRx++);
    const sides: Record<'virtio' | 'netdev', Side> = {
      virtio: { mac: virtio.mac, send: (f) => virtio.send(f), received: () => virtioRx },
      netdev: { mac: sfNet.mac, send: (f) => sfNet.xmit(f), received: () => netRx },
    };

    /** duplex: one batch on `side` (see the module header). */
    const duplex = (side: Side, len: number) => {
      const toPf = ethFrame(pfNet.mac, side.mac, len, 0x5a);
      const toSf = ethFrame(side.mac, pfNet.mac, len, 0x5a);
      const key = side.mac.toString('hex');
      return async () => {
        const wantPf = (atPf.get(key) ?? 0) + BURST;
        const wantSf = side.received() + BURST;
        while (pfNet.txRoom < BURST) await tick();
        for (let i = 0; i < BURST; i++) {
          if (!pfNet.xmit(toSf)) throw new Error('the PF TX ring refused a frame it had room for');
        }
        for (let i = 0; i < BURST; i++) while (!side.send(toPf)) await tick();
        const until = Date.now() + STALL_MS;
        while ((atPf.get(key) ?? 0) < wantPf || side.received() < wantSf) {
          if (Date.now() > until) throw new Error(`frames went missing (${len} B)`);
          await tick();
        }
      };
    };

    for (const len of [64, 1500]) {
      const c = await compareRates(duplex(sides.netdev, len), duplex(sides.virtio, len), {
        perBatch: 2 * BURST,
        ms,
        rounds: ROUNDS,
      });
      const spread = ratioSpread(c.roundRatios);
      out[`virtio_frames_per_s_${len}`] = Math.round(c.subjectPerSec);
      out[`netdev_frames_per_s_${len}`] = Math.round(c.baselinePerSec);
      out[`virtio_vs_netdev_frames_ratio_${len}`] = round(c.ratio, 3);
      out[`virtio_vs_netdev_frames_ratio_${len}_spread`] = spread;
      rows.push({
        what: `SF <-> PF netdev, ${len} B, virtio-net on firmware virtqueues (median of ${ROUNDS}, ${spread})`,
        value: `${Math.round(c.subjectPerSec).toLocaleString('en')}/s`,
        baseline: `${Math.round(c.baselinePerSec).toLocaleString('en')}/s SF netdev`,
        ratio: round(c.ratio, 3),
        goal: '>= 0.8',
      });
    }
    out.virtio_tx_busy = virtio.stats.txBusy;
  } finally {
    wire.unplug();
    await pf.close();
    sim.close();
  }
  printTable('vdpa: virtio-net over firmware virtqueues vs the netdev, same path', rows);
  console.log(`results: ${writeResults('vdpa', out)}`);
  return out;
}
