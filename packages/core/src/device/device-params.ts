/**
 * DeviceParams: the per-function driver parameters of a core device, after
 * devlink's generic parameters in configuration mode `driverinit` (`devlink
 * dev param set ... cmode driverinit`): a set value is stored at once and
 * read by the driver when it next attaches its aux devices (load, reload,
 * rescan), not applied on the spot.
 *
 * | name        | type    | default                  | read by |
 * |-------------|---------|--------------------------|---------|
 * | enable_vnet | boolean | true (mlx5: !lightweight; no lightweight mode is modelled) | the `vnet` row of the aux table |
 *
 * Owns: the values and their validation. Never: when they take effect
 * (the core device's lifecycle).
 */
import { AuxError } from '@auxctl/prm';

/** DeviceParamValues: every parameter's value. */
export interface DeviceParamValues {
  readonly enable_vnet: boolean;
}

/** DeviceParamName: a parameter's devlink name. */
export type DeviceParamName = keyof DeviceParamValues;

const DEFAULTS: DeviceParamValues = { enable_vnet: true };

/** DeviceParams: see the module header. */
export class DeviceParams {
  private values: DeviceParamValues;

  /** Throws AuxError(EINVAL) for an unknown name or a value of the wrong type. */
  constructor(initial: Partial<DeviceParamValues> = {}) {
    this.values = { ...DEFAULTS };
    for (const [k, v] of Object.entries(initial)) this.set(k, v);
  }

  /** get: the driverinit value of `name`. */
  get<K extends DeviceParamName>(name: K): DeviceParamValues[K] {
    return this.values[name];
  }

  /** set: store a driverinit value; EINVAL for an unknown name or a wrong type. */
  set(name: string, value: unknown): void {
    if (!Object.hasOwn(DEFAULTS, name)) {
      throw new AuxError(
        'EINVAL',
        `unknown parameter ${name}; known: ${Object.keys(DEFAULTS).join(', ')}`,
      );
    }
    const key = name as DeviceParamName;
    if (typeof value !== typeof DEFAULTS[key]) {
      throw new AuxError('EINVAL', `${name} is a ${typeof DEFAULTS[key]}`);
    }
    this.values = { ...this.values, [key]: value as DeviceParamValues[typeof key] };
  }

  /** snapshot: every value now. */
  snapshot(): DeviceParamValues {
    return { ...this.values };
  }
}
