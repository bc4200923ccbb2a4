/**
 * The auxiliary bus: a generic publish/bind bus after Linux's
 * drivers/base/auxiliary.c. See `auxiliary-bus.ts` for the lifecycle.
 *
 * Owns: the public surface of the bus. Never: exports bus-private state.
 */
export {
  AUX_ID_MAX,
  AUX_NAME_PART_MAX,
  type AuxDeviceName,
  formatDeviceName,
  formatMatchName,
  MODALIAS_PREFIX,
  matchNameOf,
  modaliasOf,
  parseDeviceName,
  parseMatchName,
  parseModalias,
} from './aux-name.js';
export { AuxiliaryBus, type AuxiliaryBusOptions } from './auxiliary-bus.js';
export { type AuxDeviceInit, type AuxDeviceState, AuxiliaryDevice } from './auxiliary-device.js';
export {
  type AuxiliaryDeviceId,
  type AuxiliaryDriver,
  matchId,
  supportsSuspend,
} from './auxiliary-driver.js';
export type { AuxDeviceInfo, AuxDriverInfo } from './bus-info.js';
export { DeviceLock } from './device-lock.js';
export {
  DeviceRegistry,
  type DeviceRegistryMessages,
  type RegistryEvent,
} from './device-registry.js';
export {
  asAuxError,
  type BindableDevice,
  type BindingHost,
  type BindingSlot,
  type BoundDriver,
  DriverBinding,
  type DriverRecord,
} from './driver-binding.js';
export {
  AUX_DRIVER_EXPORT,
  type AuxDriverResolver,
  type ModuleImporter,
  moduleResolver,
} from './module-resolver.js';
export type { Uevent, UeventAction } from './uevent.js';
