import { isAuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkPciDriver,
  matchPciDevice,
  PCI_ANY_ID,
  PCI_ID_ANY,
  type PciDeviceId,
} from './pci-driver.js';

const fn = (vendorId: number, deviceId: number, driverOverride?: string) => ({
  vendorId,
  deviceId,
  driverOverride,
});
const core = { name: 'mlx5_core' };
const variant = { name: 'mlx5_vfio_pci' };
const coreIds: PciDeviceId[] = [
  { vendor: 0x15b3, device: 0x101d },
  { vendor: 0x15b3, device: 0x101e, data: 'vf' },
];
const variantIds: PciDeviceId[] = [{ vendor: 0x15b3, device: 0x101e, overrideOnly: true }];

describe('PCI id matching', () => {
  it('matches vendor and device, PCI_ANY_ID matching either', () => {
    expect(matchPciDevice(core, coreIds, fn(0x15b3, 0x101e))?.data).toBe('vf');
    expect(matchPciDevice(core, coreIds, fn(0x15b3, 0x1021))).toBeUndefined();
    expect(matchPciDevice(core, coreIds, fn(0x8086, 0x101d))).toBeUndefined();
    const any = [{ vendor: 0x15b3, device: PCI_ANY_ID }];
    expect(matchPciDevice(core, any, fn(0x15b3, 0x1234))).toBe(any[0]);
  });

  it('an override-only entry matches only when driver_override names the driver', () => {
    expect(matchPciDevice(variant, variantIds, fn(0x15b3, 0x101e))).toBeUndefined();
    expect(matchPciDevice(variant, variantIds, fn(0x15b3, 0x101e, 'vfio-pci'))).toBeUndefined();
    expect(matchPciDevice(variant, variantIds, fn(0x15b3, 0x101e, 'mlx5_vfio_pci'))).toBe(
      variantIds[0],
    );
    // ... and then the normal driver no longer matches the function.
    expect(matchPciDevice(core, coreIds, fn(0x15b3, 0x101e, 'mlx5_vfio_pci'))).toBeUndefined();
  });

  it('an override naming a driver with no matching entry still matches it, with PCI_ID_ANY', () => {
    expect(matchPciDevice({ name: 'vfio-pci' }, [], fn(0x15b3, 0x101e, 'vfio-pci'))).toBe(
      PCI_ID_ANY,
    );
  });

  it('property: a match implies the override is unset or names the driver, and override-only entries need it', () => {
    const id = fc.oneof(fc.constant(PCI_ANY_ID), fc.integer({ min: 0, max: 3 }));
    const entry = fc.record({ vendor: id, device: id, overrideOnly: fc.boolean() });
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
        (table, v, d, override) => {
          const got = matchPciDevice({ name: 'a' }, table, fn(v, d, override));
          if (override === 'b') expect(got).toBeUndefined();
          if (got === undefined) return;
          if (got === PCI_ID_ANY) expect(override).toBe('a');
          else {
            expect(table).toContain(got);
            if (got.overrideOnly) expect(override).toBe('a');
            expect([PCI_ANY_ID, v]).toContain(got.vendor);
            expect([PCI_ANY_ID, d]).toContain(got.device);
          }
        },
      ),
    );
  });
});

describe('PCI driver validation', () => {
  const einval = (d: unknown) => {
    try {
      checkPciDriver(d);
    } catch (e) {
      return isAuxError(e, 'EINVAL');
    }
    return false;
  };
  it('refuses malformed drivers with EINVAL', () => {
    const probe = () => {};
    expect(einval(null)).toBe(true);
    expect(einval({ name: 'bad name', idTable: [], probe })).toBe(true);
    expect(einval({ name: 'd', idTable: [] })).toBe(true);
    expect(einval({ name: 'd', idTable: {}, probe })).toBe(true);
    expect(einval({ name: 'd', idTable: [{ vendor: 0x10000, device: 1 }], probe })).toBe(true);
    expect(einval({ name: 'd', idTable: [{ vendor: 1 }], probe })).toBe(true);
    expect(einval({ name: 'd', idTable: [], probe, sriovConfigure: 1 })).toBe(true);
    expect(einval({ name: 'vfio-pci', idTable: [], probe })).toBe(false);
  });
});
