/**
 * The auxiliary devices a core device publishes, as data (mlx5's
 * `mlx5_adev_devices[]`): one entry per protocol, in publish order, each
 * with the capability test that says whether this function supports it.
 * All aux devices of one core device share the core device's id.
 */
import type { GeneralCaps } from './firmware-commands.js';

/** AUX_MODNAME: the publisher part of every aux device name. */
export const AUX_MODNAME = 'mlx5_core';

/** PORT_TYPE: `port_type` values of the general capabilities. */
export const PORT_TYPE = { IB: 0, ETH: 1 } as const;

/** AuxDeviceSpec: one row of the table. */
export interface AuxDeviceSpec {
  /** The `name` part: `mlx5_core.<name>.<id>`. */
  readonly name: string;
  readonly supported: (caps: GeneralCaps) => boolean;
}

/** MLX5_AUX_DEVICES: Ethernet, RDMA (RoCE or InfiniBand) and ctl (firmware RPC). */
export const MLX5_AUX_DEVICES: readonly AuxDeviceSpec[] = [
  { name: 'eth', supported: (c) => c.port_type === PORT_TYPE.ETH },
  {
    name: 'rdma',
    supported: (c) =>
      c.port_type === PORT_TYPE.IB || (c.port_type === PORT_TYPE.ETH && c.roce === 1),
  },
  { name: 'ctl', supported: (c) => c.uctx_cap !== 0 },
];
