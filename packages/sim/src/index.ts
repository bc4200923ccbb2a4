/**
 * @auxctl/sim: a simulated mlx5-class PCI function, a `DeviceBackend` as
 * @auxctl/prm defines it: the firmware model (boot, capabilities, object
 * table with per-uid ownership, registers, dumps, health), the command
 * transport with its latency model and fault injection, the data path
 * behind the doorbells, a wire between ports, sub-functions and SR-IOV
 * virtual functions.
 *
 * It depends on the hardware interface only, never on a driver: the
 * drivers (@auxctl/core and the aux packages) reach it through the
 * `DeviceBackend` it implements. Test helpers for other packages' tests
 * are in `@auxctl/sim/testing`.
 */
export {
  createSimDevice,
  type SimFunction,
  type SimFunctionOptions,
  simIdentity,
} from './create-sim-device.js';
export { SimPort } from './datapath/sim-port.js';
export { EmbeddedSwitch } from './embedded-switch.js';
export { type ArmedFault, FaultInjector, type OpcodeRef } from './fault-injector.js';
export { Firmware } from './firmware.js';
export type { FirmwareEngine } from './firmware-engine.js';
export {
  DEFAULT_CRDUMP_SIZE,
  DEFAULT_IDENTITY,
  DEFAULT_MAX_SFS,
  type FirmwareOptions,
  MAX_CRDUMP_SIZE,
  MIN_CRDUMP_SIZE,
} from './firmware-options.js';
export {
  LATENCY_PROFILES,
  type LatencyModel,
  SimDevice,
  type SimDeviceCounters,
  type SimDeviceOptions,
} from './sim-device.js';
export { SimWire, type SimWireOptions, type SimWireStats, type WireEnd } from './sim-wire.js';
export {
  SocketWire,
  type SocketWireAddress,
  type SocketWireStats,
} from './socket-wire.js';
export { type SfFunction, type SfTransport, SubFunctions } from './sub-functions.js';
export {
  VF_DEVICE_ID,
  VF_OFFSET,
  VF_STRIDE,
  type VfFunction,
  VirtualFunctions,
} from './virtual-functions.js';
