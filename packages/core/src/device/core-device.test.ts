import { crdumpHeader, HealthSyndrome, isAuxError } from '@auxctl/prm';
import { createSimDevice, type SimFunction, simIdentity } from '@auxctl/sim';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuxiliaryBus } from '../bus/auxiliary-bus.js';
import type { AuxiliaryDevice } from '../bus/auxiliary-device.js';
import type { AuxiliaryDriver } from '../bus/auxiliary-driver.js';
import type { AuxDeviceSpec } from './aux-table.js';
import { CoreDevice, type CoreDeviceOptions } from './core-device.js';
import type { CoreEvent } from './core-events.js';
import type { CoreHandle } from './core-handle.js';
import { nop } from './firmware-commands.js';
import { IdAllocator } from './id-allocator.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(
  opts: Partial<CoreDeviceOptions> & {
    devices?: number;
    sim?: Parameters<typeof createSimDevice>[0];
  } = {},
) {
  const bus = opts.bus ?? new AuxiliaryBus();
  const ids = opts.ids ?? new IdAllocator();
  const sims: SimFunction[] = [];
  const cores: CoreDevice[] = [];
  for (let i = 0; i < (opts.devices ?? 1); i++) {
    const sim = createSimDevice({ identity: simIdentity(i), ...opts.sim });
    const baseline = sim.dma.mappings;
    sims.push(sim);
    const core = await CoreDevice.probe({
      health: { poll: false },
      ...opts,
      backend: sim,
      bus,
      ids,
    });
    cores.push(core);
    cleanups.push(async () => {
      await core.close();
      expect(sim.dma.mappings).toBe(baseline);
      sim.close();
    });
  }
  return { bus, ids, sims, cores, core: cores[0]!, sim: sims[0]! };
}

/** A driver that records its calls; `suspendable` adds suspend/resume. */
function recordingDriver(name: string, match: string, suspendable = false) {
  const calls: string[] = [];
  const drv: AuxiliaryDriver<CoreHandle> = {
    name,
    idTable: [{ name: match }],
    probe: (adev) => {
      calls.push(`probe ${adev.devName}`);
      adev.drvdata = adev.shared;
    },
    remove: (adev) => {
      calls.push(`remove ${adev.devName}`);
    },
    ...(suspendable && {
      suspend: (adev: AuxiliaryDevice<CoreHandle>) => {
        calls.push(`suspend ${adev.devName}`);
      },
      resume: (adev: AuxiliaryDevice<CoreHandle>) => {
        calls.push(`resume ${adev.devName}`);
      },
    }),
  };
  return { drv, calls };
}

function collect(core: CoreDevice): CoreEvent[] {
  const events: CoreEvent[] = [];
  cleanups.push(core.events.subscribe((e) => events.push(e)));
  return events;
}

describe('CoreDevice', () => {
  it('boots firmware and publishes eth, rdma and ctl with a shared id per core device', async () => {
    const { bus, cores } = await rig({ devices: 2 });
    expect(cores.map((c) => [c.id, c.name, c.state])).toEqual([
      [0, '0000:08:00.0', 'up'],
      [1, '0000:09:00.0', 'up'],
    ]);
    expect(bus.listDevices().map((d) => d.device)).toEqual([
      'mlx5_core.eth.0',
      'mlx5_core.rdma.0',
      'mlx5_core.ctl.0',
      'mlx5_core.eth.1',
      'mlx5_core.rdma.1',
      'mlx5_core.ctl.1',
    ]);
    expect(cores[0]!.caps.uctx_cap).toBe(0x7);
    expect(cores[0]!.caps.log_max_qp).toBe(cores[0]!.maxCaps.log_max_qp);
    expect(cores[1]!.auxDevices().map((a) => a.shared.coreName)).toEqual(
      Array(3).fill('0000:09:00.0'),
    );
  });

  it('publishes only what the function supports', async () => {
    const { bus } = await rig({ sim: { portType: 'eth', roce: false, uctxCap: 0 } });
    expect(bus.listDevices().map((d) => d.device)).toEqual(['mlx5_core.eth.0']);
  });

  it('rescan deletes unsupported devices in reverse and adds missing ones in order', async () => {
    const want = { a: true, b: true, c: false };
    const table: AuxDeviceSpec[] = (['a', 'b', 'c'] as const).map((n) => ({
      name: n,
      supported: () => want[n],
    }));
    const { bus, core } = await rig({ auxTable: table });
    const events = collect(core);
    expect(bus.listDevices().map((d) => d.device)).toEqual(['mlx5_core.a.0', 'mlx5_core.b.0']);
    Object.assign(want, { a: false, b: false, c: true });
    await core.rescan();
    expect(
      events
        .filter((e) => e.type.startsWith('aux'))
        .map((e) => `${e.type} ${'device' in e ? e.device : ''}`),
    ).toEqual([
      'aux-removed mlx5_core.b.0',
      'aux-removed mlx5_core.a.0',
      'aux-added mlx5_core.c.0',
    ]);
  });

  it('reload suspends drivers that can and re-probes the others', async () => {
    const bus = new AuxiliaryBus();
    const eth = recordingDriver('en', 'mlx5_core.eth', true);
    const ctl = recordingDriver('ctl', 'mlx5_core.ctl');
    await bus.registerDriver(eth.drv);
    await bus.registerDriver(ctl.drv);
    const { core, sim } = await rig({ bus });
    const events = collect(core);
    const before = sim.engine.commandCount;
    await core.reload();
    expect(eth.calls).toEqual([
      'probe mlx5_core.eth.0',
      'suspend mlx5_core.eth.0',
      'resume mlx5_core.eth.0',
    ]);
    expect(ctl.calls).toEqual([
      'probe mlx5_core.ctl.0',
      'remove mlx5_core.ctl.0',
      'probe mlx5_core.ctl.0',
    ]);
    expect(
      events.filter((e) => e.type === 'reload').map((e) => (e.type === 'reload' ? e.phase : '')),
    ).toEqual(['start', 'done']);
    expect(sim.engine.commandCount).toBeGreaterThan(before + 5);
    expect(sim.engine.state).toBe('initialized');
    expect(core.state).toBe('up');
  });

  it('revokes the handle of a deleted aux device: stale holders get ENODEV', async () => {
    const bus = new AuxiliaryBus();
    const ctl = recordingDriver('ctl', 'mlx5_core.ctl');
    await bus.registerDriver(ctl.drv);
    const { core } = await rig({ bus, auxTable: [{ name: 'ctl', supported: () => true }] });
    const adev = core.auxDevices()[0]!;
    const handle = adev.shared;
    await nop(handle);
    const held = adev.get();
    await core.close();
    await expect(nop(handle)).rejects.toMatchObject({ code: 'ENODEV' });
    expect(() => handle.caps).toThrow(/removed/);
    expect(() => held.shared).toThrow();
    held.put();
  });

  it('a driver unbound while its command is in flight: the command completes, later ones get ENODEV', async () => {
    const bus = new AuxiliaryBus();
    const ctl = recordingDriver('ctl', 'mlx5_core.ctl');
    await bus.registerDriver(ctl.drv);
    const { core, sim } = await rig({ bus });
    const adev = core.auxDevices().find((a) => a.name === 'ctl')!;
    const handle = adev.shared;
    sim.faults.delay('NOP', 30);
    const inFlight = nop(handle);
    await bus.unbind(adev.devName);
    expect(ctl.calls).toEqual(['probe mlx5_core.ctl.0', 'remove mlx5_core.ctl.0']);
    await expect(inFlight).resolves.toBeUndefined();
    expect(core.queue.stats().slotsInUse).toBe(0);
    await core.rescan();
    // The device is still published (unbound); deleting it revokes the handle.
    await core.close();
    await expect(nop(handle)).rejects.toSatisfy((e) => isAuxError(e, 'ENODEV'));
  });

  it('a fatal error drives recovery and the aux devices come back', async () => {
    const bus = new AuxiliaryBus();
    const eth = recordingDriver('en', 'mlx5_core.eth', true);
    const ctl = recordingDriver('ctl', 'mlx5_core.ctl');
    await bus.registerDriver(eth.drv);
    await bus.registerDriver(ctl.drv);
    const { core, sim } = await rig({ bus, sim: { crdumpSize: 64 * 1024 } });
    const events = collect(core);
    const done = new Promise<void>((resolve) =>
      core.events.subscribe((e) => {
        if (e.type === 'reload' && e.phase === 'done') resolve();
      }),
    );
    core.health.poller.poll();
    sim.faults.fatal(HealthSyndrome.HW_FATAL_ERR);
    core.health.poller.poll();
    expect(core.state).toBe('internal_error');
    // Commands fail at once under internal error instead of timing out.
    await expect(nop(core.queue)).rejects.toMatchObject({ code: 'EIO' });
    await done;
    expect(core.state).toBe('up');
    expect(sim.engine.halted).toBe(false);
    expect(bus.listDevices().map((d) => [d.device, d.driver])).toEqual([
      ['mlx5_core.eth.0', 'en'],
      ['mlx5_core.rdma.0', undefined],
      ['mlx5_core.ctl.0', 'ctl'],
    ]);
    expect(eth.calls.slice(1)).toEqual(['suspend mlx5_core.eth.0', 'resume mlx5_core.eth.0']);
    expect(ctl.calls.slice(1)).toEqual(['remove mlx5_core.ctl.0', 'probe mlx5_core.ctl.0']);
    const health = events.find((e) => e.type === 'health');
    expect(health).toMatchObject({ reporter: 'fw_fatal', syndrome: HealthSyndrome.HW_FATAL_ERR });
    expect(events.map((e) => (e.type === 'state' ? e.state : undefined)).filter(Boolean)).toEqual([
      'internal_error',
      'recovering',
      'up',
    ]);
    const dump = core.health.fwFatal.storedDump;
    expect(dump?.data.length).toBe(64 * 1024);
    expect(crdumpHeader(dump?.data ?? Buffer.alloc(0))?.magic.toString('latin1')).toBe('AUXCRDMP');
    await vi.waitFor(() => expect(core.health.fwFatal.recoverCount).toBe(1));
    expect(core.health.fwFatal.state).toBe('healthy');
    await nop(core.queue);
  });

  it('notices firmware that stops answering through the health counter', async () => {
    let t = 0;
    const { core, sim } = await rig({
      sim: { clock: { now: () => t } },
      health: { poll: false, autoRecover: false },
    });
    for (let i = 0; i < 2; i++) {
      t += 1000;
      core.health.poller.poll();
    }
    expect(core.state).toBe('up');
    // A stalled device: the clock (and so the counter) stops moving.
    for (let i = 0; i < 3; i++) core.health.poller.poll();
    expect(core.state).toBe('internal_error');
    expect(core.health.fwFatal.state).toBe('error');
    await core.recover();
    expect(core.state).toBe('up');
    expect(sim.engine.state).toBe('initialized');
  });

  it('closes cleanly after someone else deleted one of its aux devices', async () => {
    const { bus, core, sim, ids } = await rig();
    const baseline = sim.dma.mappings;
    const ctl = core.auxDevices().find((a) => a.name === 'ctl')!;
    await bus.delete(ctl);
    await core.close();
    expect(core.state).toBe('closed');
    expect(bus.listDevices({ all: true })).toEqual([]);
    expect(ids.inUse).toBe(0);
    expect(sim.engine.state).toBe('disabled');
    expect(sim.dma.mappings).toBeLessThanOrEqual(baseline);
  });

  it('a reload that fails half way leaves the function disabled and its pages back', async () => {
    const { core, sim, bus } = await rig();
    const baseline = sim.dma.mappings;
    const events = collect(core);
    sim.faults.forceStatus('INIT_HCA', 0x4, 0x1234);
    await expect(core.reload()).rejects.toMatchObject({ code: 'EIO' });
    expect(core.state).toBe('down');
    expect(sim.engine.state).toBe('disabled');
    expect(bus.listDevices()).toEqual([]);
    expect(sim.dma.mappings).toBeLessThan(baseline);
    expect(events.find((e) => e.type === 'reload' && e.phase === 'failed')).toBeDefined();
    // A reset brings it back.
    await core.recover();
    expect([core.state, sim.engine.state]).toEqual(['up', 'initialized']);
    expect(bus.listDevices()).toHaveLength(3);
  });

  it('taints once per reason and announces it', async () => {
    const { core } = await rig();
    const events = collect(core);
    expect(core.taint('debug_write')).toBe(true);
    expect(core.taint('debug_write')).toBe(false);
    expect(core.tainted).toEqual(['debug_write']);
    expect(events).toEqual([{ type: 'taint', core: '0000:08:00.0', reason: 'debug_write' }]);
  });

  it('a failed probe gives back its id and its pages', async () => {
    const bus = new AuxiliaryBus();
    const ids = new IdAllocator();
    const sim = createSimDevice();
    const baseline = sim.dma.mappings;
    sim.faults.forceStatus('INIT_HCA', 0x4, 0x1234);
    await expect(
      CoreDevice.probe({ backend: sim, bus, ids, health: { poll: false } }),
    ).rejects.toMatchObject({
      code: 'EIO',
    });
    expect(ids.inUse).toBe(0);
    expect(sim.dma.mappings).toBe(baseline);
    expect(sim.engine.state).toBe('disabled');
    expect(bus.listDevices()).toEqual([]);
    sim.close();
  });

  it('refuses reload and rescan unless up, and runs lifecycle operations one at a time', async () => {
    const { core } = await rig();
    const order: string[] = [];
    const a = core.reload().then(() => order.push('reload'));
    const b = core.rescan().then(() => order.push('rescan'));
    await Promise.all([a, b]);
    expect(order).toEqual(['reload', 'rescan']);
    await core.close();
    await expect(core.reload()).rejects.toMatchObject({ code: 'EBUSY' });
  });
});
