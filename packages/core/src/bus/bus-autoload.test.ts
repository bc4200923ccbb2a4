import { AuxError } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { captureLog } from '../testing/capture-log.js';
import { AuxiliaryBus } from './auxiliary-bus.js';
import type { AuxiliaryDriver } from './auxiliary-driver.js';
import { type AuxDriverResolver, moduleResolver } from './module-resolver.js';
import { recordingDriver } from './test-support/recording-driver.js';

const fakeEthUrl = new URL('./test-support/fake-eth-driver.ts', import.meta.url).href;
const noDriverUrl = new URL('./test-support/module-without-driver.ts', import.meta.url).href;

describe('driver autoload', () => {
  it('asks the resolver for an unmatched device and binds what it returns', async () => {
    const asked: string[] = [];
    const eth = recordingDriver('mlx5e', ['mlx.eth']);
    const resolver: AuxDriverResolver = async (modalias) => {
      asked.push(modalias);
      return modalias === 'auxiliary:mlx.eth' ? eth.drv : undefined;
    };
    const bus = new AuxiliaryBus({ resolver });
    await bus.add(bus.init({ modname: 'mlx', name: 'eth', id: 0 }));
    await bus.add(bus.init({ modname: 'mlx', name: 'ctl', id: 0 }));
    // Now registered: a second eth device matches without asking again.
    await bus.add(bus.init({ modname: 'mlx', name: 'eth', id: 1 }));
    expect(asked).toEqual(['auxiliary:mlx.eth', 'auxiliary:mlx.ctl']);
    expect(eth.calls).toEqual(['probe mlx.eth.0', 'probe mlx.eth.1']);
    expect(bus.listDrivers()).toMatchObject([
      { name: 'mlx5e', autoloaded: true, devices: ['mlx.eth.0', 'mlx.eth.1'] },
    ]);
    expect(bus.find('mlx.ctl.0')?.driverName).toBeUndefined();
  });

  it('does not ask when a registered driver matches, even if its probe failed', async () => {
    const asked: string[] = [];
    const bus = new AuxiliaryBus({
      resolver: async (m) => {
        asked.push(m);
        return undefined;
      },
    });
    const { drv } = recordingDriver('mlx5e', ['mlx.eth'], {
      probe: () => {
        throw new AuxError('EIO', 'broken');
      },
    });
    await bus.registerDriver(drv);
    await bus.add(bus.init({ modname: 'mlx', name: 'eth', id: 0 }));
    expect(asked).toEqual([]);
  });

  it('shares one resolver call between devices added together', async () => {
    let calls = 0;
    let release!: () => void;
    const ready = new Promise<void>((r) => {
      release = r;
    });
    const eth = recordingDriver('mlx5e', ['mlx.eth']);
    const bus = new AuxiliaryBus({
      resolver: async () => {
        calls++;
        await ready;
        return eth.drv;
      },
    });
    const adds = [0, 1, 2].map((id) => bus.add(bus.init({ modname: 'mlx', name: 'eth', id })));
    release();
    await Promise.all(adds);
    await bus.settle();
    expect(calls).toBe(1);
    expect([...eth.calls].sort()).toEqual([
      'probe mlx.eth.0',
      'probe mlx.eth.1',
      'probe mlx.eth.2',
    ]);
    expect(bus.listDevices().every((d) => d.driver === 'mlx5e')).toBe(true);
  });

  it('logs resolver failures and bad drivers instead of failing add', async () => {
    const { log, lines } = captureLog();
    const ok = recordingDriver('mlx5_ib', ['mlx.rdma']);
    const taken = recordingDriver('taken', ['mlx.other']);
    const resolver: AuxDriverResolver = async (modalias) => {
      if (modalias === 'auxiliary:mlx.eth') throw new Error('registry down');
      if (modalias === 'auxiliary:mlx.ctl') return { name: 'broken' } as unknown as AuxiliaryDriver;
      return [{ ...taken.drv }, ok.drv]; // a second 'taken' (EEXIST) and a good one
    };
    const bus = new AuxiliaryBus({ log, resolver });
    await bus.registerDriver(taken.drv);
    await bus.add(bus.init({ modname: 'mlx', name: 'eth', id: 0 }));
    await bus.add(bus.init({ modname: 'mlx', name: 'ctl', id: 0 }));
    await bus.add(bus.init({ modname: 'mlx', name: 'rdma', id: 0 }));
    expect(bus.listDevices().map((d) => [d.device, d.state, d.driver])).toEqual([
      ['mlx.eth.0', 'added', undefined],
      ['mlx.ctl.0', 'added', undefined],
      ['mlx.rdma.0', 'added', 'mlx5_ib'],
    ]);
    expect(lines.find((l) => l.msg === 'driver autoload failed')).toMatchObject({
      modalias: 'auxiliary:mlx.eth',
    });
    const refused = lines.filter((l) => l.msg === 'autoloaded driver refused');
    expect(refused.map((l) => (l.err as { code?: string }).code)).toEqual(['EINVAL', 'EEXIST']);
  });

  it('imports a real driver module through moduleResolver', async () => {
    const resolver = moduleResolver({ 'auxiliary:fake_core.eth': fakeEthUrl });
    const bus = new AuxiliaryBus({ resolver });
    await bus.add(bus.init({ modname: 'fake_core', name: 'eth', id: 5 }));
    expect(bus.find('fake_core.eth.5')?.driverName).toBe('fake_eth.eth');
    const mod = (await import(fakeEthUrl)) as { probed: string[] };
    expect(mod.probed).toContain('fake_core.eth.5:from-module');
    expect(await resolver('auxiliary:fake_core.rdma')).toBeUndefined();
  });

  it('makes moduleResolver report bad modules with ENOENT and bad tables with EINVAL', async () => {
    const resolver = moduleResolver(
      new Map([
        ['auxiliary:x.none', noDriverUrl],
        ['auxiliary:x.missing', new URL('./test-support/no-such-file.ts', import.meta.url).href],
      ]),
    );
    await expect(resolver('auxiliary:x.none')).rejects.toMatchObject({
      code: 'ENOENT',
      message: expect.stringContaining("no 'auxiliaryDriver' export"),
    });
    await expect(resolver('auxiliary:x.missing')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(() => moduleResolver({ 'mlx.eth': 'pkg' })).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(() => moduleResolver({ 'auxiliary:mlx.eth': '' })).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );

    // Through the bus the failure is only logged.
    const { log, lines } = captureLog();
    const bus = new AuxiliaryBus({ log, resolver });
    await bus.add(bus.init({ modname: 'x', name: 'none', id: 0 }));
    expect(bus.find('x.none.0')?.state).toBe('added');
    expect(lines.some((l) => l.msg === 'driver autoload failed')).toBe(true);
  });

  it('uses an injected importer and can be switched off', async () => {
    const eth = recordingDriver('mlx5e', ['mlx.eth']);
    const imported: string[] = [];
    const resolver = moduleResolver({ 'auxiliary:mlx.eth': '@auxctl/net-aux' }, async (s) => {
      imported.push(s);
      return { auxiliaryDriver: [eth.drv] };
    });
    const bus = new AuxiliaryBus();
    await bus.add(bus.init({ modname: 'mlx', name: 'eth', id: 0 }));
    expect(imported).toEqual([]);
    bus.setResolver(resolver);
    await bus.add(bus.init({ modname: 'mlx', name: 'eth', id: 1 }));
    await bus.settle();
    expect(imported).toEqual(['@auxctl/net-aux']);
    // The autoloaded driver also picks up the device added before the resolver existed.
    expect(bus.listDevices().map((d) => d.driver)).toEqual(['mlx5e', 'mlx5e']);
  });
});
