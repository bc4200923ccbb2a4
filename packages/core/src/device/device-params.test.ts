import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeviceParams } from './device-params.js';

describe('DeviceParams', () => {
  it('defaults enable_vnet to on and stores a driverinit value', () => {
    const p = new DeviceParams();
    expect(p.get('enable_vnet')).toBe(true);
    p.set('enable_vnet', false);
    expect(p.snapshot()).toEqual({ enable_vnet: false });
    expect(new DeviceParams({ enable_vnet: false }).get('enable_vnet')).toBe(false);
  });

  it('refuses unknown names and values of another type, changing nothing (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.anything(), (name, value) => {
        const p = new DeviceParams();
        const ok = name === 'enable_vnet' && typeof value === 'boolean';
        if (ok) {
          p.set(name, value);
          expect(p.get('enable_vnet')).toBe(value);
        } else {
          expect(() => p.set(name, value)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
          expect(p.get('enable_vnet')).toBe(true);
        }
      }),
    );
  });
});
