import { isAuxError } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { PciBus, type PciEvent } from './pci-bus.js';
import type { PciDeviceId, PciDriver } from './pci-driver.js';
import type { PciFunction } from './pci-function.js';

const VENDOR = 0x15b3;
const PF_ID = 0x101d;
const VF_ID = 0x101e;

const rejects = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
  } catch (e) {
    return isAuxError(e) ? e.code : 'not an AuxError';
  }
  return undefined;
};

/** A driver that records its calls and, on a PF, enables VFs through the bus. */
function driver(
  pci: PciBus,
  name: string,
  idTable: PciDeviceId[],
  calls: string[],
  opts: { sriov?: boolean } = {},
): PciDriver<string> {
  return {
    name,
    idTable,
    probe: (fn) => {
      calls.push(`${name} probe ${fn.bdf} ${fn.resource}`);
      fn.drvdata = `${name}@${fn.bdf}`;
    },
    remove: (fn) => {
      calls.push(`${name} remove ${fn.bdf}`);
    },
    ...(opts.sriov && {
      async sriovConfigure(fn: PciFunction<string>, n: number) {
        calls.push(`${name} sriov ${n}`);
        if (n === 0) await pci.disableSriov(fn);
        else await pci.enableSriov(fn, n, (i) => `vf${i}-bar`);
        return n;
      },
    }),
  };
}

async function rig(opts: { sriov?: boolean; autoprobe?: boolean } = {}) {
  const pci = new PciBus();
  const calls: string[] = [];
  const events: PciEvent[] = [];
  pci.events.subscribe((e) => {
    events.push(e);
  });
  const core = driver(
    pci,
    'core',
    [
      { vendor: VENDOR, device: PF_ID },
      { vendor: VENDOR, device: VF_ID },
    ],
    calls,
    { sriov: opts.sriov ?? true },
  );
  const variant = driver(
    pci,
    'variant',
    [{ vendor: VENDOR, device: VF_ID, overrideOnly: true }],
    calls,
  );
  await pci.registerDriver(core);
  await pci.registerDriver(variant);
  const pf = await pci.addFunction({
    bdf: '0000:08:00.0',
    vendorId: VENDOR,
    deviceId: PF_ID,
    resource: () => 'pf-bar',
    sriov: { totalVfs: 8, offset: 2, stride: 1, vfDeviceId: VF_ID },
  });
  if (opts.autoprobe === false) pci.setDriversAutoprobe(pf.bdf, false);
  return { pci, calls, events, pf };
}

describe('PCI bus: binding', () => {
  it('binds a PF to the driver whose id table matches, and unbinds / rebinds by name', async () => {
    const { pci, calls, pf } = await rig();
    expect(calls).toEqual(['core probe 0000:08:00.0 pf-bar']);
    expect(pf.driverName).toBe('core');
    expect(await rejects(pci.bind(pf.bdf, 'core'))).toBe('EBUSY');
    await pci.unbind(pf.bdf);
    expect(pf.drvdata).toBeUndefined();
    expect(await rejects(pci.unbind(pf.bdf))).toBe('ENODEV');
    expect(await rejects(pci.bind(pf.bdf, 'variant'))).toBe('ENODEV');
    expect(await rejects(pci.bind(pf.bdf, 'nope'))).toBe('ENOENT');
    await pci.bind('0000:08:00.0', 'core');
    expect(pf.drvdata).toBe('core@0000:08:00.0');
    expect(await rejects(pci.unbind(pf.bdf, 'variant'))).toBe('ENODEV');
  });

  it('refuses a second function at the same address and malformed ones', async () => {
    const { pci } = await rig();
    const init = { bdf: '0000:08:00.0', vendorId: 1, deviceId: 2, resource: () => 0 };
    expect(await rejects(pci.addFunction(init))).toBe('EEXIST');
    expect(await rejects(pci.addFunction({ ...init, bdf: '08:00.0' }))).toBe('EINVAL');
    expect(
      await rejects(pci.addFunction({ ...init, bdf: '0000:09:00.0', vendorId: 0x10000 })),
    ).toBe('EINVAL');
  });

  it('driver_override: a function binds only the named driver, which may match only that way', async () => {
    const { pci, calls } = await rig();
    const vf = await pci.addFunction({
      bdf: '0000:0a:00.0',
      vendorId: VENDOR,
      deviceId: VF_ID,
      resource: () => 'x',
    });
    // The variant's only entry is override-only: the core driver won.
    expect(vf.driverName).toBe('core');
    pci.setDriverOverride(vf.bdf, 'variant\n');
    expect(vf.driverOverride).toBe('variant');
    // Setting it does not rebind; unbind and reprobe do.
    expect(vf.driverName).toBe('core');
    await pci.unbind(vf.bdf);
    expect(await rejects(pci.bind(vf.bdf, 'core'))).toBe('ENODEV');
    await pci.reprobe(vf.bdf);
    expect(vf.driverName).toBe('variant');
    expect(calls.at(-1)).toBe('variant probe 0000:0a:00.0 x');
    await pci.unbind(vf.bdf);
    pci.setDriverOverride(vf.bdf, '');
    await pci.reprobe(vf.bdf);
    expect(vf.driverName).toBe('core');
    expect(() => pci.setDriverOverride(vf.bdf, 'bad name')).toThrow(/driver_override/);
  });

  it('a driver registered later binds matching functions; unregistering unbinds them', async () => {
    const pci = new PciBus();
    const calls: string[] = [];
    await pci.addFunction({
      bdf: '0000:08:00.0',
      vendorId: VENDOR,
      deviceId: PF_ID,
      resource: () => 'b',
    });
    await pci.registerDriver(driver(pci, 'core', [{ vendor: VENDOR, device: PF_ID }], calls));
    expect(await rejects(pci.registerDriver(driver(pci, 'core', [], calls)))).toBe('EEXIST');
    await pci.unregisterDriver('core');
    expect(calls).toEqual(['core probe 0000:08:00.0 b', 'core remove 0000:08:00.0']);
    expect(await rejects(pci.unregisterDriver('core'))).toBe('ENOENT');
  });
});

describe('PCI bus: SR-IOV', () => {
  it('sriov_numvfs enables VFs at offset + stride * n, bound by the matching driver', async () => {
    const { pci, pf, calls, events } = await rig();
    expect(await pci.writeNumVfs(pf.bdf, '3\n')).toBe(3);
    const info = pci.list();
    expect(info.map((f) => f.bdf)).toEqual([
      '0000:08:00.0',
      '0000:08:00.2',
      '0000:08:00.3',
      '0000:08:00.4',
    ]);
    expect(info[0]?.sriov).toMatchObject({
      numVfs: 3,
      totalVfs: 8,
      vfs: ['0000:08:00.2', '0000:08:00.3', '0000:08:00.4'],
    });
    expect(info[2]).toMatchObject({
      physfn: '0000:08:00.0',
      vfIndex: 1,
      deviceId: VF_ID,
      driver: 'core',
    });
    expect(calls).toContain('core probe 0000:08:00.3 vf1-bar');
    expect(events.filter((e) => e.type === 'sriov')).toEqual([
      { type: 'sriov', bdf: pf.bdf, numVfs: 3 },
    ]);
    const vf = pci.find('0000:08:00.3')!;
    expect(pci.pfDriverData(vf, 'core')).toBe('core@0000:08:00.0');
    expect(() => pci.pfDriverData(vf, 'variant')).toThrow(/not bound to variant/);
    expect(() => pci.pfDriverData(pf, 'core')).toThrow(/not a VF/);
  });

  it('follows the kernel rules: ERANGE above total, EBUSY to change a non-zero count, 0 disables', async () => {
    const { pci, pf, calls } = await rig();
    expect(await rejects(pci.writeNumVfs(pf.bdf, '9'))).toBe('ERANGE');
    expect(await rejects(pci.writeNumVfs(pf.bdf, 'x'))).toBe('EINVAL');
    await pci.writeNumVfs(pf.bdf, 2);
    expect(await rejects(pci.writeNumVfs(pf.bdf, 3))).toBe('EBUSY');
    expect(pf.sriov?.numVfs).toBe(2);
    // The same count again is a no-op: the driver is not called.
    const n = calls.length;
    expect(await pci.writeNumVfs(pf.bdf, 2)).toBe(2);
    expect(calls.length).toBe(n);
    const vf = pci.find('0000:08:00.2')!;
    expect(await pci.writeNumVfs(pf.bdf, 0)).toBe(0);
    expect(calls.slice(n)).toEqual([
      'core sriov 0',
      'core remove 0000:08:00.3',
      'core remove 0000:08:00.2',
    ]);
    expect(pci.list().map((f) => f.bdf)).toEqual([pf.bdf]);
    expect(() => vf.resource).toThrow(/removed/);
    await pci.writeNumVfs(pf.bdf, 3);
    expect(pf.sriov?.numVfs).toBe(3);
  });

  it('ENOENT without a PF driver or without its sriov_configure; ENODEV without SR-IOV', async () => {
    const { pci, pf } = await rig({ sriov: false });
    expect(await rejects(pci.writeNumVfs(pf.bdf, 1))).toBe('ENOENT');
    await pci.unbind(pf.bdf);
    expect(await rejects(pci.writeNumVfs(pf.bdf, 1))).toBe('ENOENT');
    const plain = await pci.addFunction({
      bdf: '0000:09:00.0',
      vendorId: VENDOR,
      deviceId: PF_ID,
      resource: () => 0,
    });
    expect(await rejects(pci.writeNumVfs(plain.bdf, 1))).toBe('ENODEV');
    expect(() => pci.setDriversAutoprobe(plain.bdf, false)).toThrow(/SR-IOV/);
  });

  it('autoprobe off: VFs appear unbound and refuse bind until a driver_override names a driver', async () => {
    const { pci, pf, calls } = await rig({ autoprobe: false });
    await pci.writeNumVfs(pf.bdf, 2);
    expect(
      pci
        .list()
        .filter((f) => f.physfn)
        .map((f) => f.driver),
    ).toEqual([undefined, undefined]);
    expect(calls.filter((c) => c.includes('probe 0000:08:00.2'))).toEqual([]);
    expect(await rejects(pci.bind('0000:08:00.2', 'core'))).toBe('ENODEV');
    pci.setDriverOverride('0000:08:00.2', 'variant');
    await pci.reprobe('0000:08:00.2');
    expect(pci.find('0000:08:00.2')?.driverName).toBe('variant');
    // Autoprobe back on: the other VF binds on the next probe, to the normal driver.
    pci.setDriversAutoprobe(pf.bdf, true);
    await pci.reprobe('0000:08:00.3');
    expect(pci.find('0000:08:00.3')?.driverName).toBe('core');
  });

  it('removing the PF removes its VFs first; a VF cannot be removed on its own', async () => {
    const { pci, pf, calls } = await rig();
    await pci.writeNumVfs(pf.bdf, 2);
    expect(await rejects(pci.removeFunction('0000:08:00.2'))).toBe('EINVAL');
    // VFs go before their PF's driver is removed, as children before a parent.
    await pci.removeFunction(pf);
    expect(pci.list()).toEqual([]);
    expect(calls.slice(-3)).toEqual([
      'core remove 0000:08:00.3',
      'core remove 0000:08:00.2',
      'core remove 0000:08:00.0',
    ]);
    expect(await rejects(pci.removeFunction(pf))).toBe('ENODEV');
  });

  it('a failing enable leaves no VF behind', async () => {
    const { pci, pf } = await rig();
    // A function already sits where VF 1 would go.
    await pci.addFunction({ bdf: '0000:08:00.3', vendorId: 1, deviceId: 1, resource: () => 0 });
    expect(await rejects(pci.writeNumVfs(pf.bdf, 2))).toBe('EEXIST');
    expect(pf.sriov).toMatchObject({ numVfs: 0, vfs: [] });
    expect(pci.find('0000:08:00.2')).toBeUndefined();
  });
});
