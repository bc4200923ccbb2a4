import { silentLogger } from '@auxctl/core';
import { VdpaQueueState } from '@auxctl/proto';
import { registerSimNetMgmtDev } from '@auxctl/vdpa/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { VdpaDeviceChange } from '../device-source.js';
import { SimVdpa } from './sim-vdpa.js';

// The simulated source's vdpa side in wire terms, with the vdpa package's
// software device standing in for a vendor driver's management device.

const SF = 'mlx5_core.sf.9';
let off: (() => void) | undefined;
afterEach(() => off?.());

describe('SimVdpa', () => {
  it('maps a management device, a device virtio_vdpa brought up, a queue and the events to the wire', async () => {
    const v = await SimVdpa.create(silentLogger);
    const sim = registerSimNetMgmtDev(v.bus, { busName: 'auxiliary', devName: SF });
    const f = v.functionOf(SF);
    const other = v.functionOf('mlx5_core.sf.8');
    const changes: VdpaDeviceChange[] = [];
    off = f.subscribe((c) => changes.push(c));

    const m = f.mgmtdev();
    expect(m).toMatchObject({ name: `auxiliary/${SF}`, device: SF, supportedClasses: ['net'] });
    expect(m?.supportedFeatures).toEqual(expect.arrayContaining([32, 33]));
    expect(m?.configAttrs).toContain('mac');
    expect(other.mgmtdev()).toBeUndefined();

    const d = await f.add({ name: 'vd0', mgmtdev: `auxiliary/${SF}`, mac: '02:00:00:00:00:09' });
    expect(d).toMatchObject({ name: 'vd0', device: SF, driver: 'virtio_vdpa', status: 0x0f });
    expect(d.config?.mac).toBe('02:00:00:00:00:09');
    expect(d.config?.linkUp).toBe(true);
    expect(f.devices().map((x) => x.name)).toEqual(['vd0']);
    expect(other.devices()).toEqual([]);

    const q = await f.queue('vd0', 0);
    expect(q).toMatchObject({
      queueIndex: 0,
      queueType: 'rx',
      state: VdpaQueueState.VDPA_QUEUE_STATE_READY,
    });
    expect((await f.queue('vd0', 1)).queueType).toBe('tx');
    expect((await f.queue('vd0', 2)).queueType).toBe('cvq');
    await expect(f.queue('vd0', 99)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(f.queue('nope', 0)).rejects.toMatchObject({ code: 'ENOENT' });

    sim.devices.get('vd0')?.injectNeedsReset();
    expect(((f.devices()[0]?.status ?? 0) & 0x40) !== 0).toBe(true); // NEEDS_RESET

    await f.del('vd0');
    expect(f.devices()).toEqual([]);
    expect(changes).toEqual([
      { name: 'vd0', mgmtdev: `auxiliary/${SF}`, kind: 'added' },
      { name: 'vd0', mgmtdev: `auxiliary/${SF}`, kind: 'needs-reset' },
      { name: 'vd0', mgmtdev: `auxiliary/${SF}`, kind: 'removed' },
    ]);
  });
});
