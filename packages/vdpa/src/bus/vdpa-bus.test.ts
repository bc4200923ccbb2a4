import { AuxError } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { VdpaSimNet } from '../test-support/vdpa-sim-net.js';
import { VdpaBus } from './vdpa-bus.js';
import type { VdpaDevice } from './vdpa-device.js';
import type { VdpaDriver } from './vdpa-driver.js';
import type { VdpaEvent } from './vdpa-events.js';

function simInit(opts: ConstructorParameters<typeof VdpaSimNet>[0] = {}, name?: string) {
  const sim = new VdpaSimNet(opts);
  return { config: sim.ops, dma: sim.dma, nvqs: sim.nvqs, ...(name ? { name } : {}) };
}

function recorder(name: string, calls: string[], probe?: (v: VdpaDevice) => void): VdpaDriver {
  return {
    name,
    probe(v) {
      calls.push(`${name} probe ${v.name}`);
      probe?.(v);
    },
    remove(v) {
      calls.push(`${name} remove ${v.name}`);
    },
  };
}

describe('vdpa bus devices', () => {
  it('names devices vdpaN from an index allocator unless named, and reuses freed indexes', async () => {
    const bus = new VdpaBus();
    const a = await bus.addDevice(simInit());
    const b = await bus.addDevice(simInit({}, 'foo'));
    const c = await bus.addDevice(simInit());
    expect([a.name, b.name, c.name]).toEqual(['vdpa0', 'foo', 'vdpa2']);
    await bus.removeDevice(a);
    expect((await bus.addDevice(simInit())).name).toBe('vdpa0');
  });

  it('refuses a duplicate name with EEXIST and a malformed device with EINVAL', async () => {
    const bus = new VdpaBus();
    await bus.addDevice(simInit({}, 'foo'));
    await expect(bus.addDevice(simInit({}, 'foo'))).rejects.toMatchObject({ code: 'EEXIST' });
    const bad = simInit();
    await expect(bus.addDevice({ ...bad, nvqs: 0 })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(bus.addDevice({ ...bad, name: 'a b' })).rejects.toMatchObject({ code: 'EINVAL' });
    const noUnmap = { map: bad.dma.map.bind(bad.dma) } as unknown as typeof bad.dma;
    await expect(bus.addDevice({ ...bad, dma: noUnmap })).rejects.toMatchObject({
      code: 'EINVAL',
    });
    expect(bus.listDevices().map((d) => d.name)).toEqual(['foo']);
  });

  it('frees the ops once and answers ENODEV through a device handle once it left the bus', async () => {
    const bus = new VdpaBus();
    const init = simInit();
    let freed = 0;
    const v = await bus.addDevice({
      ...init,
      config: { ...init.config, free: () => void freed++ },
    });
    await bus.removeDevice(v);
    expect(freed).toBe(1);
    expect(() => v.getStatus()).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    await expect(bus.removeDevice(v)).rejects.toMatchObject({ code: 'ENODEV' });
  });
});

describe('vdpa bus binding', () => {
  it('matches every device with every driver; the first registered that probes wins', async () => {
    const bus = new VdpaBus();
    const calls: string[] = [];
    await bus.registerDriver(recorder('first', calls));
    await bus.registerDriver(recorder('second', calls));
    const v = await bus.addDevice(simInit());
    expect(v.driverName).toBe('first');
    expect(calls).toEqual(['first probe vdpa0']);
  });

  it('lets the next driver try when probe declines with ENODEV', async () => {
    const bus = new VdpaBus();
    const calls: string[] = [];
    await bus.registerDriver(
      recorder('picky', calls, () => {
        throw new AuxError('ENODEV', 'not mine');
      }),
    );
    await bus.registerDriver(recorder('any', calls));
    const v = await bus.addDevice(simInit());
    expect(v.driverName).toBe('any');
    expect(calls).toEqual(['picky probe vdpa0', 'any probe vdpa0']);
  });

  it('binds only the overriding driver and refuses others', async () => {
    const bus = new VdpaBus();
    const calls: string[] = [];
    await bus.registerDriver(recorder('virtio_vdpa', calls));
    const v = await bus.addDevice(simInit());
    await bus.unbind(v.name);
    bus.setDriverOverride(v.name, 'vhost_vdpa');
    await expect(bus.bind(v.name, 'virtio_vdpa')).rejects.toMatchObject({ code: 'ENODEV' });
    await bus.registerDriver(recorder('vhost_vdpa', calls));
    expect(v.driverName).toBe('vhost_vdpa');
    expect(bus.listDevices()[0]).toMatchObject({
      driver: 'vhost_vdpa',
      driverOverride: 'vhost_vdpa',
    });
    expect(() => bus.setDriverOverride(v.name, 'no way')).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(() => bus.setDriverOverride('nope', undefined)).toThrow(
      expect.objectContaining({ code: 'ENODEV' }),
    );
  });

  it('refuses in probe a device whose vq num max is below its min', async () => {
    const bus = new VdpaBus();
    const calls: string[] = [];
    await bus.registerDriver(recorder('d', calls));
    const v = await bus.addDevice(simInit({ vqNumMin: 64, vqNumMax: 32 }));
    expect(v.driverName).toBeUndefined();
    expect(calls).toEqual([]);
    await expect(bus.bind(v.name, 'd')).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('bind / unbind report EBUSY, ENOENT and ENODEV and remove runs once', async () => {
    const bus = new VdpaBus();
    const calls: string[] = [];
    await bus.registerDriver(recorder('d', calls));
    const v = await bus.addDevice(simInit());
    await expect(bus.bind(v.name, 'd')).rejects.toMatchObject({ code: 'EBUSY' });
    await expect(bus.bind(v.name, 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    await bus.unbind(v.name);
    await expect(bus.unbind(v.name)).rejects.toMatchObject({ code: 'ENODEV' });
    await bus.bind(v.name, 'd');
    await bus.unregisterDriver('d');
    await expect(bus.unregisterDriver('d')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(calls).toEqual(['d probe vdpa0', 'd remove vdpa0', 'd probe vdpa0', 'd remove vdpa0']);
    await expect(bus.registerDriver({ name: 'bad' } as VdpaDriver)).rejects.toMatchObject({
      code: 'EINVAL',
    });
  });

  it('announces added, bind, unbind and removed', async () => {
    const bus = new VdpaBus();
    const events: VdpaEvent[] = [];
    bus.events.subscribe((e) => events.push(e));
    await bus.registerDriver(recorder('d', []));
    const v = await bus.addDevice(simInit());
    await bus.removeDevice(v);
    expect(events).toEqual([
      { type: 'added', device: 'vdpa0' },
      { type: 'bind', device: 'vdpa0', driver: 'd' },
      { type: 'unbind', device: 'vdpa0', driver: 'd' },
      { type: 'removed', device: 'vdpa0' },
    ]);
  });
});

describe('vdpa device helpers', () => {
  it('reset clears features_valid, setFeatures sets it, getConfig first negotiates none', async () => {
    const bus = new VdpaBus();
    const v = await bus.addDevice(simInit());
    expect(v.featuresValid).toBe(false);
    v.getConfig(0, 6);
    expect(v.featuresValid).toBe(true);
    expect(v.config.getDriverFeatures()).toBe(0n);
    v.setFeatures(1n << 32n);
    await v.reset();
    expect(v.featuresValid).toBe(false);
    expect(v.getStatus()).toBe(0);
  });
});
