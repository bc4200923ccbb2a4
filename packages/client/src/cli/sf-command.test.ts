import { Device, DeviceState, PortFunction, PortFunctionState } from '@auxctl/proto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { devicesTree } from './devices-command.js';
import { parseHwAddr, parseOnOff, portFunctionsTable } from './sf-command.js';

const hex2 = fc.integer({ min: 0, max: 255 }).map((n) => n.toString(16).padStart(2, '0'));

describe('sf arguments', () => {
  it('parseHwAddr accepts exactly the unicast, non-zero MAC addresses, lower-cased', () => {
    fc.assert(
      fc.property(fc.array(hex2, { minLength: 6, maxLength: 6 }), fc.boolean(), (octets, upper) => {
        const text = octets.join(':');
        const unicast = (Number.parseInt(octets[0] as string, 16) & 1) === 0;
        const zero = octets.every((o) => o === '00');
        const input = upper ? text.toUpperCase() : text;
        if (unicast && !zero) expect(parseHwAddr(input)).toBe(text);
        else expect(() => parseHwAddr(input)).toThrow();
      }),
    );
    for (const bad of [
      '',
      '02:00:00:00:00',
      '02-00-00-00-00-01',
      '02:00:00:00:00:0g',
      '002:0:0:0:0:1',
    ]) {
      expect(() => parseHwAddr(bad)).toThrow();
    }
  });

  it('parseOnOff takes on/off and their usual spellings, nothing else', () => {
    for (const t of ['on', 'ON', 'true', 'yes', '1']) expect(parseOnOff(t)).toBe(true);
    for (const t of ['off', 'False', 'no', '0']) expect(parseOnOff(t)).toBe(false);
    fc.assert(
      fc.property(fc.string(), (t) => {
        const known = ['on', 'true', 'yes', '1', 'off', 'false', 'no', '0'];
        if (!known.includes(t.trim().toLowerCase())) expect(() => parseOnOff(t)).toThrow();
      }),
    );
  });
});

describe('sf rendering', () => {
  const port = PortFunction.fromPartial({
    index: 1,
    pfnum: 0,
    sfnum: 88,
    hwAddr: '02:00:00:00:00:58',
    roce: true,
    state: PortFunctionState.PORT_FUNCTION_STATE_ATTACHED,
    auxDevice: 'mlx5_core.sf.1',
    device: '0000:08:00.0-sf88',
  });

  it('lists ports as a table', () => {
    const t = portFunctionsTable([port]);
    expect(t).toContain('attached');
    expect(t).toContain('mlx5_core.sf.1');
    expect(t).toContain('02:00:00:00:00:58');
    // The port index, the SF number and the aux device id differ; the table says which is which.
    expect(t).toMatch(/^INDEX +the port index: sf set, activate, deactivate and delete take it$/m);
    expect(t).toMatch(/^SFNUM +the sub-function number chosen with --sfnum/m);
    expect(t).toMatch(/^AUX DEVICE +.*N numbered by the bus, not SFNUM$/m);
  });

  it('draws the PF, its ports and each SF device with its aux devices as a tree', () => {
    const pf = Device.fromPartial({
      name: '0000:08:00.0',
      state: DeviceState.DEVICE_STATE_UP,
      auxDevices: [
        { name: 'mlx5_core.eth.0', driver: 'mlx5_core.eth' },
        { name: 'mlx5_core.sf.1', driver: 'mlx5_core.sf' },
      ],
      portFunctions: [port],
    });
    const child = Device.fromPartial({
      name: '0000:08:00.0-sf88',
      parent: '0000:08:00.0',
      state: DeviceState.DEVICE_STATE_UP,
      auxDevices: [{ name: 'mlx5_core.ctl.3', driver: '' }],
    });
    expect(devicesTree([pf, child])).toBe(
      [
        '0000:08:00.0 up fw -',
        '├─ mlx5_core.eth.0 = mlx5_core.eth',
        '├─ mlx5_core.sf.1 = mlx5_core.sf',
        '└─ sf 1 (pfnum 0 sfnum 88) attached 02:00:00:00:00:58',
        '   └─ 0000:08:00.0-sf88 up fw -',
        '      └─ mlx5_core.ctl.3 = (unbound)',
        '',
      ].join('\n'),
    );
  });
});
