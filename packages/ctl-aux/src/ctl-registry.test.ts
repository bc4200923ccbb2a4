import { AuxiliaryBus, CoreDevice, IdAllocator, silentLogger } from '@auxctl/core';
import { createSimDevice, simIdentity } from '@auxctl/sim';
import { afterEach, describe, expect, it } from 'vitest';
import { createCtlDriver } from './ctl-driver.js';
import { CtlRegistry, type CtlRegistryEvent } from './ctl-registry.js';
import { type CtlRig, ctlRig, ROOT } from './test-support/rig.js';

const rigs: CtlRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.close();
    expect(r.sim.dma.mappings).toBe(0);
  }
});

describe('CtlRegistry and the driver', () => {
  it('keeps each embedder’s devices to itself (no process-wide registry)', async () => {
    const a = await ctlRig();
    const b = await ctlRig();
    rigs.push(a, b);
    expect(a.registry.names()).toEqual(['mlx5ctl-mlx5_core.ctl.0']);
    expect(b.registry.names()).toEqual(['mlx5ctl-mlx5_core.ctl.0']);
    const ca = await a.open(ROOT);
    expect(a.registry.list()[0]?.contexts).toBe(1);
    expect(b.registry.list()[0]?.contexts).toBe(0);
    await ca.close();
    expect(a.registry.list()[0]?.contexts).toBe(0);
  });

  it('announces devices as they are probed and removed', async () => {
    const registry = new CtlRegistry();
    const events: CtlRegistryEvent[] = [];
    registry.events.subscribe((e) => events.push(e));
    const bus = new AuxiliaryBus();
    await bus.registerDriver(createCtlDriver({ registry, audit: silentLogger }));
    const sims = [0, 1].map((i) => createSimDevice({ identity: simIdentity(i) }));
    const ids = new IdAllocator();
    const cores: CoreDevice[] = [];
    for (const sim of sims) {
      cores.push(await CoreDevice.probe({ backend: sim, bus, ids, health: { poll: false } }));
    }
    expect(registry.list().map((d) => d.core)).toEqual(['0000:08:00.0', '0000:09:00.0']);
    expect(registry.list().map((d) => d.name)).toEqual([
      'mlx5ctl-mlx5_core.ctl.0',
      'mlx5ctl-mlx5_core.ctl.1',
    ]);
    await cores[0]!.close();
    expect(registry.names()).toEqual(['mlx5ctl-mlx5_core.ctl.1']);
    await cores[1]!.close();
    for (const s of sims) s.close();
    expect(events).toEqual([
      { type: 'added', device: 'mlx5ctl-mlx5_core.ctl.0' },
      { type: 'added', device: 'mlx5ctl-mlx5_core.ctl.1' },
      { type: 'removed', device: 'mlx5ctl-mlx5_core.ctl.0' },
      { type: 'removed', device: 'mlx5ctl-mlx5_core.ctl.1' },
    ]);
  });

  it('refuses a driver without registry or audit logger, or with a bad umem limit', () => {
    const registry = new CtlRegistry();
    for (const bad of [
      undefined,
      { registry },
      { audit: silentLogger },
      { registry, audit: silentLogger, umemBytesPerContext: 0 },
      { registry, audit: silentLogger, umemBytesPerContext: 1.5 },
    ]) {
      expect(() => createCtlDriver(bad as never)).toThrow(
        expect.objectContaining({ code: 'EINVAL' }),
      );
    }
  });
});
