import { isAuxError } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { captureLog } from '../testing/capture-log.js';
import { AuxiliaryBus } from './auxiliary-bus.js';
import { recordingDriver } from './test-support/recording-driver.js';

interface EthApi {
  readonly send: (n: number) => number;
}

describe('AuxiliaryDevice references and stale holders', () => {
  it('runs release exactly once, only when the last reference drops', async () => {
    const bus = new AuxiliaryBus();
    const released: unknown[] = [];
    const api: EthApi = { send: (n) => n + 1 };
    const adev = bus.init<EthApi>({
      modname: 'mlx',
      name: 'eth',
      id: 0,
      shared: api,
      release: (shared) => released.push(shared),
    });
    expect(adev.refcount).toBe(1);
    await bus.add(adev);
    expect(adev.refcount).toBe(2);
    const holder = adev.get();
    expect(adev.refcount).toBe(3);

    await bus.delete(adev);
    bus.uninit(adev);
    expect(adev.state).toBe('deleted');
    expect(released).toEqual([]);
    expect(bus.listDevices({ all: true }).map((d) => d.device)).toEqual(['mlx.eth.0']);

    holder.put();
    expect(released).toEqual([api]);
    expect(adev.state).toBe('released');
    expect(bus.listDevices({ all: true })).toEqual([]);
    expect(() => adev.put()).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => adev.get()).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    expect(released).toHaveLength(1);
  });

  it('releases a device that was never added at uninit', () => {
    const bus = new AuxiliaryBus();
    let releases = 0;
    const adev = bus.init({ modname: 'mlx', name: 'ctl', id: 1, release: () => releases++ });
    bus.uninit(adev);
    expect(releases).toBe(1);
    expect(() => bus.uninit(adev)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(releases).toBe(1);
  });

  it('refuses puts that would free an added device under the bus', async () => {
    const bus = new AuxiliaryBus();
    let releases = 0;
    const adev = bus.init({ modname: 'mlx', name: 'eth', id: 0, release: () => releases++ });
    await bus.add(adev);
    adev.put(); // drops the init reference the wrong way: allowed, the bus still holds one
    expect(() => adev.put()).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => bus.uninit(adev)).toThrow(expect.objectContaining({ code: 'EBUSY' }));
    expect(adev.state).toBe('added');
    expect(releases).toBe(0);
    await bus.delete(adev);
    expect(releases).toBe(1);
  });

  it('gives stale holders ENODEV after delete instead of the shared objects', async () => {
    const bus = new AuxiliaryBus();
    const api: EthApi = { send: (n) => n * 2 };
    const adev = bus.init<EthApi>({ modname: 'mlx', name: 'eth', id: 0, shared: api });
    expect(adev.shared).toBe(api); // the publisher may use it before add
    await bus.add(adev);
    const stale = adev.get();
    const useIt = () => {
      stale.ensureLive();
      return stale.shared.send(21);
    };
    expect(useIt()).toBe(42);
    expect(stale.live).toBe(true);

    await bus.delete(adev);
    bus.uninit(adev);
    expect(stale.live).toBe(false);
    expect(() => useIt()).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    expect(() => stale.shared).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    stale.put();
    expect(() => stale.shared).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    expect(() => stale.ensureLive()).toThrow(expect.objectContaining({ code: 'ENODEV' }));
  });

  it('lets the driver reach shared objects during remove and clears drvdata after', async () => {
    const bus = new AuxiliaryBus();
    const seen: unknown[] = [];
    const { drv } = recordingDriver('mlx_en', ['mlx.eth'], {
      probe: (adev) => {
        adev.drvdata = { netdev: 'eth0' };
      },
      remove: (adev) => {
        adev.ensureLive();
        seen.push(adev.shared, adev.drvdata);
      },
    });
    await bus.registerDriver(drv);
    const adev = bus.init({ modname: 'mlx', name: 'eth', id: 0, shared: 'api' });
    await bus.add(adev);
    expect(adev.drvdata).toEqual({ netdev: 'eth0' });
    await bus.delete(adev);
    expect(seen).toEqual(['api', { netdev: 'eth0' }]);
    expect(adev.drvdata).toBeUndefined();
    bus.uninit(adev);
  });

  it('keeps a parent referenced while a child is added', async () => {
    const bus = new AuxiliaryBus();
    let parentReleased = false;
    const sf = bus.init({
      modname: 'mlx',
      name: 'sf',
      id: 1,
      release: () => {
        parentReleased = true;
      },
    });
    await bus.add(sf);
    const eth = bus.init({ modname: 'mlx', name: 'eth', id: 1, parent: sf });
    await bus.add(eth);
    expect(eth.parent).toBe('mlx.sf.1');
    await bus.delete(sf);
    bus.uninit(sf);
    expect(parentReleased).toBe(false);
    await bus.delete(eth);
    expect(parentReleased).toBe(true);
    bus.uninit(eth);

    const orphan = bus.init({ modname: 'mlx', name: 'eth', id: 2, parent: sf });
    const err = await bus.add(orphan).catch((e: unknown) => e);
    expect(isAuxError(err, 'ENODEV')).toBe(true);
    bus.uninit(orphan);
    expect(bus.listDevices({ all: true })).toEqual([]);
  });

  it('logs a throwing release and still releases once', async () => {
    const { log, lines } = captureLog();
    const bus = new AuxiliaryBus({ log });
    let calls = 0;
    const adev = bus.init({
      modname: 'mlx',
      name: 'eth',
      id: 0,
      release: () => {
        calls++;
        throw new Error('free failed');
      },
    });
    bus.uninit(adev);
    expect(calls).toBe(1);
    expect(adev.state).toBe('released');
    expect(lines.some((l) => l.msg === 'release callback threw')).toBe(true);
  });
});
