import { AuxError } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { captureLog } from '../testing/capture-log.js';
import { AuxiliaryBus } from './auxiliary-bus.js';
import type { AuxiliaryDriver } from './auxiliary-driver.js';
import { recordingDriver } from './test-support/recording-driver.js';
import type { Uevent } from './uevent.js';

async function added(bus: AuxiliaryBus, modname: string, name: string, id: number) {
  const adev = bus.init({ modname, name, id });
  await bus.add(adev);
  return adev;
}

describe('AuxiliaryBus naming', () => {
  it('names devices <modname>.<name>.<id> and refuses a duplicate with EEXIST', async () => {
    const bus = new AuxiliaryBus();
    const a = await added(bus, 'mlx5_core', 'eth', 0);
    expect(a.devName).toBe('mlx5_core.eth.0');
    expect(a.matchName).toBe('mlx5_core.eth');
    expect(a.modalias).toBe('auxiliary:mlx5_core.eth');

    const dup = bus.init({ modname: 'mlx5_core', name: 'eth', id: 0 });
    await expect(bus.add(dup)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(dup.state).toBe('initialized');
    bus.uninit(dup);
    await expect(bus.add(a)).rejects.toMatchObject({ code: 'EEXIST' });

    // Same match name, other id, and same id, other name: both fine.
    await added(bus, 'mlx5_core', 'eth', 1);
    await added(bus, 'mlx5_core', 'rdma', 0);
    expect(bus.listDevices().map((d) => d.device)).toEqual([
      'mlx5_core.eth.0',
      'mlx5_core.eth.1',
      'mlx5_core.rdma.0',
    ]);
  });

  it('refuses invalid names, ids and options at init with EINVAL, keeping nothing', () => {
    const bus = new AuxiliaryBus();
    const bad = [
      { modname: 'mlx5.core', name: 'eth', id: 0 },
      { modname: 'mlx5_core', name: 'eth.rep', id: 0 },
      { modname: '', name: 'eth', id: 0 },
      { modname: 'mlx5_core', name: '', id: 0 },
      { modname: 'mlx5_core', name: 'eth', id: -1 },
      { modname: 'mlx5_core', name: 'eth', id: 0.5 },
      { modname: 'mlx5_core', name: 'eth', id: 0, parent: '' },
      { modname: 'mlx5_core', name: 'eth', id: 0, release: 'no' as unknown as () => void },
    ];
    for (const opts of bad) {
      expect(() => bus.init(opts)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    }
    expect(() => bus.init(null as never)).toThrow(AuxError);
    expect(bus.listDevices({ all: true })).toEqual([]);
  });

  it('refuses devices of another bus and re-adding a deleted device', async () => {
    const bus = new AuxiliaryBus();
    const other = new AuxiliaryBus();
    const foreign = other.init({ modname: 'mlx', name: 'eth', id: 0 });
    await expect(bus.add(foreign)).rejects.toMatchObject({ code: 'EINVAL' });
    expect(() => bus.uninit(foreign)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    const adev = await added(bus, 'mlx', 'eth', 0);
    await bus.delete(adev);
    await expect(bus.delete(adev)).rejects.toMatchObject({ code: 'ENODEV' });
    await expect(bus.add(adev)).rejects.toMatchObject({ code: 'EINVAL' });
    bus.uninit(adev);
    await expect(bus.add(adev)).rejects.toMatchObject({ code: 'EINVAL' });
  });
});

describe('AuxiliaryBus drivers and matching', () => {
  it('refuses malformed drivers with EINVAL and duplicate names with EEXIST', async () => {
    const bus = new AuxiliaryBus();
    const probe = () => {};
    const bad: unknown[] = [
      null,
      'mlx5e',
      { name: 'x', idTable: [{ name: 'mlx.eth' }] },
      { name: 'x', probe },
      { name: 'x', probe, idTable: [] },
      { name: 'x', probe, idTable: [{ name: 'mlx.eth.0' }] },
      { name: 'x', probe, idTable: [{ name: 'mlx' }] },
      { name: 'x', probe, idTable: ['mlx.eth'] },
      { name: '', probe, idTable: [{ name: 'mlx.eth' }] },
      { name: 'bad name', probe, idTable: [{ name: 'mlx.eth' }] },
      { name: 'x', probe, idTable: [{ name: 'mlx.eth' }], remove: 1 },
    ];
    for (const drv of bad) {
      await expect(bus.registerDriver(drv as AuxiliaryDriver)).rejects.toMatchObject({
        code: 'EINVAL',
      });
    }
    expect(bus.listDrivers()).toEqual([]);
    const { drv } = recordingDriver('mlx5e', ['mlx.eth']);
    await bus.registerDriver(drv);
    await expect(bus.registerDriver(drv)).rejects.toMatchObject({ code: 'EEXIST' });
    const { drv: other } = recordingDriver('mlx5e', ['mlx.rdma']);
    await expect(bus.registerDriver(other)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(bus.listDrivers().map((d) => d.idTable)).toEqual([['mlx.eth']]);
  });

  it('matches the device name up to its last dot exactly', async () => {
    const bus = new AuxiliaryBus();
    const { drv, calls } = recordingDriver('mlx5e', ['mlx5_core.eth']);
    await bus.registerDriver(drv);
    await added(bus, 'mlx5_core', 'eth_rep', 0);
    await added(bus, 'mlx5_core', 'e', 0);
    await added(bus, 'mlx5_cor', 'eth', 0);
    await added(bus, 'mlx5_core', 'eth', 3);
    expect(calls).toEqual(['probe mlx5_core.eth.3']);
    expect(bus.listDevices().map((d) => [d.device, d.driver])).toEqual([
      ['mlx5_core.eth_rep.0', undefined],
      ['mlx5_core.e.0', undefined],
      ['mlx5_cor.eth.0', undefined],
      ['mlx5_core.eth.3', 'mlx5e'],
    ]);
  });

  it('hands probe the matching idTable entry with its data', async () => {
    const bus = new AuxiliaryBus();
    const got: unknown[] = [];
    await bus.registerDriver({
      name: 'multi',
      idTable: [
        { name: 'mlx.eth', data: 1 },
        { name: 'mlx.rdma', data: 2 },
      ],
      probe: (adev, id) => {
        got.push([adev.devName, id.name, id.data]);
      },
    });
    await added(bus, 'mlx', 'rdma', 0);
    await added(bus, 'mlx', 'eth', 0);
    expect(got).toEqual([
      ['mlx.rdma.0', 'mlx.rdma', 2],
      ['mlx.eth.0', 'mlx.eth', 1],
    ]);
  });

  it('binds a driver registered after the device', async () => {
    const bus = new AuxiliaryBus();
    const adev = await added(bus, 'mlx', 'eth', 0);
    expect(adev.driverName).toBeUndefined();
    const { drv, calls } = recordingDriver('mlx5e', ['mlx.eth']);
    await bus.registerDriver(drv);
    expect(calls).toEqual(['probe mlx.eth.0']);
    expect(adev.driverName).toBe('mlx5e');
    expect(bus.listDrivers()).toEqual([
      {
        name: 'mlx5e',
        idTable: ['mlx.eth'],
        devices: ['mlx.eth.0'],
        autoloaded: false,
        supportsSuspend: false,
      },
    ]);
  });
});

describe('AuxiliaryBus lifecycle', () => {
  it('runs init -> add (probe) ... delete (remove once) -> uninit with uevents', async () => {
    const bus = new AuxiliaryBus();
    const events: Uevent[] = [];
    const off = bus.uevents.subscribe((e) => events.push(e));
    const { drv, calls } = recordingDriver('mlx5e', ['mlx5_core.eth']);
    await bus.registerDriver(drv);

    const adev = bus.init({ modname: 'mlx5_core', name: 'eth', id: 0, parent: '0000:08:00.0' });
    expect(adev.state).toBe('initialized');
    expect(bus.listDevices()).toEqual([]);
    await bus.add(adev);
    expect(adev.state).toBe('added');
    expect(bus.find('mlx5_core.eth.0')).toBe(adev);
    await bus.delete(adev);
    expect(adev.state).toBe('deleted');
    expect(bus.find('mlx5_core.eth.0')).toBeUndefined();
    bus.uninit(adev);
    expect(adev.state).toBe('released');
    off();

    expect(calls).toEqual(['probe mlx5_core.eth.0', 'remove mlx5_core.eth.0']);
    expect(events.map((e) => [e.action, e.device, e.env.DRIVER])).toEqual([
      ['add', 'mlx5_core.eth.0', undefined],
      ['bind', 'mlx5_core.eth.0', 'mlx5e'],
      ['unbind', 'mlx5_core.eth.0', 'mlx5e'],
      ['remove', 'mlx5_core.eth.0', undefined],
    ]);
    for (const e of events) {
      expect(e.env).toMatchObject({
        ACTION: e.action,
        SUBSYSTEM: 'auxiliary',
        MODALIAS: 'auxiliary:mlx5_core.eth',
        PARENT: '0000:08:00.0',
      });
    }
    expect(events.map((e) => Number(e.env.SEQNUM))).toEqual([1, 2, 3, 4]);
  });

  it('streams uevents as an async iterable', async () => {
    const bus = new AuxiliaryBus();
    const stream = bus.uevents.stream();
    const adev = await added(bus, 'mlx', 'ctl', 4);
    await bus.delete(adev);
    const got: string[] = [];
    for await (const e of stream) {
      got.push(`${e.action} ${e.env.MODALIAS}`);
      if (got.length === 2) break;
    }
    expect(got).toEqual(['add auxiliary:mlx.ctl', 'remove auxiliary:mlx.ctl']);
    expect(bus.uevents.listenerCount).toBe(0);
  });

  it('calls remove exactly once when deletes and unbinds race', async () => {
    const bus = new AuxiliaryBus();
    let removes = 0;
    const { drv } = recordingDriver('mlx5e', ['mlx.eth'], {
      remove: async () => {
        removes++;
        await new Promise<void>((r) => setImmediate(r));
      },
    });
    await bus.registerDriver(drv);
    const adev = await added(bus, 'mlx', 'eth', 0);
    const results = await Promise.allSettled([
      bus.delete(adev),
      bus.unbind('mlx.eth.0'),
      bus.delete(adev),
      bus.unregisterDriver('mlx5e'),
    ]);
    expect(removes).toBe(1);
    expect(results[0].status).toBe('fulfilled');
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'ENODEV' } });
    expect(results[2]).toMatchObject({ status: 'rejected', reason: { code: 'ENODEV' } });
    expect(results[3].status).toBe('fulfilled');
    expect(adev.state).toBe('deleted');
  });

  it('leaves a device added but unbound when probe throws, and logs why', async () => {
    const { log, lines } = captureLog();
    const bus = new AuxiliaryBus({ log });
    const events: string[] = [];
    bus.uevents.subscribe((e) => events.push(e.action));
    const { drv, calls } = recordingDriver('mlx5e', ['mlx.eth'], {
      probe: async (adev) => {
        adev.drvdata = 'half-built';
        throw new AuxError('ENOMEM', 'no queues left');
      },
    });
    await bus.registerDriver(drv);
    const adev = bus.init({ modname: 'mlx', name: 'eth', id: 0 });
    await bus.add(adev);
    expect(adev.state).toBe('added');
    expect(adev.driverName).toBeUndefined();
    expect(adev.drvdata).toBeUndefined();
    expect(events).toEqual(['add']);
    const line = lines.find((l) => l.msg === 'probe failed; device left unbound');
    expect(line).toMatchObject({ device: 'mlx.eth.0', driver: 'mlx5e' });
    expect(JSON.stringify(line?.err)).toContain('no queues left');

    // No remove for a driver that never bound.
    await bus.delete(adev);
    expect(calls).toEqual(['probe mlx.eth.0']);
  });

  it('tries the next matching driver when probe declines with ENODEV', async () => {
    const bus = new AuxiliaryBus();
    const first = recordingDriver('picky', ['mlx.eth'], {
      probe: () => {
        throw new AuxError('ENODEV', 'not my port type');
      },
    });
    const second = recordingDriver('generic', ['mlx.eth']);
    await bus.registerDriver(first.drv);
    await bus.registerDriver(second.drv);
    const adev = await added(bus, 'mlx', 'eth', 0);
    expect(adev.driverName).toBe('generic');
    expect(first.calls).toEqual(['probe mlx.eth.0']);

    // Any other error stops the search: the device stays unbound.
    const bus2 = new AuxiliaryBus();
    const failing = recordingDriver('failing', ['mlx.eth'], {
      probe: () => {
        throw new Error('hw fault');
      },
    });
    const never = recordingDriver('never', ['mlx.eth']);
    await bus2.registerDriver(failing.drv);
    await bus2.registerDriver(never.drv);
    expect((await added(bus2, 'mlx', 'eth', 0)).driverName).toBeUndefined();
    expect(never.calls).toEqual([]);
  });

  it('shows state, driver, parent and refcount for a tree view', async () => {
    const bus = new AuxiliaryBus();
    const { drv } = recordingDriver('mlx5_sf', ['mlx.sf']);
    await bus.registerDriver(drv);
    const sf = await added(bus, 'mlx', 'sf', 2);
    const eth = bus.init({ modname: 'mlx', name: 'eth', id: 2, parent: sf });
    expect(bus.listDevices({ all: true }).map((d) => [d.device, d.state])).toEqual([
      ['mlx.sf.2', 'added'],
      ['mlx.eth.2', 'initialized'],
    ]);
    await bus.add(eth);
    expect(bus.listDevices()).toEqual([
      {
        device: 'mlx.sf.2',
        modname: 'mlx',
        name: 'sf',
        id: 2,
        modalias: 'auxiliary:mlx.sf',
        state: 'added',
        dying: false,
        driver: 'mlx5_sf',
        suspended: false,
        parent: undefined,
        refcount: 3,
      },
      {
        device: 'mlx.eth.2',
        modname: 'mlx',
        name: 'eth',
        id: 2,
        modalias: 'auxiliary:mlx.eth',
        state: 'added',
        dying: false,
        driver: undefined,
        suspended: false,
        parent: 'mlx.sf.2',
        refcount: 2,
      },
    ]);
  });

  it('isolates a throwing uevent listener', async () => {
    const { log, lines } = captureLog();
    const bus = new AuxiliaryBus({ log });
    bus.uevents.subscribe(() => {
      throw new Error('listener bug');
    });
    const adev = await added(bus, 'mlx', 'eth', 0);
    expect(adev.state).toBe('added');
    expect(lines.some((l) => l.msg === 'uevent listener threw')).toBe(true);
    await expect(bus.delete(adev)).resolves.toBeUndefined();
  });
});
