import { AuxError, featureBit, VirtioF, VirtioNetF, VirtioStatus } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { VdpaBus } from '../bus/vdpa-bus.js';
import type { VdpaEvent } from '../bus/vdpa-events.js';
import { registerSimNetMgmtDev } from '../test-support/sim-net-mgmtdev.js';
import { SIM_NET_FEATURES, VdpaSimNet } from '../test-support/vdpa-sim-net.js';
import { attrBit, VdpaAttr } from './vdpa-attrs.js';

function setup() {
  const bus = new VdpaBus();
  const sim = registerSimNetMgmtDev(bus);
  return { bus, sim };
}

describe('management devices', () => {
  it('shows mgmtdevs with handle, classes, max vqs and features', () => {
    const { bus } = setup();
    registerSimNetMgmtDev(bus, { busName: 'auxiliary', devName: 'mlx5_core.sf.1' });
    const shown = bus.mgmt.showMgmtDev();
    expect(shown.map((m) => m.handle)).toEqual(['vdpasim_net', 'auxiliary/mlx5_core.sf.1']);
    expect(shown[0]).toMatchObject({
      supportedClasses: [1],
      supportedClassesMask: 2n,
      maxSupportedVqs: 17,
      supportedFeatures: SIM_NET_FEATURES,
      devices: [],
    });
    expect(bus.mgmt.showMgmtDev('auxiliary/mlx5_core.sf.1')).toHaveLength(1);
    expect(() => bus.mgmt.showMgmtDev('pci/0000:08:00.2')).toThrow(
      expect.objectContaining({ code: 'ENODEV' }),
    );
  });

  it('refuses a second mgmtdev with the same handle (EEXIST) and a malformed one (EINVAL)', () => {
    const { bus } = setup();
    expect(() => registerSimNetMgmtDev(bus)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(() => registerSimNetMgmtDev(bus, { devName: 'a/b' })).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(() => registerSimNetMgmtDev(bus, { devName: 'x', maxSupportedVqs: 0 })).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
  });

  it('dev add makes a named device owned by the mgmtdev, with the provisioned config', async () => {
    const { bus, sim } = setup();
    const events: VdpaEvent[] = [];
    bus.events.subscribe((e) => events.push(e));
    const v = await bus.mgmt.devAdd({
      name: 'foo',
      mgmtdev: 'vdpasim_net',
      mac: '00:11:22:33:44:55',
      mtu: 9000,
      max_vqp: 2,
    });
    expect(v.mgmtdev).toBe('vdpasim_net');
    expect(bus.listDevices()).toEqual([
      expect.objectContaining({ name: 'foo', mgmtdev: 'vdpasim_net', maxVqs: 5, deviceId: 1 }),
    ]);
    expect(sim.devices.get('foo')?.mtu).toBe(9000);
    expect(bus.mgmt.showMgmtDev('vdpasim_net')[0]?.devices).toEqual(['foo']);
    expect(events).toContainEqual({ type: 'added', device: 'foo', mgmtdev: 'vdpasim_net' });
  });

  it('refuses each bad dev add with its errno and leaves nothing behind', async () => {
    const { bus } = setup();
    bus.mgmt.register({
      devName: 'narrow',
      idTable: [1],
      configAttrMask: attrBit(VdpaAttr.DEV_NET_CFG_MACADDR),
      supportedFeatures: 0n,
      maxSupportedVqs: 3,
      ops: {
        devAdd: () => Promise.reject(new AuxError('EIO', 'never reached')),
        devDel: () => {},
      },
    });
    await bus.mgmt.devAdd({ name: 'taken', mgmtdev: 'vdpasim_net' });
    const cases: [unknown, string][] = [
      [{ mgmtdev: 'vdpasim_net' }, 'EINVAL'],
      [{ name: 'a', mgmtdev: 'vdpasim_net', mtu: 67 }, 'EINVAL'],
      [{ name: 'a', mgmtdev: 'vdpasim_net', max_vqp: 0 }, 'EINVAL'],
      [{ name: 'a', mgmtdev: 'vdpasim_net', mac: '01:02:03:04:05:06' }, 'EINVAL'],
      [{ name: 'a', mgmtdev: 'vdpasim_net', device_features: '0xzz' }, 'EINVAL'],
      [{ name: 'a', mgmtdev: 'pci/0000:08:00.2' }, 'ENODEV'],
      [{ name: 'a', mgmtdev: 'narrow', mtu: 1500 }, 'EOPNOTSUPP'],
      [{ name: 'taken', mgmtdev: 'vdpasim_net' }, 'EEXIST'],
      // The software mgmtdev's own dev_add checks.
      [{ name: 'a', mgmtdev: 'vdpasim_net', device_features: '0x1' }, 'EINVAL'],
      [{ name: 'a', mgmtdev: 'vdpasim_net', max_vqp: 9 }, 'EINVAL'],
    ];
    for (const [req, errno] of cases) {
      await expect(bus.mgmt.devAdd(req), JSON.stringify(req)).rejects.toMatchObject({
        code: errno,
      });
    }
    await expect(bus.mgmt.devAdd({ name: 'a', mgmtdev: 'narrow', mtu: 1500 })).rejects.toThrow(
      'All provided attributes are not supported',
    );
    expect(bus.listDevices().map((d) => d.name)).toEqual(['taken']);
  });

  it('lets a mgmtdev express mlx5-style checks: one device per mgmtdev (ENOSPC), and undoes a failed add', async () => {
    const bus = new VdpaBus();
    const vdpaFeatures = featureBit(VirtioF.VERSION_1) | featureBit(VirtioF.ACCESS_PLATFORM);
    let sim: VdpaSimNet | undefined;
    bus.mgmt.register({
      busName: 'auxiliary',
      devName: 'mlx5_core.sf.1',
      idTable: [1],
      configAttrMask: attrBit(VdpaAttr.DEV_FEATURES) | attrBit(VdpaAttr.DEV_NET_CFG_MAX_VQP),
      supportedFeatures: vdpaFeatures,
      maxSupportedVqs: 5,
      ops: {
        async devAdd({ mgmtdev, config, register }) {
          if (mgmtdev.devices.size > 0) throw new AuxError('ENOSPC', 'one device per mgmtdev');
          const f = config.deviceFeatures ?? vdpaFeatures;
          if ((f & vdpaFeatures) !== vdpaFeatures) {
            throw new AuxError('EOPNOTSUPP', 'VERSION_1 and ACCESS_PLATFORM are required');
          }
          if ((config.maxVqPairs ?? 1) > 2) throw new AuxError('EINVAL', 'too many pairs');
          sim = new VdpaSimNet();
          const vdev = await register({ config: sim.ops, dma: sim.dma, nvqs: sim.nvqs });
          if (config.maxVqPairs === 2) throw new AuxError('EIO', 'failed after register');
          return vdev;
        },
        devDel: () => {},
      },
    });
    const m = 'auxiliary/mlx5_core.sf.1';
    const add = (extra: object) => bus.mgmt.devAdd({ name: 'v', mgmtdev: m, ...extra });
    await expect(add({ device_features: '0x100000000' })).rejects.toMatchObject({
      code: 'EOPNOTSUPP',
    });
    await expect(add({ max_vqp: 3 })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(add({ max_vqp: 2 })).rejects.toMatchObject({ code: 'EIO' });
    expect(bus.find('v')).toBeUndefined();
    await add({});
    await expect(bus.mgmt.devAdd({ name: 'w', mgmtdev: m })).rejects.toMatchObject({
      code: 'ENOSPC',
    });
  });

  it('dev del deletes only mgmt-created devices (EINVAL otherwise, ENODEV when unknown)', async () => {
    const { bus, sim } = setup();
    await bus.mgmt.devAdd({ name: 'foo', mgmtdev: 'vdpasim_net' });
    const own = new VdpaSimNet();
    await bus.addDevice({ name: 'self', config: own.ops, dma: own.dma, nvqs: own.nvqs });
    await expect(bus.mgmt.devDel('self')).rejects.toThrow(
      'Only user created device can be deleted by user',
    );
    await expect(bus.mgmt.devDel('nope')).rejects.toMatchObject({ code: 'ENODEV' });
    await bus.mgmt.devDel('foo');
    expect(bus.find('foo')).toBeUndefined();
    expect(sim.devices.size).toBe(0);
  });

  it('unregistering a mgmtdev deletes its devices; unknown handles are ENOENT', async () => {
    const { bus } = setup();
    await bus.mgmt.devAdd({ name: 'a', mgmtdev: 'vdpasim_net' });
    await bus.mgmt.devAdd({ name: 'b', mgmtdev: 'vdpasim_net' });
    const removed: string[] = [];
    bus.events.subscribe((e) => e.type === 'removed' && removed.push(e.device));
    await bus.mgmt.unregister('vdpasim_net');
    expect(removed).toEqual(['b', 'a']);
    expect(bus.listDevices()).toEqual([]);
    await expect(bus.mgmt.unregister('vdpasim_net')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('dev config show', () => {
  async function negotiated(features: bigint, extra: object = {}) {
    const { bus } = setup();
    const v = await bus.mgmt.devAdd({
      name: 'foo',
      mgmtdev: 'vdpasim_net',
      mac: '00:11:22:33:44:55',
      max_vqp: 4,
      ...extra,
    });
    return { bus, v, features };
  }

  it('is EAGAIN until FEATURES_OK, then shows mac, link, mtu and features', async () => {
    const f = featureBit(VirtioF.VERSION_1) | featureBit(VirtioF.ACCESS_PLATFORM);
    const { bus, v } = await negotiated(f);
    await expect(async () => bus.mgmt.devConfig('foo')).rejects.toThrow(
      'Features negotiation not completed',
    );
    expect(() => bus.mgmt.devConfig('foo')).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
    await v.setStatus(VirtioStatus.ACKNOWLEDGE | VirtioStatus.DRIVER);
    v.setFeatures(f);
    await v.setStatus(VirtioStatus.ACKNOWLEDGE | VirtioStatus.DRIVER | VirtioStatus.FEATURES_OK);
    expect(bus.mgmt.devConfig('foo')).toEqual({
      name: 'foo',
      mac: '00:11:22:33:44:55',
      status: 1,
      linkUp: true,
      mtu: 1500,
      negotiatedFeatures: f,
    });
    expect(() => bus.mgmt.devConfig('bar')).toThrow(expect.objectContaining({ code: 'ENODEV' }));
  });

  it('shows max_vqp only when MQ was negotiated', async () => {
    const f =
      featureBit(VirtioF.VERSION_1) |
      featureBit(VirtioF.ACCESS_PLATFORM) |
      featureBit(VirtioNetF.CTRL_VQ) |
      featureBit(VirtioNetF.MQ);
    const { bus, v } = await negotiated(f);
    v.setFeatures(f);
    await v.setStatus(VirtioStatus.ACKNOWLEDGE | VirtioStatus.DRIVER | VirtioStatus.FEATURES_OK);
    expect(bus.mgmt.devConfig('foo').maxVqPairs).toBe(4);
  });
});
