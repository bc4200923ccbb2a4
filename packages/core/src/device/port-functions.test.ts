import { isAuxError } from '@auxctl/prm';
import { afterEach, describe, expect, it } from 'vitest';
import { nop } from './firmware-commands.js';
import { isSfPort } from './port-functions.js';
import { type SfRig, sfRig } from './test-support/sf-rig.js';

let rig: SfRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const code = (c: string) => (e: unknown) => isAuxError(e) && e.code === c;
const devices = (r: SfRig) => r.bus.listDevices().map((d) => d.device);

describe('port functions: lifecycle', () => {
  it('goes inactive -> attached -> inactive -> deleted, publishing and tearing down in order', async () => {
    rig = await sfRig();
    const pf = rig.core.portFunctions;
    const port = await pf.add({ pfnum: 0, sfnum: 88 });
    expect(port).toMatchObject({
      pfnum: 0,
      sfnum: 88,
      state: 'inactive',
      hwAddr: '00:00:00:00:00:00',
    });
    expect(port.index).toBe(port.functionId);
    expect(rig.sim.engine.subFunctions.get(port.functionId)?.state).toBe('allocated');

    await pf.set(port.index, { hwAddr: '02:00:00:00:00:58', maxUctx: 4 });
    const up = await pf.activate(port.index);
    expect(up.state).toBe('attached');
    expect(up.auxDevice).toBe('mlx5_core.sf.0');
    const nested = up.nestedCore!;
    expect(nested.name).toBe('mlx5_core.sf.0');
    expect(nested.id).toBe(1);
    expect(nested.state).toBe('up');
    expect(devices(rig)).toEqual([
      'mlx5_core.eth.0',
      'mlx5_core.rdma.0',
      'mlx5_core.ctl.0',
      'mlx5_core.sf.0',
      'mlx5_core.eth.1',
      'mlx5_core.rdma.1',
      'mlx5_core.ctl.1',
      // vdpa on the SF only: never on a PF.
      'mlx5_core.vnet.1',
    ]);
    // The same stand-in driver binds the SF's aux devices as the PF's.
    expect(rig.calls.slice(3)).toEqual([
      'probe mlx5_core.eth.1',
      'probe mlx5_core.rdma.1',
      'probe mlx5_core.ctl.1',
    ]);
    // The nested core drives its own function through its own queue.
    await nop(nested.queue);
    expect(nested.caps.vhca_id).toBe(port.functionId);
    expect(rig.sim.engine.subFunctions.get(port.functionId)?.state).toBe('enabled');

    const down = await pf.deactivate(port.index);
    expect(down.state).toBe('inactive');
    expect(down.nestedCore).toBeUndefined();
    expect(nested.state).toBe('closed');
    expect(rig.calls.slice(6)).toEqual([
      'remove mlx5_core.ctl.1',
      'remove mlx5_core.rdma.1',
      'remove mlx5_core.eth.1',
    ]);
    expect(devices(rig)).toEqual(['mlx5_core.eth.0', 'mlx5_core.rdma.0', 'mlx5_core.ctl.0']);
    expect(rig.sim.engine.subFunctions.get(port.functionId)?.state).toBe('allocated');

    await pf.delete(port.index);
    expect(pf.list()).toEqual([]);
    expect(rig.sim.engine.subFunctions.list()).toEqual([]);
    const states = rig.events.flatMap((e) => (e.type === 'port-function' ? [e.state] : []));
    expect(states).toEqual(['inactive', 'attached', 'inactive', 'deleted']);
  });

  it('refuses every illegal transition with its errno, changing nothing', async () => {
    rig = await sfRig({ sim: { maxSfs: 2 } });
    const pf = rig.core.portFunctions;
    expect(pf.maxFunctions).toBe(2);
    const a = await pf.add({ pfnum: 0, sfnum: 1 });
    await expect(pf.add({ pfnum: 0, sfnum: 1 })).rejects.toSatisfy(code('EEXIST'));
    await expect(pf.add({ pfnum: 1, sfnum: 2 })).rejects.toSatisfy(code('EINVAL'));
    await expect(pf.add({ pfnum: 0, sfnum: -1 })).rejects.toSatisfy(code('EINVAL'));
    await pf.add({ pfnum: 0, sfnum: 2 });
    await expect(pf.add({ pfnum: 0, sfnum: 3 })).rejects.toSatisfy(code('ENOSPC'));
    await expect(pf.deactivate(a)).rejects.toSatisfy(code('EINVAL'));
    await expect(pf.set(a, { hwAddr: '01:00:5e:00:00:01' })).rejects.toSatisfy(code('EINVAL'));
    await expect(pf.set(a, {})).rejects.toSatisfy(code('EINVAL'));
    await pf.activate(a);
    await expect(pf.activate(a)).rejects.toSatisfy(code('EBUSY'));
    await expect(pf.set(a, { roce: false })).rejects.toSatisfy(code('EBUSY'));
    await expect(pf.activate(12345)).rejects.toSatisfy(code('ENOENT'));
    await expect(rig.core.reload()).rejects.toSatisfy(code('EBUSY'));
    expect(pf.list().map((p) => isSfPort(p) && [p.sfnum, p.state])).toEqual([
      [1, 'attached'],
      [2, 'inactive'],
    ]);
    // delete deactivates first; a deleted port is gone for every call.
    await pf.delete(a);
    await expect(pf.delete(a)).rejects.toSatisfy(code('ENOENT'));
    await expect(rig.core.reload()).rejects.toSatisfy(code('EBUSY'));
    await pf.delete(pf.list()[0]!);
    await rig.core.reload();
    expect(rig.core.state).toBe('up');
  });

  it('needs SF support and an up PF', async () => {
    rig = await sfRig({ sim: { maxSfs: 0 } });
    expect(rig.core.caps.sf).toBe(0);
    await expect(rig.core.portFunctions.add({ pfnum: 0, sfnum: 1 })).rejects.toSatisfy(
      code('EOPNOTSUPP'),
    );
    await rig.close();
    await expect(rig.core.portFunctions.add({ pfnum: 0, sfnum: 1 })).rejects.toSatisfy(
      code('ENODEV'),
    );
  });

  it('stays active (published, unbound) when no SF driver is registered', async () => {
    rig = await sfRig({ sfDriver: false });
    const pf = rig.core.portFunctions;
    const p = await pf.activate(await pf.add({ pfnum: 0, sfnum: 7 }));
    expect(p.state).toBe('active');
    expect(p.nestedCore).toBeUndefined();
    expect(devices(rig)).toContain('mlx5_core.sf.0');
    await pf.delete(p);
    expect(devices(rig)).not.toContain('mlx5_core.sf.0');
  });

  it("gives an SF a share of the PF's limits and the attributes it was set to", async () => {
    rig = await sfRig();
    const pf = rig.core.portFunctions;
    const port = await pf.add({ pfnum: 0, sfnum: 5 });
    await pf.set(port, { roce: false, maxUctx: 3 });
    const nested = (await pf.activate(port)).nestedCore!;
    const max = rig.core.maxCaps;
    expect(nested.maxCaps.log_max_qp).toBe(max.log_max_qp - 1);
    expect(nested.maxCaps.log_max_cq).toBe(max.log_max_cq - 1);
    expect(nested.maxCaps.log_max_mkey).toBe(max.log_max_mkey - 1);
    expect(nested.maxCaps.log_max_uctx).toBe(2);
    // Without maxUctx the share is one step below the PF's, like the other limits.
    const other = (await pf.activate(await pf.add({ pfnum: 0, sfnum: 6 }))).nestedCore!;
    expect(other.maxCaps.log_max_uctx).toBe(max.log_max_uctx - 1);
    expect(nested.caps.roce).toBe(0);
    expect(nested.caps).toMatchObject({ sf: 0, max_num_sf: 0 });
    expect(max).toMatchObject({ sf: 1, max_num_sf: 64, sf_base_id: 1 });
    // No RoCE: the nested core publishes no rdma device.
    expect(nested.auxDevices().map((d) => d.devName)).toEqual([
      'mlx5_core.eth.1',
      'mlx5_core.ctl.1',
      'mlx5_core.vnet.1',
    ]);
  });
});

describe('port functions: scale and PF errors', () => {
  it('16 SFs activated and deleted in a loop leave nothing behind', async () => {
    rig = await sfRig();
    const pf = rig.core.portFunctions;
    const pfObjects = rig.sim.engine.objectCounts();
    for (let round = 0; round < 3; round++) {
      const ports = [];
      for (let i = 0; i < 16; i++) {
        const p = await pf.add({ pfnum: 0, sfnum: 1000 + i });
        await pf.set(p, {
          hwAddr: `02:00:00:00:${round.toString(16).padStart(2, '0')}:${i.toString(16).padStart(2, '0')}`,
        });
        ports.push(await pf.activate(p));
      }
      expect(ports.every((p) => p.state === 'attached')).toBe(true);
      expect(new Set(ports.map((p) => p.nestedCore!.id)).size).toBe(16);
      expect(rig.bus.listDevices()).toHaveLength(3 + 16 * 5);
      for (const p of ports.reverse()) await pf.delete(p);
    }
    expect(devices(rig)).toEqual(['mlx5_core.eth.0', 'mlx5_core.rdma.0', 'mlx5_core.ctl.0']);
    expect(rig.ids.inUse).toBe(1);
    expect(rig.sfIds.inUse).toBe(0);
    expect(rig.sim.engine.subFunctions.list()).toEqual([]);
    expect(rig.sim.engine.objectCounts()).toEqual(pfObjects);
    expect(rig.sim.engine.objectCounts().UCTX ?? 0).toBe(0);
    expect(rig.sim.dma.mappings).toBe(rig.baseline);
  });

  it('a fatal PF error takes SFs down and recovery brings back the active ones', async () => {
    rig = await sfRig();
    const { core, sim } = rig;
    const pf = core.portFunctions;
    const a = await pf.activate(await pf.add({ pfnum: 0, sfnum: 1 }));
    const b = await pf.add({ pfnum: 0, sfnum: 2 });
    const nestedBefore = a.nestedCore!;
    const done = new Promise<void>((resolve) =>
      core.events.subscribe((e) => {
        if (e.type === 'reload' && e.phase === 'done') resolve();
      }),
    );
    core.health.poller.poll();
    sim.faults.fatal();
    core.health.poller.poll();
    expect(core.state).toBe('internal_error');
    await done;
    expect(nestedBefore.state).toBe('closed');
    const after = pf.list();
    expect(after.map((p) => isSfPort(p) && [p.sfnum, p.state])).toEqual([
      [1, 'attached'],
      [2, 'inactive'],
    ]);
    const nested = after[0]!.nestedCore!;
    expect(nested).not.toBe(nestedBefore);
    await nop(nested.queue);
    expect(pf.get(b)).toMatchObject({ flavour: 'pcisf', state: 'inactive' });
    const states = rig.events.flatMap((e) => (e.type === 'port-function' ? [e.state] : []));
    expect(states.slice(-2)).toEqual(['inactive', 'attached']);
  });

  it('close of the PF deletes its port functions first', async () => {
    rig = await sfRig();
    const pf = rig.core.portFunctions;
    const p = await pf.activate(await pf.add({ pfnum: 0, sfnum: 9 }));
    await rig.close();
    expect(p.nestedCore!.state).toBe('closed');
    expect(rig.bus.listDevices()).toEqual([]);
    expect(rig.sim.engine.subFunctions.list()).toEqual([]);
    rig = undefined;
  });
});
