import { isAuxError } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { AuxiliaryBus } from './auxiliary-bus.js';
import type { AuxiliaryDevice } from './auxiliary-device.js';
import type { AuxiliaryDriver } from './auxiliary-driver.js';
import { recordingDriver } from './test-support/recording-driver.js';

/**
 * sfDriver: binds `mlx.sf` devices like an SF driver: its probe brings up a
 * nested function that publishes `eth` with the same id below the SF, and
 * its remove deletes what it published.
 */
function sfDriver(bus: AuxiliaryBus, log: string[]): AuxiliaryDriver {
  return {
    name: 'mlx5_sf',
    idTable: [{ name: 'mlx.sf' }],
    async probe(sf) {
      log.push(`sf probe ${sf.devName}`);
      const eth = bus.init({ modname: 'mlx', name: 'eth', id: sf.id, parent: sf });
      try {
        await bus.add(eth);
      } catch (e) {
        bus.uninit(eth);
        throw e;
      }
      sf.drvdata = eth;
      log.push(`sf probed ${sf.devName} (eth bound to ${eth.driverName})`);
    },
    async remove(sf) {
      const eth = sf.drvdata as AuxiliaryDevice;
      await bus.delete(eth);
      bus.uninit(eth);
      log.push(`sf removed ${sf.devName}`);
    },
  };
}

describe('nested devices', () => {
  it('lets a probe add a device that is probed before the outer probe returns', async () => {
    const bus = new AuxiliaryBus();
    const log: string[] = [];
    const eth = recordingDriver('mlx5e', ['mlx.eth'], {
      probe: (adev) => {
        log.push(`eth probe ${adev.devName} under ${adev.parent}`);
      },
    });
    await bus.registerDriver(eth.drv);
    await bus.registerDriver(sfDriver(bus, log));
    const sf = bus.init({ modname: 'mlx', name: 'sf', id: 3 });
    await bus.add(sf);
    expect(log).toEqual([
      'sf probe mlx.sf.3',
      'eth probe mlx.eth.3 under mlx.sf.3',
      'sf probed mlx.sf.3 (eth bound to mlx5e)',
    ]);
    expect(bus.listDevices().map((d) => [d.device, d.driver, d.parent])).toEqual([
      ['mlx.sf.3', 'mlx5_sf', undefined],
      ['mlx.eth.3', 'mlx5e', 'mlx.sf.3'],
    ]);

    // Deleting the SF removes the nested device from inside remove.
    await bus.delete(sf);
    bus.uninit(sf);
    expect(eth.calls).toEqual(['probe mlx.eth.3', 'remove mlx.eth.3']);
    expect(log.at(-1)).toBe('sf removed mlx.sf.3');
    expect(bus.listDevices({ all: true })).toEqual([]);
  });

  it('nests three levels deep with autoloaded drivers', async () => {
    const log: string[] = [];
    const bus: AuxiliaryBus = new AuxiliaryBus({
      resolver: async (modalias) => {
        log.push(`load ${modalias}`);
        if (modalias === 'auxiliary:mlx.sf') return sfDriver(bus, log);
        if (modalias === 'auxiliary:mlx.eth') {
          return {
            name: 'mlx5e',
            idTable: [{ name: 'mlx.eth' }],
            async probe(adev) {
              // Each netdev publishes a representor below itself.
              const rep = bus.init({ modname: 'mlx', name: 'rep', id: adev.id, parent: adev });
              await bus.add(rep);
              adev.drvdata = rep;
            },
          };
        }
        return undefined;
      },
    });
    await bus.add(bus.init({ modname: 'mlx', name: 'sf', id: 1 }));
    await bus.settle();
    expect(bus.listDevices().map((d) => [d.device, d.driver, d.parent])).toEqual([
      ['mlx.sf.1', 'mlx5_sf', undefined],
      ['mlx.eth.1', 'mlx5e', 'mlx.sf.1'],
      ['mlx.rep.1', undefined, 'mlx.eth.1'],
    ]);
    expect(log.filter((l) => l.startsWith('load'))).toEqual([
      'load auxiliary:mlx.sf',
      'load auxiliary:mlx.eth',
      'load auxiliary:mlx.rep',
    ]);
  });

  it('does not serialize different devices: one slow probe never blocks another', async () => {
    const bus = new AuxiliaryBus();
    let openSlow!: () => void;
    const slowGate = new Promise<void>((r) => {
      openSlow = r;
    });
    const order: string[] = [];
    await bus.registerDriver({
      name: 'mlx5e',
      idTable: [{ name: 'mlx.eth' }],
      async probe(adev) {
        order.push(`start ${adev.id}`);
        if (adev.id === 0) await slowGate;
        order.push(`end ${adev.id}`);
      },
    });
    const slow = bus.add(bus.init({ modname: 'mlx', name: 'eth', id: 0 }));
    await bus.add(bus.init({ modname: 'mlx', name: 'eth', id: 1 }));
    expect(order).toEqual(['start 0', 'start 1', 'end 1']);
    openSlow();
    await slow;
    expect(order).toEqual(['start 0', 'start 1', 'end 1', 'end 0']);
  });

  it('lets a probe register a driver that matches other devices', async () => {
    const bus = new AuxiliaryBus();
    await bus.add(bus.init({ modname: 'mlx', name: 'ctl', id: 0 }));
    const ctl = recordingDriver('mlx5ctl', ['mlx.ctl', 'mlx.eth']);
    await bus.registerDriver({
      name: 'mlx5e',
      idTable: [{ name: 'mlx.eth' }],
      async probe() {
        await bus.registerDriver(ctl.drv);
      },
    });
    await bus.add(bus.init({ modname: 'mlx', name: 'eth', id: 0 }));
    expect(bus.listDevices().map((d) => d.driver)).toEqual(['mlx5ctl', 'mlx5e']);
    expect(ctl.calls).toEqual(['probe mlx.ctl.0']);
  });

  it('refuses, instead of hanging, a callback operating on its own device', async () => {
    const bus = new AuxiliaryBus();
    const codes: string[] = [];
    const attempt = async (op: Promise<unknown>) => {
      const err = await op.catch((e: unknown) => e);
      codes.push(isAuxError(err) ? err.code : String(err));
    };
    const drv: AuxiliaryDriver = {
      name: 'selfish',
      idTable: [{ name: 'mlx.eth' }],
      async probe(adev) {
        await attempt(bus.delete(adev));
        await attempt(bus.unbind(adev.devName));
        await attempt(bus.bind(adev.devName, 'selfish'));
        await attempt(bus.suspend(adev));
        await attempt(bus.unregisterDriver('selfish'));
      },
    };
    await bus.registerDriver(drv);
    await bus.add(bus.init({ modname: 'mlx', name: 'eth', id: 0 }));
    expect(codes).toEqual(['EBUSY', 'EBUSY', 'EBUSY', 'EBUSY', 'EBUSY']);
    // Nothing was half done: the probe completed and the device is bound.
    expect(bus.find('mlx.eth.0')?.driverName).toBe('selfish');
    expect(bus.listDrivers().map((d) => d.devices)).toEqual([['mlx.eth.0']]);
    // After the callback returned, the same operations work.
    await bus.unregisterDriver('selfish');
    expect(bus.find('mlx.eth.0')?.driverName).toBeUndefined();
  });
});
