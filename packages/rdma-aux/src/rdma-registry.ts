/**
 * RdmaRegistry: the ib_devices callers can list and open (the analogue of
 * /sys/class/infiniband). The embedder creates one and hands it to
 * `createRdmaDriver` (or lets the driver make one); the driver adds a
 * device on probe and removes it on remove. There is no process-wide
 * registry: two embedders never see each other's devices.
 *
 * `events` announces devices as they come and go. The map, its events,
 * names/get/add/remove come from core's DeviceRegistry.
 *
 * Owns: listing devices and opening contexts by name. Never: creates or
 * destroys devices.
 */
import { DeviceRegistry, type RegistryEvent } from '@auxctl/core';
import type { IbContext } from './ib-context.js';
import type { IbDevice, IbDeviceInfo } from './ib-device.js';

/** RdmaRegistryEvent: a device appeared or went away. */
export type RdmaRegistryEvent = RegistryEvent;

/** RdmaRegistry: see the module header. */
export class RdmaRegistry extends DeviceRegistry<IbDevice> {
  constructor() {
    super({ noun: 'ib device', lookupHint: 'list() shows the registered ones' });
  }

  /** list: every registered device, in registration order. */
  list(): IbDeviceInfo[] {
    return [...this.devices.values()].filter((d) => d.live).map((d) => d.info());
  }

  /** openContext: a verbs context on device `name` (ENODEV when there is none). */
  openContext(name: string): Promise<IbContext> {
    const dev = this.get(name);
    if (!dev) return Promise.reject(this.notFound(name));
    return dev.openContext();
  }
}
