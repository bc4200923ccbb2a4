/**
 * The auxiliary devices a core device publishes, as data (mlx5's
 * `mlx5_adev_devices[]`): one entry per protocol, in publish order, each
 * with the capability test that says whether this function supports it.
 * All aux devices of one core device share the core device's id.
 */
import { GeneralObjTypesCap, VirtqEventMode } from '@auxctl/prm';
import type { DeviceParamValues } from './device-params.js';
import type { GeneralCaps } from './firmware-commands.js';
import type { VirtioEmulationCaps } from './virtq-commands.js';

/** AUX_MODNAME: the publisher part of every aux device name. */
export const AUX_MODNAME = 'mlx5_core';

/** PORT_TYPE: `port_type` values of the general capabilities. */
export const PORT_TYPE = { IB: 0, ETH: 1 } as const;

/** FunctionKind: what kind of PCI function the core device drives. */
export type FunctionKind = 'pf' | 'vf' | 'sf';

/** AuxFunctionInfo: what a row may look at besides the general capabilities. */
export interface AuxFunctionInfo {
  readonly kind: FunctionKind;
  /** The virtio emulation capability, when general_obj_types offers VIRTIO_NET_Q. */
  readonly virtio: VirtioEmulationCaps | undefined;
  /** The driverinit parameters as they are when the devices are attached. */
  readonly params: DeviceParamValues;
}

/** AuxDeviceSpec: one row of the table. */
export interface AuxDeviceSpec {
  /** The `name` part: `mlx5_core.<name>.<id>`. */
  readonly name: string;
  readonly supported: (caps: GeneralCaps, fn: AuxFunctionInfo) => boolean;
}

/**
 * vnetSupported: mlx5's `mlx5_vnet_supported` and `is_vnet_enabled`: never
 * a PF; the function offers VIRTIO_NET_Q objects, QP event mode and
 * Ethernet-frame offload; and `enable_vnet` is on.
 */
export function vnetSupported(caps: GeneralCaps, fn: AuxFunctionInfo): boolean {
  if (fn.kind === 'pf' || !fn.params.enable_vnet) return false;
  if ((caps.general_obj_types & GeneralObjTypesCap.VIRTIO_NET_Q) === 0n) return false;
  const v = fn.virtio;
  return (
    v !== undefined &&
    (v.event_mode & (1 << VirtqEventMode.QP)) !== 0 &&
    v.eth_frame_offload_type !== 0
  );
}

/** MLX5_AUX_DEVICES: Ethernet, RDMA (RoCE or InfiniBand), ctl (firmware RPC) and vnet (vdpa, SFs and VFs only). */
export const MLX5_AUX_DEVICES: readonly AuxDeviceSpec[] = [
  { name: 'eth', supported: (c) => c.port_type === PORT_TYPE.ETH },
  {
    name: 'rdma',
    supported: (c) =>
      c.port_type === PORT_TYPE.IB || (c.port_type === PORT_TYPE.ETH && c.roce === 1),
  },
  { name: 'ctl', supported: (c) => c.uctx_cap !== 0 },
  { name: 'vnet', supported: vnetSupported },
];
