/**
 * vnetRig: a simulated PF probed as a core device, with the netdev driver
 * (the PF's netdev is the far end of every frame test), the SF driver and
 * mlx5_vdpa on the auxiliary bus; a vdpa bus with virtio_vdpa's net driver
 * (or vhost_vdpa); a loopback cable on the physical port so links are up;
 * and helpers to make an SF, count what firmware and DMA
 * hold, and let the data path run.
 */
import {
  AuxiliaryBus,
  CoreDevice,
  type CoreHandle,
  createSfDriver,
  IdAllocator,
} from '@auxctl/core';
import { createNetDriver, type NetDevice, NetRegistry } from '@auxctl/net-aux';
import { createSimDevice, type SimFunction, SimWire } from '@auxctl/sim';
import {
  createVhostVdpaDriver,
  createVirtioNetDriver,
  VdpaBus,
  type VdpaDriver,
  VhostVdpaRegistry,
  VirtioNetRegistry,
} from '@auxctl/vdpa';
import { createMlx5VdpaDriver } from '../mlx5-vdpa-driver.js';

/** flush: let doorbells, data-path passes, notifications and deferred work run. */
export async function flush(rounds = 8): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

export { ethFrame } from '@auxctl/sim/testing';

/** RigSf: an active SF and what the tests reach it by. */
export interface RigSf {
  readonly port: number;
  readonly core: CoreDevice;
  /** The management device handle, `auxiliary/mlx5_core.sf.N`. */
  readonly mgmtdev: string;
  /** The vnet aux device's handle. */
  readonly handle: CoreHandle;
  /** Firmware objects of the SF by type (UCTX = uids), without the core's EQs. */
  objects(): Record<string, number>;
}

/** VnetRig: see the module header. */
export interface VnetRig {
  readonly aux: AuxiliaryBus;
  readonly vdpa: VdpaBus;
  readonly sim: SimFunction;
  /** The loopback cable on the physical port (disconnect() takes every link down). */
  readonly wire: SimWire;
  readonly pf: CoreDevice;
  readonly pfNet: NetDevice;
  readonly nets: VirtioNetRegistry;
  readonly vhosts: VhostVdpaRegistry;
  /** sf: add, name and activate SF `sfnum`. */
  sf(sfnum: number, hwAddr?: string): Promise<RigSf>;
  /** pfObjects: firmware objects of the PF, without EQs. */
  pfObjects(): Record<string, number>;
  close(): Promise<void>;
}

/** vnetRig: see the module header. `consumer` picks the vdpa driver bound to new devices. */
export async function vnetRig(opts: { consumer?: 'virtio' | 'vhost' } = {}): Promise<VnetRig> {
  const aux = new AuxiliaryBus();
  const vdpa = new VdpaBus();
  const nets = new VirtioNetRegistry();
  const vhosts = new VhostVdpaRegistry();
  const consumer: VdpaDriver =
    opts.consumer === 'vhost'
      ? createVhostVdpaDriver({ registry: vhosts })
      : createVirtioNetDriver({ registry: nets });
  await vdpa.registerDriver(consumer);
  const ids = new IdAllocator();
  const registry = new NetRegistry();
  await aux.registerDriver(createNetDriver({ registry }));
  await aux.registerDriver(createSfDriver({ ids, health: { poll: false } }));
  await aux.registerDriver(createMlx5VdpaDriver({ bus: vdpa }));
  const sim = createSimDevice({});
  // A loopback cable brings the physical port (and so every SF's) up.
  const wire = new SimWire({ device: sim }, { device: sim });
  const pf = await CoreDevice.probe({ backend: sim, bus: aux, ids, health: { poll: false } });
  const pfNet = registry.require(`eth${pf.id}`);
  await pfNet.open();
  await flush();
  const withoutEq = (c: Record<string, number>) => {
    const { EQ: _, ...rest } = c;
    return rest;
  };
  return {
    aux,
    vdpa,
    sim,
    wire,
    pf,
    pfNet,
    nets,
    vhosts,
    async sf(sfnum, hwAddr = `02:00:00:00:00:${sfnum.toString(16).padStart(2, '0')}`) {
      const port = await pf.portFunctions.add({ pfnum: 0, sfnum });
      await pf.portFunctions.set(port.index, { hwAddr });
      const info = await pf.portFunctions.activate(port.index);
      const core = info.nestedCore;
      if (!core) throw new Error(`SF ${sfnum} has no core device`);
      const vnet = core.auxDevices().find((d) => d.devName.includes('.vnet.'));
      if (!vnet) throw new Error(`SF ${sfnum} has no vnet aux device`);
      return {
        port: port.index,
        core,
        mgmtdev: `auxiliary/${core.name}`,
        handle: vnet.shared,
        objects: () => {
          const fw = sim.engine.subFunctions.get(port.functionId)?.firmware;
          return fw ? withoutEq({ ...fw.objectCounts() }) : {};
        },
      };
    },
    pfObjects: () => withoutEq({ ...sim.engine.objectCounts() }),
    async close() {
      wire.unplug();
      await pf.close();
      const left = sim.dma.mappings;
      sim.close();
      if (left !== 0) throw new Error(`${left} DMA mappings leaked`);
    },
  };
}
