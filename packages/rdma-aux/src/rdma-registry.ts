/**
 * RdmaRegistry: the ib_devices callers can list and open (the analogue of
 * /sys/class/infiniband). The embedder creates one and hands it to
 * `createRdmaDriver` (or lets the driver make one); the driver adds a
 * device on probe and removes it on remove. There is no process-wide
 * registry: two embedders never see each other's devices.
 *
 * `events` announces devices as they come and go.
 *
 * Owns: the name -> device map. Never: creates or destroys devices.
 */
import { AuxError, EventChannel, printable } from '@auxctl/core';
import type { IbContext } from './ib-context.js';
import type { IbDevice, IbDeviceInfo } from './ib-device.js';

/** RdmaRegistryEvent: a device appeared or went away. */
export type RdmaRegistryEvent =
  | { readonly type: 'added'; readonly device: string }
  | { readonly type: 'removed'; readonly device: string };

/** RdmaRegistry: see the module header. */
export class RdmaRegistry {
  readonly events = new EventChannel<RdmaRegistryEvent>();
  private readonly devices = new Map<string, IbDevice>();

  /** list: every registered device, in registration order. */
  list(): IbDeviceInfo[] {
    return [...this.devices.values()].filter((d) => d.live).map((d) => d.info());
  }

  /** names: the registered device names. */
  names(): string[] {
    return [...this.devices.keys()];
  }

  /** get: the device called `name`, if registered. */
  get(name: string): IbDevice | undefined {
    return this.devices.get(name);
  }

  /** openContext: a verbs context on device `name` (ENODEV when there is none). */
  openContext(name: string): Promise<IbContext> {
    const dev = this.devices.get(name);
    if (!dev) {
      return Promise.reject(
        new AuxError('ENODEV', `no ib device ${printable(name)}; list() shows the registered ones`),
      );
    }
    return dev.openContext();
  }

  /** add: register `dev` (the driver's probe); EEXIST when the name is taken. */
  add(dev: IbDevice): void {
    if (this.devices.has(dev.name)) {
      throw new AuxError('EEXIST', `ib device ${dev.name} is already registered`);
    }
    this.devices.set(dev.name, dev);
    this.events.publish({ type: 'added', device: dev.name });
  }

  /** remove: unregister `dev` (the driver's remove); false when it was not registered. */
  remove(dev: IbDevice): boolean {
    if (this.devices.get(dev.name) !== dev) return false;
    this.devices.delete(dev.name);
    this.events.publish({ type: 'removed', device: dev.name });
    return true;
  }
}
