import { featureBit, VirtioF, VirtioNetF } from '@auxctl/prm';
import { afterEach, describe, expect, it } from 'vitest';
import { flush, type VnetRig, vnetRig } from './test-support/vnet-rig.js';
import { VNET_ATTRS } from './vnet-mgmtdev.js';

let rig: VnetRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('mlx5_vdpa management devices', () => {
  it('registers one per SF (named after the SF), none for the PF', async () => {
    rig = await vnetRig();
    expect(rig.pf.auxDevices().map((d) => d.devName)).not.toContainEqual(
      expect.stringContaining('.vnet.'),
    );
    expect(rig.vdpa.mgmt.showMgmtDev()).toEqual([]);
    const sf = await rig.sf(1);
    const [m, ...more] = rig.vdpa.mgmt.showMgmtDev();
    expect(more).toEqual([]);
    expect(m).toMatchObject({
      handle: sf.mgmtdev,
      busName: 'auxiliary',
      devName: sf.core.name,
      supportedClasses: [1],
      configAttrMask: VNET_ATTRS,
      maxSupportedVqs: sf.handle.virtioCaps!.max_num_virtio_queues + 1,
      devices: [],
    });
    for (const f of [
      VirtioF.VERSION_1,
      VirtioF.ACCESS_PLATFORM,
      VirtioNetF.CTRL_VQ,
      VirtioNetF.MQ,
      VirtioNetF.MAC,
      VirtioNetF.MTU,
    ]) {
      expect(m!.supportedFeatures & featureBit(f)).not.toBe(0n);
    }
    await rig.pf.portFunctions.delete(sf.port);
    expect(rig.vdpa.mgmt.showMgmtDev()).toEqual([]);
  });

  it('refuses a second device, foreign or missing features and too many pairs; a refusal leaves nothing', async () => {
    rig = await vnetRig();
    const sf = await rig.sf(2);
    const before = sf.objects();
    const mappings = rig.sim.dma.mappings;
    const base = featureBit(VirtioF.VERSION_1) | featureBit(VirtioF.ACCESS_PLATFORM);
    const refused: [Record<string, unknown>, string][] = [
      [{ device_features: base | featureBit(VirtioNetF.GUEST_TSO4) }, 'EINVAL'],
      [{ device_features: featureBit(VirtioF.ACCESS_PLATFORM) }, 'EOPNOTSUPP'],
      [{ device_features: featureBit(VirtioF.VERSION_1) }, 'EOPNOTSUPP'],
      [{ max_vqp: sf.handle.virtioCaps!.max_num_virtio_queues / 2 + 1 }, 'EINVAL'],
    ];
    for (const [attrs, errno] of refused) {
      await expect(
        rig.vdpa.mgmt.devAdd({ name: 'v', mgmtdev: sf.mgmtdev, ...attrs }),
      ).rejects.toMatchObject({ code: errno });
    }
    expect(sf.objects()).toEqual(before);
    expect(rig.sim.dma.mappings).toBe(mappings);
    expect(rig.vdpa.listDevices()).toEqual([]);

    // Two adds at once: one device, the other ENOSPC.
    const both = await Promise.allSettled([
      rig.vdpa.mgmt.devAdd({ name: 'v1', mgmtdev: sf.mgmtdev, device_features: base }),
      rig.vdpa.mgmt.devAdd({ name: 'v3', mgmtdev: sf.mgmtdev }),
    ]);
    expect(both.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((both[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'ENOSPC' });
    await expect(rig.vdpa.mgmt.devAdd({ name: 'v2', mgmtdev: sf.mgmtdev })).rejects.toMatchObject({
      code: 'ENOSPC',
    });
    expect(rig.vdpa.listDevices().map((d) => d.name)).toEqual(['v1']);
    await flush();
    // Provisioned features bound what the driver may negotiate.
    expect(rig.nets.require('v1').features).toBe(base);
  });

  it('uses the vport MAC when none is given, programs a given one, and gives the vport its MAC back on delete', async () => {
    rig = await vnetRig();
    const sf = await rig.sf(4, '02:00:00:00:00:44');
    await rig.vdpa.mgmt.devAdd({ name: 'a', mgmtdev: sf.mgmtdev });
    await flush();
    expect(rig.nets.require('a').mac.toString('hex')).toBe('020000000044');
    await rig.vdpa.mgmt.devDel('a');
    await rig.vdpa.mgmt.devAdd({ name: 'b', mgmtdev: sf.mgmtdev, mac: '02:00:00:00:00:99' });
    await flush();
    expect(rig.nets.require('b').mac.toString('hex')).toBe('020000000099');
    expect(rig.vdpa.mgmt.devConfig('b')).toMatchObject({ mac: '02:00:00:00:00:99', mtu: 1500 });
    await rig.vdpa.mgmt.devDel('b');
    const vport = rig.sim.engine.subFunctions?.list()[0]?.firmware?.datapath.vport;
    expect(vport?.mac.toString('hex')).toBe('020000000044');
  });
});
