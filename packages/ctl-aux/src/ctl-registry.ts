/**
 * CtlRegistry: the ctl devices callers can list and open (the analogue of
 * the `/dev/fwctl` directory). The embedder creates one and hands it to
 * `createCtlDriver`; the driver adds a device on probe and removes it on
 * remove. There is no process-wide registry: two embedders (or two tests)
 * never see each other's devices.
 *
 * `events` announces devices as they come and go (`added`, `removed`), for
 * a server's WatchDevices. The map, its events, names/get/add/remove come
 * from core's DeviceRegistry.
 *
 * Owns: listing devices and opening contexts by name. Never: creates or
 * destroys devices.
 */
import { DeviceRegistry, type RegistryEvent } from '@auxctl/core';
import type { CtlCredentials } from './credentials.js';
import type { CtlContext } from './ctl-context.js';
import type { CtlDevice, CtlDeviceInfo } from './ctl-device.js';

/** CtlRegistryEvent: a ctl device appeared or went away. */
export type CtlRegistryEvent = RegistryEvent;

/** CtlRegistry: see the module header. */
export class CtlRegistry extends DeviceRegistry<CtlDevice> {
  constructor() {
    super({ noun: 'ctl device', lookupHint: 'list() shows the registered ones' });
  }

  /** list: every registered device, in registration order. */
  list(): CtlDeviceInfo[] {
    const out: CtlDeviceInfo[] = [];
    for (const d of this.devices.values()) {
      if (d.live) out.push(d.info());
    }
    return out;
  }

  /** open: a context on device `name` (ENODEV when there is none); see CtlDevice.open. */
  open(name: string, credentials: CtlCredentials): Promise<CtlContext> {
    const dev = this.get(name);
    if (!dev) return Promise.reject(this.notFound(name));
    return dev.open(credentials);
  }
}
