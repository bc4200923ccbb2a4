import {
  AuxiliaryBus,
  type CoreDevice,
  createCorePciDriver,
  IdAllocator,
  PciBus,
  pciFunctionOf,
} from '@auxctl/core';
import { createSimDevice, type SimFunction, SimWire, simIdentity } from '@auxctl/sim';
import { afterEach, describe, expect, it } from 'vitest';
import { createNetDriver } from './net-driver.js';
import { NetRegistry } from './net-registry.js';
import { expectLocalExchange } from './test-support/local-exchange.js';
import { flush } from './test-support/net-rig.js';

// An SR-IOV VF's netdev is a netdev like any other: the core driver binds
// the VF's PCI function, its core device publishes an eth aux device, the
// same net driver binds it, and frames between it and its PF's netdev go
// through the PF's embedded switch without touching the wire.

let sim: SimFunction | undefined;
let peer: SimFunction | undefined;
let pci: PciBus | undefined;
afterEach(async () => {
  const pf = pci?.list()[0];
  if (pf) await pci?.removeFunction(pf.bdf);
  sim?.close();
  peer?.close();
  sim = undefined;
  peer = undefined;
  pci = undefined;
});

const objects = (s: SimFunction) => {
  const counts = { ...s.engine.objectCounts() } as Record<string, number>;
  delete counts.EQ;
  return counts;
};

describe('netdevs of a PF and of its VF', () => {
  it('exchange frames through the embedded switch; disabling the VF removes its netdev and objects', async () => {
    const bus = new AuxiliaryBus();
    const registry = new NetRegistry();
    await bus.registerDriver(createNetDriver({ registry }));
    pci = new PciBus();
    await pci.registerDriver(
      createCorePciDriver({ pci, bus, ids: new IdAllocator(), health: { poll: false } }),
    );
    sim = createSimDevice({ maxVfs: 2 });
    // A cable to another host: the functions' links follow the physical port's.
    peer = createSimDevice({ identity: simIdentity(1) });
    const wire = new SimWire({ device: sim }, { device: peer });
    const pf = await pci.addFunction(pciFunctionOf(sim));
    const pfCore = pf.drvdata as CoreDevice;
    const pfNet = registry.require(`eth${pfCore.id}`);
    await pfNet.open();
    const onWire = wire.stats().transmitted;
    const before = objects(sim);
    const mappings = sim.dma.mappings;

    // Give the VF its MAC before it boots: enable with autoprobe off, set, probe.
    pci.setDriversAutoprobe(pf.bdf, false);
    await pci.writeNumVfs(pf.bdf, 1);
    const [port] = pfCore.portFunctions.list();
    expect(port).toMatchObject({ flavour: 'pcivf', vfnum: 0 });
    await pfCore.portFunctions.set(port!.index, { hwAddr: '02:00:00:00:0f:01' });
    pci.setDriversAutoprobe(pf.bdf, true);
    await pci.reprobe('0000:08:00.2');
    const vfCore = pci.find('0000:08:00.2')?.drvdata as CoreDevice;
    expect(vfCore.kind).toBe('vf');
    const vfNet = registry.require(`eth${vfCore.id}`);
    await vfNet.open();
    await flush();
    expect(vfNet.linkUp).toBe(true);
    expect(vfNet.mac.toString('hex')).toBe('020000000f01');

    await expectLocalExchange(pfNet, vfNet);
    // Local unicast between functions of one port never reaches the wire.
    expect(wire.stats().transmitted).toBe(onWire);

    await pci.writeNumVfs(pf.bdf, 0);
    expect(registry.names()).toEqual([`eth${pfCore.id}`]);
    expect(objects(sim)).toEqual(before);
    expect(sim.dma.mappings).toBe(mappings);
  });
});
