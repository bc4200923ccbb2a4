import { AuxError } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { captureLog } from '../testing/capture-log.js';
import { AuxiliaryBus } from './auxiliary-bus.js';
import { recordingDriver } from './test-support/recording-driver.js';

async function busWith(...names: [string, string, number][]) {
  const bus = new AuxiliaryBus();
  for (const [modname, name, id] of names) await bus.add(bus.init({ modname, name, id }));
  return bus;
}

describe('runtime bind and unbind', () => {
  it('unbinds (remove runs) and binds again by device name', async () => {
    const bus = await busWith(['mlx', 'eth', 0]);
    const { drv, calls } = recordingDriver('mlx5e', ['mlx.eth']);
    await bus.registerDriver(drv);
    await bus.unbind('mlx.eth.0');
    expect(bus.find('mlx.eth.0')?.driverName).toBeUndefined();
    expect(bus.find('mlx.eth.0')?.state).toBe('added');
    await bus.bind('mlx.eth.0', 'mlx5e');
    expect(bus.find('mlx.eth.0')?.driverName).toBe('mlx5e');
    await bus.unbind('mlx.eth.0', 'mlx5e');
    expect(calls).toEqual([
      'probe mlx.eth.0',
      'remove mlx.eth.0',
      'probe mlx.eth.0',
      'remove mlx.eth.0',
    ]);
  });

  it('answers misuse with ENODEV, ENOENT and EBUSY and changes nothing', async () => {
    const bus = await busWith(['mlx', 'eth', 0], ['mlx', 'rdma', 0]);
    const eth = recordingDriver('mlx5e', ['mlx.eth']);
    const other = recordingDriver('other_eth', ['mlx.eth']);
    await bus.registerDriver(eth.drv);
    await bus.registerDriver(other.drv);
    const cases: [Promise<void>, string][] = [
      [bus.bind('mlx.eth.9', 'mlx5e'), 'ENODEV'], // no such device
      [bus.bind('mlx.eth.0', 'nope'), 'ENOENT'], // no such driver
      [bus.bind('mlx.rdma.0', 'mlx5e'), 'ENODEV'], // driver does not match
      [bus.bind('mlx.eth.0', 'other_eth'), 'EBUSY'], // already bound
      [bus.unbind('mlx.eth.9'), 'ENODEV'],
      [bus.unbind('mlx.rdma.0'), 'ENODEV'], // nothing bound
      [bus.unbind('mlx.eth.0', 'other_eth'), 'ENODEV'], // bound to another
    ];
    for (const [op, code] of cases) await expect(op).rejects.toMatchObject({ code });
    expect(bus.find('mlx.eth.0')?.driverName).toBe('mlx5e');
    expect(eth.calls).toEqual(['probe mlx.eth.0']);
    expect(other.calls).toEqual([]);
  });

  it('fails bind with the probe error and leaves the device unbound', async () => {
    const bus = await busWith(['mlx', 'eth', 0]);
    let fail = true;
    const { drv } = recordingDriver('mlx5e', ['mlx.eth'], {
      probe: () => {
        if (fail) throw new AuxError('EAGAIN', 'firmware not ready');
      },
    });
    await bus.registerDriver(drv);
    expect(bus.find('mlx.eth.0')?.driverName).toBeUndefined();
    await expect(bus.bind('mlx.eth.0', 'mlx5e')).rejects.toMatchObject({ code: 'EAGAIN' });
    expect(bus.find('mlx.eth.0')?.driverName).toBeUndefined();

    const { drv: plain } = recordingDriver('plain', ['mlx.eth'], {
      probe: () => {
        throw new TypeError('bug');
      },
    });
    await bus.registerDriver(plain);
    const err = await bus.bind('mlx.eth.0', 'plain').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EIO' });
    expect((err as AuxError).cause).toBeInstanceOf(TypeError);

    fail = false;
    await bus.bind('mlx.eth.0', 'mlx5e');
    expect(bus.find('mlx.eth.0')?.driverName).toBe('mlx5e');
  });

  it('refuses bind on a device that is being deleted', async () => {
    const bus = await busWith(['mlx', 'eth', 0]);
    const { drv } = recordingDriver('mlx5e', ['mlx.eth']);
    await bus.registerDriver(drv);
    await bus.unbind('mlx.eth.0');
    const adev = bus.find('mlx.eth.0');
    if (!adev) throw new Error('device missing');
    const del = bus.delete(adev);
    await expect(bus.bind('mlx.eth.0', 'mlx5e')).rejects.toMatchObject({ code: 'ENODEV' });
    await del;
    expect(adev.driverName).toBeUndefined();
  });
});

describe('driver unregister', () => {
  it('removes the driver from every bound device and only from those', async () => {
    const bus = await busWith(['mlx', 'eth', 0], ['mlx', 'eth', 1], ['mlx', 'rdma', 0]);
    const eth = recordingDriver('mlx5e', ['mlx.eth']);
    const ib = recordingDriver('mlx5_ib', ['mlx.rdma']);
    await bus.registerDriver(eth.drv);
    await bus.registerDriver(ib.drv);
    await bus.unregisterDriver('mlx5e');
    expect(eth.calls).toEqual([
      'probe mlx.eth.0',
      'probe mlx.eth.1',
      'remove mlx.eth.0',
      'remove mlx.eth.1',
    ]);
    expect(bus.listDevices().map((d) => d.driver)).toEqual([undefined, undefined, 'mlx5_ib']);
    expect(bus.listDrivers().map((d) => d.name)).toEqual(['mlx5_ib']);
    await expect(bus.unregisterDriver('mlx5e')).rejects.toMatchObject({ code: 'ENOENT' });
    // A new device of that kind stays unbound now.
    await bus.add(bus.init({ modname: 'mlx', name: 'eth', id: 2 }));
    expect(bus.find('mlx.eth.2')?.driverName).toBeUndefined();
    // Unregistering by object needs the registered object itself.
    const lookalike = recordingDriver('mlx5_ib', ['mlx.rdma']);
    await expect(bus.unregisterDriver(lookalike.drv)).rejects.toMatchObject({ code: 'ENOENT' });
    await bus.unregisterDriver(ib.drv);
    expect(ib.calls).toEqual(['probe mlx.rdma.0', 'remove mlx.rdma.0']);
  });

  it('logs a failing remove and still unbinds', async () => {
    const { log, lines } = captureLog();
    const bus = new AuxiliaryBus({ log });
    await bus.add(bus.init({ modname: 'mlx', name: 'eth', id: 0 }));
    const { drv } = recordingDriver('mlx5e', ['mlx.eth'], {
      remove: () => {
        throw new Error('stuck queue');
      },
    });
    await bus.registerDriver(drv);
    await bus.unregisterDriver(drv);
    expect(bus.find('mlx.eth.0')?.driverName).toBeUndefined();
    expect(lines.find((l) => l.msg === 'remove failed')).toMatchObject({ device: 'mlx.eth.0' });
  });
});

describe('suspend, resume and shutdown', () => {
  it('suspends and resumes through a driver that supports it', async () => {
    const bus = await busWith(['mlx', 'eth', 0]);
    const { drv, calls } = recordingDriver('mlx5e', ['mlx.eth'], {}, [
      'remove',
      'suspend',
      'resume',
    ]);
    await bus.registerDriver(drv);
    const adev = bus.find('mlx.eth.0');
    if (!adev) throw new Error('device missing');
    expect(bus.canSuspend(adev)).toBe(true);
    expect(await bus.resume(adev)).toBe(false); // not suspended
    expect(await bus.suspend('mlx.eth.0')).toBe(true);
    expect(adev.suspended).toBe(true);
    expect(await bus.suspend(adev)).toBe(true); // already: no second call
    expect(bus.listDevices()[0]?.suspended).toBe(true);
    expect(await bus.resume(adev)).toBe(true);
    expect(adev.suspended).toBe(false);
    expect(calls).toEqual(['probe mlx.eth.0', 'suspend mlx.eth.0', 'resume mlx.eth.0']);
    expect(bus.listDrivers()[0]?.supportsSuspend).toBe(true);
  });

  it('reports false, doing nothing, when the driver cannot suspend or none is bound', async () => {
    const bus = await busWith(['mlx', 'eth', 0], ['mlx', 'ctl', 0]);
    const { drv, calls } = recordingDriver('half', ['mlx.eth'], {}, ['remove', 'suspend']);
    await bus.registerDriver(drv);
    expect(bus.canSuspend('mlx.eth.0')).toBe(false);
    expect(await bus.suspend('mlx.eth.0')).toBe(false);
    expect(bus.canSuspend('mlx.ctl.0')).toBe(false);
    expect(await bus.suspend('mlx.ctl.0')).toBe(false);
    expect(calls).toEqual(['probe mlx.eth.0']);
    await expect(bus.suspend('mlx.eth.7')).rejects.toMatchObject({ code: 'ENODEV' });
  });

  it('propagates suspend and resume failures as AuxError', async () => {
    const bus = await busWith(['mlx', 'eth', 0]);
    let failSuspend = true;
    const { drv } = recordingDriver('mlx5e', ['mlx.eth'], {
      suspend: () => {
        if (failSuspend) throw new Error('queue busy');
      },
      resume: () => {
        throw new AuxError('EIO', 'firmware gone');
      },
    });
    await bus.registerDriver(drv);
    await expect(bus.suspend('mlx.eth.0')).rejects.toMatchObject({ code: 'EIO' });
    expect(bus.find('mlx.eth.0')?.suspended).toBe(false);
    failSuspend = false;
    expect(await bus.suspend('mlx.eth.0')).toBe(true);
    await expect(bus.resume('mlx.eth.0')).rejects.toThrow('firmware gone');
    expect(bus.find('mlx.eth.0')?.suspended).toBe(true);
    // Unbinding clears the suspension.
    await bus.unbind('mlx.eth.0');
    expect(bus.find('mlx.eth.0')?.suspended).toBe(false);
  });

  it('gives a stale handle ENODEV on suspend after delete', async () => {
    const bus = await busWith(['mlx', 'eth', 0]);
    const adev = bus.find('mlx.eth.0')?.get();
    if (!adev) throw new Error('device missing');
    await bus.delete(adev);
    await expect(bus.suspend(adev)).rejects.toMatchObject({ code: 'ENODEV' });
    await expect(bus.resume(adev)).rejects.toMatchObject({ code: 'ENODEV' });
    expect(bus.canSuspend(adev)).toBe(false);
    adev.put();
  });

  it('shuts down every bound device, newest first, logging failures', async () => {
    const { log, lines } = captureLog();
    const bus = new AuxiliaryBus({ log });
    for (const id of [0, 1, 2]) await bus.add(bus.init({ modname: 'mlx', name: 'eth', id }));
    await bus.add(bus.init({ modname: 'mlx', name: 'ctl', id: 0 }));
    const order: string[] = [];
    const { drv } = recordingDriver('mlx5e', ['mlx.eth'], {
      shutdown: (adev) => {
        order.push(adev.devName);
        if (adev.id === 1) throw new Error('will not stop');
      },
    });
    await bus.registerDriver(drv);
    await bus.shutdown();
    expect(order).toEqual(['mlx.eth.2', 'mlx.eth.1', 'mlx.eth.0']);
    expect(bus.listDevices().map((d) => d.driver)).toEqual(['mlx5e', 'mlx5e', 'mlx5e', undefined]);
    expect(lines.find((l) => l.msg === 'shutdown failed')).toMatchObject({ device: 'mlx.eth.1' });
  });
});
